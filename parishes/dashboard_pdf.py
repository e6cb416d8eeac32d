"""The area's dashboard as a PDF: asked for on the dashboard, and emailed each month to the area's
officers and administrators who ask for it (the preference on their account page).

Both render the same panels (parishes.panels, medium "pdf") in a Celery task, never in a request.
The PDF asked for on the page is a DashboardPdf written by config.pdf_jobs. The monthly email is
sent by one task per area, safe to repeat like the daily reminders:

1. Record. Each (area, person, month) becomes a DashboardEmail, inserted with ON CONFLICT DO
   NOTHING: a rerun, a retry or a second worker records nothing new.
2. Claim. One conditional UPDATE marks this run's unsent records as sent, with the run's claim id;
   only what this run claimed is emailed, so nobody gets a month's dashboard twice. When nothing
   was claimed the dashboard is not even rendered.
3. Send. A record whose email could not be sent is given back (unclaimed), for the task's retry.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.emails import send_templated_email_now
from config import pdf_jobs
from config.pdf import render_pdf

# The task module imports this one too; binding the module (not its tasks) keeps either import order working.
from . import access, tasks
from .models import Area, DashboardEmail, DashboardPdf
from .panels import render_area_panels

logger = logging.getLogger(__name__)


def render_area_dashboard_pdf(area: Area) -> bytes:
    today = timezone.localdate()
    return render_pdf(
        "pdf/area_dashboard.html",
        {
            "area": area,
            "document_title": f"{area.name}: dashboard, {today:%-d %B %Y}",
            "written_on": today,
            "panels": render_area_panels(area, medium="pdf"),
        },
    )


def dashboard_file_name(area: Area, day: date) -> str:
    """The name a download or an attachment is saved under, e.g. cumbria-dashboard-2026-05-01.pdf."""
    return f"{slugify(area.name) or 'area'}-dashboard-{day.isoformat()}.pdf"


# Asked for on the dashboard


@transaction.atomic
def request_dashboard_pdf(*, acting_user, area: Area) -> DashboardPdf:
    """Queue the area's dashboard as a PDF; one already on its way is returned instead."""
    # Two clicks at once queue one PDF: the second waits here, then finds the first.
    Area.objects.select_for_update().filter(pk=area.pk).first()
    if pdf := pdf_jobs.on_its_way(area.dashboard_pdfs.all()):
        return pdf
    pdf = DashboardPdf.objects.create(area=area, requested_by=acting_user)
    transaction.on_commit(lambda: tasks.build_dashboard_pdf.delay(pdf.pk))
    return pdf


def build_dashboard_pdf(pdf_id: int) -> DashboardPdf | None:
    """Claim a queued dashboard PDF, render it and store it (config.pdf_jobs.run)."""
    return pdf_jobs.run(
        DashboardPdf.objects.select_related("area"),
        pdf_id,
        # Looked up when called, so that tests may stand in for WeasyPrint.
        render=lambda pdf: render_area_dashboard_pdf(pdf.area),
        file_name="dashboard.pdf",
    )


# Each month by email


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def areas_to_email() -> list[int]:
    """The areas whose dashboard someone asked to be emailed: the monthly job queues one task each."""
    return list(access.areas_with_dashboard_readers().values_list("pk", flat=True))


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0  # given back for the task's retry


def email_area_dashboard(area_id: int, month: date) -> Outcome:
    """Email the area's dashboard to each of its officers and administrators who asked for it and
    has not had it this month. Safe to run again: see the module's docstring."""
    outcome = Outcome()
    area = Area.objects.filter(pk=area_id).first()
    if area is None:
        return outcome
    month = first_of_month(month)
    readers = list(access.dashboard_email_recipients(area))
    DashboardEmail.objects.bulk_create(
        [DashboardEmail(area=area, user=reader, month=month) for reader in readers], ignore_conflicts=True
    )
    claim = uuid.uuid4()
    DashboardEmail.objects.filter(area=area, month=month, sent_at__isnull=True, user__in=readers).update(
        sent_at=timezone.now(), claim=claim
    )
    claimed = list(DashboardEmail.objects.filter(claim=claim).select_related("user").order_by("pk"))
    if not claimed:
        return outcome
    try:
        pdf = render_area_dashboard_pdf(area)
    except Exception:
        DashboardEmail.objects.filter(claim=claim).update(sent_at=None, claim=None)
        raise
    attachment = (dashboard_file_name(area, timezone.localdate()), pdf, "application/pdf")
    context = {
        "area": area,
        "month": month,
        "dashboard_path": reverse("parishes:area_dashboard", args=[area.slug]),
        "settings_path": reverse("accounts:email_settings"),
    }
    for record in claimed:
        try:
            send_templated_email_now(
                template="area_dashboard",
                to=record.user.email,
                context={**context, "user": record.user},
                attachments=[attachment],
            )
        except OSError:
            logger.exception(
                "The dashboard of area %s could not be emailed to user %s", area.pk, record.user_id
            )
            DashboardEmail.objects.filter(pk=record.pk, claim=claim).update(sent_at=None, claim=None)
            outcome.failed += 1
        else:
            outcome.sent += 1
    return outcome
