"""Placeholder until the views are written."""

from django.http import Http404


def attachment(request, **kwargs):
    raise Http404


def correct(request, **kwargs):
    raise Http404


def decide(request, **kwargs):
    raise Http404


def detail(request, **kwargs):
    raise Http404


def propose(request, **kwargs):
    raise Http404


def register(request, **kwargs):
    raise Http404


def register_csv(request, **kwargs):
    raise Http404


def vote(request, **kwargs):
    raise Http404


def withdraw(request, **kwargs):
    raise Http404
