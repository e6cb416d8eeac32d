"""Thin Celery tasks: each takes plain values, and calls a service."""

import dataclasses
from datetime import date

from celery import shared_task

from . import leadership, reminders
from .tasks_reports import build_cluster_report  # noqa: F401  (so that Celery's autodiscovery finds it)


@shared_task
def send_reminders(day: str | None = None) -> dict:
    """The daily reminder scan (in the beat schedule). `day`, as YYYY-MM-DD, stands in for today."""
    outcome = reminders.run(date.fromisoformat(day) if day else None)
    return dataclasses.asdict(outcome)


@shared_task
def rotate_chairs(day: str | None = None) -> int:
    """The daily hand-over of rotating chairs whose term has ended (in the beat schedule)."""
    return leadership.rotate_due_chairs(date.fromisoformat(day) if day else None)
