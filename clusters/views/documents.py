"""Placeholder until the views are written."""

from django.http import Http404


def document_detail(request, **kwargs):
    raise Http404


def document_list(request, **kwargs):
    raise Http404


def document_new(request, **kwargs):
    raise Http404


def document_review(request, **kwargs):
    raise Http404


def version_adopt(request, **kwargs):
    raise Http404


def version_file(request, **kwargs):
    raise Http404


def version_new(request, **kwargs):
    raise Http404
