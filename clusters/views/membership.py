"""Placeholder until the views are written."""

from django.http import Http404


def answer(request, **kwargs):
    raise Http404


def invite(request, **kwargs):
    raise Http404


def leave(request, **kwargs):
    raise Http404


def members(request, **kwargs):
    raise Http404


def withdraw(request, **kwargs):
    raise Http404
