"""Objectives across every cluster of the area by red, amber and green, those overdue for review,
and the list of objectives behind those figures. A dissolved cluster's objectives are left out."""

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from parishes.panels import area_panel

from ..csv_export import with_councils
from ..models import Cluster, Objective
from ..objectives import due_for_review
from . import NO_DISTRICT, DashboardFilterForm, Listing, list_url, overdue_since

OVERDUE = "overdue"
# The panel lists the few reviews overdue longest; the list has them all.
SHOWN = 5


class ObjectiveFilterForm(DashboardFilterForm):
    status_choices = [*Objective.Status.choices, (OVERDUE, "Overdue for review")]


def review_overdue() -> Q:
    """An objective's review is overdue when the daily reminders chase it and it was due before today:
    tested on each objective's row (a subquery of the objectives due had PostgreSQL read every
    objective due in the country)."""
    return due_for_review(overdue_since(timezone.localdate()), row_by_row=True)


def _of_area(area) -> QuerySet[Objective]:
    return Objective.objects.filter(cluster__area=area).exclude(cluster__status=Cluster.Status.DISSOLVED)


def objectives(area, *, district="", cluster="", status="") -> QuerySet[Objective]:
    """The area's objectives, filtered (a district's are those of owner councils in it), each with
    `overdue` (review_overdue)."""
    rows = (
        _of_area(area)
        .select_related("cluster")
        # The owner councils apart from the rows' query (as a join, PostgreSQL reads every council
        # in the country): prefetched for a page, read once for the CSV (csv_export.with_councils).
        .prefetch_related("owner_council")
        .annotate(overdue=ExpressionWrapper(review_overdue(), output_field=BooleanField()))
    )
    if district == NO_DISTRICT:
        rows = rows.filter(owner_council__district__isnull=True)
    elif district:
        rows = rows.filter(owner_council__district__gss_code=district)
    if cluster:
        rows = rows.filter(cluster__slug=cluster)
    if status == OVERDUE:
        return rows.filter(overdue=True).order_by("next_review_on", "pk")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("due_on", "title", "pk")


def _csv_row(objective) -> list:
    return [
        objective.cluster.name,
        objective.title,
        objective.owner_council.name,
        objective.get_status_display(),
        objective.progress,
        objective.due_on.isoformat(),
        objective.next_review_on.isoformat(),
        "Yes" if objective.overdue else "No",
    ]


LISTING = Listing(
    name="objectives",
    title="Objectives",
    form=ObjectiveFilterForm,
    rows=objectives,
    template="clusters/dashboard/objectives.html",
    csv_header=(
        "Cluster",
        "Objective",
        "Owner council",
        "Status",
        "Progress (%)",
        "Due on",
        "Next review on",
        "Overdue for review",
    ),
    csv_row=_csv_row,
    for_csv=lambda area, rows: with_councils(rows, "owner_council", area=area),
)


def objective_counts(area) -> dict:
    """How many objectives are red, amber, green and done, and overdue for review: one query,
    grouped by status (a count for each status was Django's to build, four filters more)."""
    # Over the area's objectives alone: the list's related rows and `overdue` annotation cost
    # Django more to build (and to wrap as a subquery) than the count costs PostgreSQL.
    rows = (
        _of_area(area)
        .values_list("status")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=review_overdue()))
        .order_by()
    )
    counts, overdue = dict.fromkeys(Objective.Status.values, 0), 0
    for status, n, overdue_of_status in rows:
        counts[status] = n
        overdue += overdue_of_status
    return {
        "total": sum(counts.values()),
        "total_url": list_url(area, "objectives"),
        "overdue": overdue,
        "overdue_url": list_url(area, "objectives", status=OVERDUE),
        "by_status": [
            {
                "value": value,
                "label": label,
                "count": counts[value],
                "url": list_url(area, "objectives", status=value),
            }
            for value, label in Objective.Status.choices
        ],
    }


@area_panel
def objectives_panel(area, *, medium: str) -> str:
    # The few shown with their owner councils joined (a lookup by key each), rather than read by a
    # query of their own as a page of the list is.
    longest = objectives(area, status=OVERDUE).select_related("owner_council").prefetch_related(None)
    return render_to_string(
        "clusters/dashboard/objectives_panel.html",
        {"area": area, "medium": medium, "longest": list(longest[:SHOWN]), **objective_counts(area)},
    )
