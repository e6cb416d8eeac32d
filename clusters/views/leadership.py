"""Placeholder until the views are written."""

from django.http import Http404


def appoint(request, **kwargs):
    raise Http404


def end(request, **kwargs):
    raise Http404


def officers(request, **kwargs):
    raise Http404


def rota(request, **kwargs):
    raise Http404
