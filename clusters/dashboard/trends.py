"""The area dashboard's "Over time" panel: the area's decisions per month and its objectives by
red/amber/green per quarter, as charts with their figures (config/charts.py).

Each figure is read in a constant number of queries, however many councils, clusters and
decisions the area has: one for the months (counted in the database), one for the quarters."""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby

from django.db.models import Case, Count, DateTimeField, F, Q, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.db.models.lookups import LessThan
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from config.charts import Chart, Series
from parishes.panels import area_panel

from ..leadership import add_months
from ..models import Decision, Objective

MONTHS = 12
QUARTERS = 8

# What a decision came to, in the order the chart stacks them, with its colour.
OUTCOMES = [
    (Decision.Status.APPROVED, "green"),
    (Decision.Status.REJECTED, "red"),
    (Decision.Status.WITHDRAWN, "grey"),
]
RAG = [
    (Objective.Status.RED, "red"),
    (Objective.Status.AMBER, "orange"),
    (Objective.Status.GREEN, "green"),
    (Objective.Status.DONE, "blue"),
]
# create_objective sets an objective green; only a progress update changes its status after that,
# so an objective's status at any moment is that of its latest update by then, or green.
FIRST_STATUS = Objective.Status.GREEN


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


@dataclass
class Window:
    """The months or quarters shown, oldest first, each as the first day of it and of the next."""

    starts: list[date]
    step: int  # months

    @property
    def end(self) -> date:
        return add_months(self.starts[-1], self.step)


def month_window(today: date) -> Window:
    """This month and the eleven before it."""
    this_month = today.replace(day=1)
    return Window([add_months(this_month, n - MONTHS + 1) for n in range(MONTHS)], 1)


def quarter_window(today: date) -> Window:
    """This calendar quarter and the seven before it."""
    this_quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    return Window([add_months(this_quarter, 3 * (n - QUARTERS + 1)) for n in range(QUARTERS)], 3)


def decisions_by_month(area, window: Window) -> dict[date, dict[str, int]]:
    """The area's decisions that closed in each month of the window, by outcome: approved or
    rejected when decided, withdrawn when withdrawn; one query."""
    closed_at = Coalesce("decided_at", "withdrawn_at", output_field=DateTimeField())
    rows = (
        Decision.objects.filter(cluster__area=area)
        .filter(
            Q(decided_at__gte=_local_midnight(window.starts[0]))
            | Q(withdrawn_at__gte=_local_midnight(window.starts[0]))
        )
        .annotate(month=TruncMonth(closed_at))
        .filter(month__lt=_local_midnight(window.end))
        .values("month")
        .annotate(**{status: Count("pk", filter=Q(status=status)) for status, _ in OUTCOMES})
        .order_by()
    )
    counts = {start: {status: 0 for status, _ in OUTCOMES} for start in window.starts}
    for row in rows:
        # TruncMonth gives the first moment of the month in the site's time zone.
        counts[timezone.localtime(row["month"]).date()].update(
            {status: row[status] for status, _ in OUTCOMES}
        )
    return counts


def _first_quarter(field: str, ends: list[datetime]) -> Case:
    """The first quarter (its index) whose end is after `field`'s value, or the number of quarters
    when none is: what the quarters need of a moment, read as a small number rather than a
    timestamp (Django's loader made a timestamp read from PostgreSQL cost Python ~5 µs)."""
    return Case(
        # The lookups built directly: Django parsed each keyword lookup's path again.
        *(When(LessThan(F(field), Value(end)), then=Value(n)) for n, end in enumerate(ends)),
        default=Value(len(ends)),
    )


