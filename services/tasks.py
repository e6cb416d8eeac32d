"""Thin Celery tasks of services: each takes plain values, and calls a service."""

from datetime import date

from celery import shared_task

from config import pdf_jobs

from . import arrangements, statements
from .models import Statement


@shared_task(bind=True, max_retries=3)
def build_statement(self, statement_id: int) -> None:
    """Write a served council's monthly statement as a PDF (services.statements.request_statement)."""
    statement = statements.build_statement(statement_id)
    if statement is not None and statement.status == Statement.Status.RENDERING:
        # Another worker holds the claim. Should that worker have died, its claim goes stale after the
        # hard time limit: look again then, and take the statement over.
        raise self.retry(countdown=pdf_jobs.seconds_until_stale(statement))


@shared_task
def run_arrangement_dates(day: str | None = None) -> dict:
    """The daily start and end of arrangements by their dates (in the beat schedule). `day`, as
    YYYY-MM-DD, stands in for today."""
    outcome = arrangements.run_daily(date.fromisoformat(day) if day else None)
    return {"activated": outcome.activated, "ended": outcome.ended}
