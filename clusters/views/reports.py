"""Placeholder until the views are written."""

from django.http import Http404


def report_detail(request, **kwargs):
    raise Http404


def report_download(request, **kwargs):
    raise Http404


def report_list(request, **kwargs):
    raise Http404
