"""The services' panel on the area's dashboard (registered by importing this module in
ServicesConfig.ready) and the list of arrangements behind its figures.

The panel: the area's arrangements by status and by delivery model, the councils an active
arrangement covers (leading it or served by it) against all the area's councils, the arrangements
behind the season's pace, and the requests waiting for the officers. Like the clusters' panels it
takes the area and a medium, never a request: the worker draws it into the dashboard's PDF.

Both narrow to the area's clusters first, then read their arrangements and served councils by IN (a
join from the area would have PostgreSQL hash every arrangement in the country), and the panel
counts in Python what it reads anyway: the same queries for a small area as for a large one. The
list is one of the dashboard's lists (clusters.dashboard.Listing: filters, pages, CSV)."""

from collections import Counter
from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clusters.csv_export import with_councils
from clusters.dashboard import NO_DISTRICT, DashboardFilterForm, Listing
from clusters.models import Cluster
from parishes.models import Council
from parishes.panels import area_panel

from .models import Arrangement, IndividualRequest, ServedCouncil
from .panels import glance
from .progress import behind_arrangement_ids, progress_rows
from .reminders import REQUEST_WAIT_DAYS

# The panel names a few of the arrangements behind, the oldest first; the list has them all.
SHOWN = 10
BEHIND = "behind"


def list_url(area, **filters) -> str:
    """The list's address with its filters: where a figure of the panel leads."""
    url = reverse("services:dashboard_arrangements", args=[area.slug])
    query = urlencode({key: value for key, value in filters.items() if value})
    return f"{url}?{query}" if query else url


def _cluster_ids(area) -> list[int]:
    return list(Cluster.objects.filter(area=area).values_list("pk", flat=True))


def _behind(arrangement_ids: list[int]) -> set[int]:
    return behind_arrangement_ids(arrangement_ids, timezone.localdate())


# The list


class ArrangementFilterForm(DashboardFilterForm):
    status_choices = Arrangement.Status.choices
    model = forms.ChoiceField(
        label="Delivery model",
        required=False,
        choices=[("", "Any delivery model"), *Arrangement.DeliveryModel.choices],
        error_messages={"invalid_choice": "Select a delivery model from the list"},
    )
    pace = forms.ChoiceField(
        label="Pace",
        required=False,
        choices=[("", "Any pace"), (BEHIND, "Behind the season's pace")],
        error_messages={"invalid_choice": "Select a pace from the list"},
    )
    extra_fields = ("model", "pace")


def _in_district(district: str) -> Q:
    """Led by a council of the district, or serving one (or one whose district is not known)."""
    if district == NO_DISTRICT:
        lead, served = Q(lead_council__district__isnull=True), Q(council__district__isnull=True)
    else:
        lead, served = Q(lead_council__district__gss_code=district), Q(council__district__gss_code=district)
    return lead | Q(Exists(ServedCouncil.objects.filter(served, arrangement=OuterRef("pk"))))


def arrangements(area, *, district="", cluster="", status="", model="", pace="") -> QuerySet[Arrangement]:
    """The area's arrangements, filtered, by cluster and number; their lead councils apart from the
    rows' query (prefetched for a page, read once for the CSV: csv_export.with_councils)."""
    rows = (
        Arrangement.objects.filter(cluster_id__in=_cluster_ids(area))
        .select_related("service", "cluster")
        .prefetch_related("lead_council")
    )
    if district:
        rows = rows.filter(_in_district(district))
    if cluster:
        rows = rows.filter(cluster__slug=cluster)
    if status:
        rows = rows.filter(status=status)
    if model:
        rows = rows.filter(delivery_model=model)
    if pace == BEHIND:
        active = rows.filter(status=Arrangement.Status.ACTIVE).prefetch_related(None).order_by()
        active = active.values_list("pk", flat=True)
        rows = rows.filter(pk__in=_behind(list(active)))
    return rows.order_by("cluster__name", "number")


def _with_progress(objects: list[Arrangement]) -> None:
    """Each arrangement with its served councils and `glance` (delivered against agreed this season,
    over all of them): three queries."""
    prefetch_related_objects(
        objects,
        Prefetch(
            "served", queryset=ServedCouncil.objects.select_related("council").order_by("council__name", "pk")
        ),
    )
    rows = progress_rows(objects, council_ids=None, today=timezone.localdate())
    for arrangement in objects:
        arrangement.glance = glance(arrangement, rows.get(arrangement.pk, []))


