"""Thin Celery tasks: each takes plain values, and calls a service."""

import dataclasses
import uuid
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
def send_reminder_digests(claim: str, user_ids: list[int], day: str) -> None:
    """One batch of the daily scan's digests: the reminders `claim` took for these people on `day`."""
    reminders.send_claimed(uuid.UUID(claim), user_ids, date.fromisoformat(day))


@shared_task
def end_terms(day: str | None = None) -> dict:
    """The daily hand-over of rotating chairs and ending of passed terms (in the beat schedule)."""
    outcome = leadership.end_terms(date.fromisoformat(day) if day else None)
    return dataclasses.asdict(outcome)