def objectives_by_quarter(area, window: Window, now: datetime) -> dict[date, dict[str, int]]:
    """The area's objectives by status at the end of each quarter of the window (now, for this
    quarter), from their progress updates; one query, of the area's objectives and their updates
    in order, each objective's statuses at the quarters' ends followed here in one pass. (Counted
    in the database, a status at each quarter's end was a subquery per objective and quarter.)"""
    moments = [min(_local_midnight(add_months(start, 3)), now) for start in window.starts]
    days = [moment.date() for moment in moments]
    rows = (
        Objective.objects.filter(cluster__area=area, created_at__lt=moments[-1])
        .values_list(
            "pk",
            _first_quarter("created_at", moments),
            # A dissolved cluster's objectives stop counting once it is gone: the date itself (a
            # date loads quickly, unlike a timestamp), placed among the quarters here.
            "cluster__dissolved_on",
            _first_quarter("updates__created_at", moments),
            "updates__status",
        )
        .order_by("pk", "updates__created_at", "updates__id")
    )
    counts = {start: {status: 0 for status, _ in RAG} for start in window.starts}
    for (_, made, dissolved_on), updates in groupby(rows, key=lambda row: row[:3]):
        # (first quarter it counts in, status): none for an objective never updated.
        updates = [(quarter, status) for *_, quarter, status in updates if status is not None]
        gone = len(days) if dissolved_on is None else bisect_right(days, dissolved_on)
        status, n = FIRST_STATUS, 0
        for quarter in range(made, gone):
            while n < len(updates) and updates[n][0] <= quarter:
                status, n = updates[n][1], n + 1
            counts[window.starts[quarter]][status] += 1
    return counts


def _quarter_label(start: date) -> str:
    last = add_months(start, 2)
    return f"{start:%b}–{last:%b} {start.year}"


def decisions_chart(area, now: datetime) -> Chart:
    window = month_window(timezone.localdate(now))
    counts = decisions_by_month(area, window)
    return Chart(
        title=f"Decisions per month in {area.name}",
        summary=f"A bar chart of the decisions of {area.name}'s clusters in each of the last "
        f"{MONTHS} months, by outcome: approved, rejected or withdrawn.",
        labels=[f"{start:%b %Y}" for start in window.starts],
        series=[
            Series(Decision.Status(status).label, [counts[start][status] for start in window.starts], colour)
            for status, colour in OUTCOMES
        ],
        label_heading="Month",
        stacked=True,
    )


def objectives_chart(area, now: datetime) -> Chart:
    window = quarter_window(timezone.localdate(now))
    counts = objectives_by_quarter(area, window, now)
    return Chart(
        title=f"Objectives by status per quarter in {area.name}",
        summary=f"A bar chart of the objectives of {area.name}'s clusters at the end of each of the "
        f"last {QUARTERS} quarters, by status: red, amber, green or done.",
        labels=[_quarter_label(start) for start in window.starts],
        series=[
            Series(Objective.Status(status).label, [counts[start][status] for start in window.starts], colour)
            for status, colour in RAG
        ],
        label_heading="Quarter",
        stacked=True,
    )


# The charts by the name in their image's address (clusters:dashboard_chart), each with what the
# panel says when it is empty.
CHARTS = {
    "decisions": (decisions_chart, f"No decision closed in the last {MONTHS} months."),
    "objectives": (objectives_chart, f"No objectives in the last {QUARTERS} quarters."),
}


def chart(area, name: str) -> Chart:
    """One of CHARTS as it stands now (KeyError for another name)."""
    build, _ = CHARTS[name]
    return build(area, timezone.now())


@area_panel
def over_time(area, *, medium: str) -> str:
    """Two charts with their tables; two queries (a page draws neither: each is an image from its
    own address). Nothing when the area has neither decisions nor objectives in the windows."""
    now = timezone.now()
    charts = [
        (build(area, now), empty, reverse("clusters:dashboard_chart", args=[area.slug, name]))
        for name, (build, empty) in CHARTS.items()
    ]
    if all(chart.is_empty for chart, _, _ in charts):
        return ""
    return render_to_string(
        "clusters/dashboard/over_time.html", {"area": area, "charts": charts, "medium": medium}
    )
