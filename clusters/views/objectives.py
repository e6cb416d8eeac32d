"""Placeholder until the views are written."""

from django.http import Http404


def objective_detail(request, **kwargs):
    raise Http404


def objective_edit(request, **kwargs):
    raise Http404


def objective_list(request, **kwargs):
    raise Http404


def objective_new(request, **kwargs):
    raise Http404


def objective_update(request, **kwargs):
    raise Http404
