"""Thin Celery tasks: each takes plain values, and calls a service."""

import dataclasses
from datetime import date

from celery import shared_task
from django.utils import timezone

from config import pdf_jobs

from . import dashboard_pdf
from .models import DashboardPdf

# Minutes before the monthly email of an area is tried again for the people it could not reach.
EMAIL_RETRY_SECONDS = 15 * 60


@shared_task(bind=True, max_retries=3)
def build_dashboard_pdf(self, pdf_id: int) -> None:
    pdf = dashboard_pdf.build_dashboard_pdf(pdf_id)
    if pdf is not None and pdf.status == DashboardPdf.Status.RENDERING:
        # Another worker holds the claim; should it have died, the claim goes stale: take it over then.
        raise self.retry(countdown=pdf_jobs.seconds_until_stale(pdf))


@shared_task
def send_monthly_dashboards(day: str | None = None) -> int:
    """The monthly job (in the beat schedule, on the 1st): one task per area whose dashboard someone
    asked for, so that one area's rendering neither waits for nor fails another's. `day`, as
    YYYY-MM-DD, stands in for today. Returns how many areas were queued."""
    month = dashboard_pdf.first_of_month(date.fromisoformat(day) if day else timezone.localdate())
    areas = dashboard_pdf.areas_to_email()
    for area_id in areas:
        email_area_dashboard.delay(area_id, month.isoformat())
    return len(areas)


@shared_task(bind=True, max_retries=3)
def email_area_dashboard(self, area_id: int, month: str) -> dict:
    outcome = dashboard_pdf.email_area_dashboard(area_id, date.fromisoformat(month))
    if outcome.failed:
        # Only the people not reached are emailed by the retry (their records were given back).
        raise self.retry(countdown=EMAIL_RETRY_SECONDS)
    return dataclasses.asdict(outcome)
