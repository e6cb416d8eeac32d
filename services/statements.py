"""A served council's monthly statement of an arrangement: what was done for it and when in a month,
the month's totals, and the season to date against what was agreed, as counties ask of their
contractors. Read as a page and a CSV at once; as a PDF, written by a worker (a job of
config/pdf_jobs.py: asked for on a page that returns at once, then a page that shows its progress).
"""

import calendar
import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from clusters import audit
from config import pdf_jobs
from config.pdf import render_pdf
from parishes.models import Council

# The task module imports this one too; binding the module (not its task) keeps either import order working.
from . import tasks
from .deliveries import month_lines, month_totals, unit_label
from .models import Arrangement, Statement
from .progress import progress_rows
from .seasons import season_of


class MonthConverter:
    """A statement's month in its address: 2026-05 ↔ date(2026, 5, 1). A month that cannot be
    (2026-13) matches no address: 404."""

    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> datetime.date:
        year, month = value.split("-")
        return datetime.date(int(year), int(month), 1)  # ValueError: no match

    def to_url(self, value) -> str:
        return value if isinstance(value, str) else f"{value:%Y-%m}"


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    return month, month.replace(day=calendar.monthrange(month.year, month.month)[1])


def month_label(month: datetime.date) -> str:
    return f"{month:%B %Y}"


def statement_months(arrangement: Arrangement, today: datetime.date) -> list[datetime.date]:
    """The months a statement covers, newest first: from the arrangement's start to this month (or
    its end)."""
    last = min(today, arrangement.ended_on or today).replace(day=1)
    month = arrangement.starts_on.replace(day=1)
    months = []
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months[::-1]


def has_month(arrangement: Arrangement, month: datetime.date, today: datetime.date) -> bool:
    months = statement_months(arrangement, today)
    return bool(months) and months[-1] <= month <= months[0]


def latest_season_month(arrangement: Arrangement, today: datetime.date) -> datetime.date:
    """The month a statement opens at from the log: this one, or between seasons the last month of the
    season just ended (never outside the arrangement's months)."""
    season = season_of(today, arrangement.season_starts, arrangement.season_ends)
    return max(min(today, season.ends_on, arrangement.ended_on or today), arrangement.starts_on).replace(
        day=1
    )


def statement_context(arrangement: Arrangement, council: Council, month: datetime.date) -> dict:
    """Everything a statement shows, in four queries: the month's lines, the served row and the
    season's sum (services.progress)."""
    first, last = month_bounds(month)
    today = timezone.localdate()
    as_at = min(last, today)
    lines = list(month_lines(arrangement, council, first, last))
    rows = progress_rows([arrangement], council_ids={council.pk}, today=as_at).get(arrangement.pk, [])
    return {
        "arrangement": arrangement,
        "council": council,
        "month": month,
        "month_label": month_label(month),
        "first_day": first,
        "last_day": last,
        "as_at": as_at,
        "written_on": today,
        "unit": unit_label(arrangement),
        "lines": lines,
        "totals": month_totals(lines),
        "season": rows[0] if rows else None,
        "document_title": f"{council.name}: {arrangement.service.name}, statement for {month_label(month)}",
    }


def statement_file_name(statement: Statement, service_name: str) -> str:
    """The name a download is saved under, e.g. brampton-urban-grass-cutting-2026-05.pdf."""
    council = slugify(statement.council.name) or "council"
    return f"{council}-{slugify(service_name) or 'service'}-{statement.month:%Y-%m}.pdf"


def render_statement_pdf(statement: Statement) -> bytes:
    return render_pdf(
        "services/pdf/statement.html",
        statement_context(statement.arrangement, statement.council, statement.month),
    )


# Asking for the PDF, and the job that writes it.


@transaction.atomic
def request_statement(
    *, acting_user, arrangement: Arrangement, council: Council, month: datetime.date
) -> Statement:
    """Queue a month's statement as a PDF; one of that month already on its way is returned instead.
    The views have checked that the person reads this council's lines."""
    # Two clicks at once queue one statement: the second waits here, then finds the first.
    Arrangement.objects.select_for_update().filter(pk=arrangement.pk).first()
    if statement := pdf_jobs.on_its_way(arrangement.statements.filter(council=council, month=month)):
        return statement
    statement = Statement.objects.create(
        arrangement=arrangement, council=council, month=month, requested_by=acting_user
    )
    audit.record(
        actor=acting_user,
        cluster=arrangement.cluster,
        action="statement.requested",
        summary=f"Statement for {council.name} of {month_label(month)} asked for as a PDF "
        f"({arrangement.service.name}, arrangement {arrangement.number})",
        after={"statement": statement.pk, "council": council.name, "statement_month": month_label(month)},
    )
    transaction.on_commit(lambda: tasks.build_statement.delay(statement.pk))
    return statement


def build_statement(statement_id: int) -> Statement | None:
    """Claim a queued statement, render it and store it (config.pdf_jobs.run: safe to run twice, by
    two workers, or after a crash)."""
    return pdf_jobs.run(
        Statement.objects.select_related(
            "arrangement__service", "arrangement__lead_council", "arrangement__cluster", "council"
        ),
        statement_id,
        # Looked up when called, so that tests may stand in for WeasyPrint.
        render=lambda statement: render_statement_pdf(statement),
        file_name="statement.pdf",
    )
