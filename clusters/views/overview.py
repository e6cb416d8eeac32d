"""Placeholder until the views are written."""

from django.http import Http404


def cluster_edit(request, **kwargs):
    raise Http404


def cluster_list(request, **kwargs):
    raise Http404


def cluster_start(request, **kwargs):
    raise Http404


def cluster_status(request, **kwargs):
    raise Http404


def history(request, **kwargs):
    raise Http404


def overview(request, **kwargs):
    raise Http404