def _for_csv(area, rows: QuerySet[Arrangement]) -> list[Arrangement]:
    # An area's arrangements are a few hundred: read at once, with what a page of them shows.
    objects = list(with_councils(rows, "lead_council", area=area))
    _with_progress(objects)
    return objects


def _csv_row(arrangement) -> list:
    figures = arrangement.glance
    return [
        arrangement.cluster.name,
        arrangement.number,
        arrangement.service.name,
        arrangement.lead_council.name,
        "; ".join(served.council.name for served in arrangement.served.all()),
        arrangement.get_status_display(),
        arrangement.get_delivery_model_display(),
        arrangement.starts_on.isoformat(),
        arrangement.review_on.isoformat(),
        figures.season if figures else "",
        figures.agreed if figures else "",
        figures.delivered if figures else "",
        arrangement.service.get_unit_display(),
        ("Yes" if figures.behind else "No") if figures else "",
    ]


LISTING = Listing(
    name="arrangements",
    title="Service arrangements",
    form=ArrangementFilterForm,
    rows=arrangements,
    template="services/panels/arrangements.html",
    csv_header=(
        "Cluster",
        "Number",
        "Service",
        "Lead council",
        "Councils served",
        "Status",
        "Delivery model",
        "Starts on",
        "Review on",
        "Season",
        "Agreed this season",
        "Delivered this season",
        "Unit",
        "Behind",
    ),
    csv_row=_csv_row,
    for_page=_with_progress,
    for_csv=_for_csv,
)


# The panel


def arrangement_counts(area) -> dict:
    """The area's arrangements by status and (those not ended) by delivery model, the councils
    covered by an active one, and the active ones behind the season's pace."""
    rows = list(
        Arrangement.objects.filter(cluster_id__in=_cluster_ids(area))
        .order_by()
        .values_list("pk", "status", "delivery_model", "lead_council_id")
    )
    statuses = Counter(status for _, status, _, _ in rows)
    models = Counter(model for _, status, model, _ in rows if status not in Arrangement.CLOSED)
    active = {pk: lead for pk, status, _, lead in rows if status == Arrangement.Status.ACTIVE}
    served = set(
        ServedCouncil.objects.filter(arrangement_id__in=list(active))
        .order_by()
        .values_list("council_id", flat=True)
        .distinct()
    )
    return {
        "total": len(rows),
        "total_url": list_url(area),
        "by_status": [
            {"label": label, "count": statuses[value], "url": list_url(area, status=value)}
            for value, label in Arrangement.Status.choices
        ],
        "by_model": [
            {"label": label, "count": models[value], "url": list_url(area, model=value)}
            for value, label in Arrangement.DeliveryModel.choices
        ],
        "covered": len(served | set(active.values())),
        "councils": Council.objects.filter(area=area).count(),
        "behind_ids": _behind(list(active)),
        "behind_url": list_url(area, pace=BEHIND),
    }


def waiting_requests(area) -> dict:
    """The area's requests waiting for a decision, and those waiting longer than the reminders allow."""
    since = timezone.now() - timedelta(days=REQUEST_WAIT_DAYS)
    waiting = IndividualRequest.objects.filter(area=area, status=IndividualRequest.Status.WAITING)
    return waiting.aggregate(waiting=Count("pk"), waiting_long=Count("pk", filter=Q(submitted_at__lt=since)))


@area_panel
def services_panel(area, *, medium: str) -> str:
    counts = arrangement_counts(area)
    behind_ids = sorted(counts.pop("behind_ids"))
    behind = list(
        Arrangement.objects.filter(pk__in=behind_ids[:SHOWN])
        .select_related("service", "cluster", "lead_council")
        .order_by("pk")
    )
    return render_to_string(
        "services/panels/area_services.html",
        {
            "area": area,
            "medium": medium,
            **counts,
            "uncovered": counts["councils"] - counts["covered"],
            "behind_count": len(behind_ids),
            "behind": behind,
            **waiting_requests(area),
            "request_wait_days": REQUEST_WAIT_DAYS,
            # The officers' queue of requests, those waiting.
            "queue_url": reverse("services:request_queue", args=[area.slug]) + "?status=waiting",
        },
    )
