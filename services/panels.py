"""The services' panel on the council page (registered by importing this module in
ServicesConfig.ready): what the council delivers for other councils and what it receives, each
arrangement with its status and what was delivered this season against what was agreed.

Whoever sees the council page may see it: its own people and the area's officers. It names no
person, and what it says of deliveries is the council's own business: on the lead's page, the
totals of what the lead delivered (its people read the whole log); on a served council's page,
only what that council received. Six queries at most, whatever the number of arrangements; one for
a council in none."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min, Prefetch, Value, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone

from parishes.access import councils_acted_for
from parishes.panels import council_panel, home_panel

from .access import request_deciding_area_ids
from .models import Arrangement, IndividualRequest, ServedCouncil
from .progress import CouncilProgress, behind_arrangement_ids, progress_rows

# What the panel shows of an arrangement (not its specification, which may be long).
SHOWN_FIELDS = (
    "cluster__slug",
    "cluster__name",
    "number",
    "status",
    "season_starts",
    "season_ends",
    "service__name",
    "service__unit",
    "lead_council__name",
)


def quantity(value: Decimal) -> str:
    """6, 4.5: a quantity as people write it, without trailing zeros."""
    return f"{value.normalize():f}"


@dataclass(frozen=True)
class Glance:
    """Delivered against agreed this season, over the served councils shown."""

    delivered: str
    agreed: str
    unit: str
    season: str
    behind: bool


def glance(arrangement: Arrangement, rows: list[CouncilProgress]) -> Glance | None:
    """None until the arrangement is active, or when it serves none of the councils shown."""
    if arrangement.status != Arrangement.Status.ACTIVE or not rows:
        return None
    return Glance(
        delivered=quantity(sum((row.progress.delivered for row in rows), Decimal(0))),
        agreed=quantity(sum((row.progress.agreed for row in rows), Decimal(0))),
        unit=arrangement.service.get_unit_display(),
        season=rows[0].season.label,
        behind=any(row.progress.behind for row in rows),
    )


def _served_councils():
    served = ServedCouncil.objects.select_related("council").order_by("council__name", "council_id")
    return Prefetch("served", queryset=served)


@council_panel
def council_services(request, council, permissions) -> str:
    today = timezone.localdate()
    # What it leads and what it receives in one query (a UNION, each side through its own index),
    # so that a council in no arrangement costs the page one query.
    shown = (
        Arrangement.objects.exclude(status__in=Arrangement.CLOSED)
        .select_related("service", "cluster", "lead_council")
        .only(*SHOWN_FIELDS)
        .order_by()
    )
    both = list(
        shown.filter(lead_council=council)
        .annotate(led=Value(True))
        .union(shown.filter(served__council=council).annotate(led=Value(False)), all=True)
    )
    led = sorted((a for a in both if a.led), key=lambda a: (a.service.name, a.cluster.name, a.number))
    received = sorted(
        (a for a in both if not a.led), key=lambda a: (a.service.name, a.lead_council.name, a.pk)
    )
    prefetch_related_objects(led, _served_councils())
    led_progress = progress_rows(led, council_ids=None, today=today)
    received_progress = progress_rows(received, council_ids={council.pk}, today=today)
    for arrangement in led:
        arrangement.glance = glance(arrangement, led_progress.get(arrangement.pk, []))
    for arrangement in received:
        arrangement.glance = glance(arrangement, received_progress.get(arrangement.pk, []))
    return render_to_string(
        "services/panels/council_services.html",
        {"council": council, "led": led, "received": received},
        request=request,
    )


@home_panel
def services_attention(request) -> str:
    """On the home page, what services wait for from the person: the agreements the councils they
    act for owe (a proposal waits for each served council's resolution), the arrangements those
    councils lead that are behind the season's pace, and, for the area's officers and
    administrators, the individual-model requests waiting for their decision. Nothing when nothing
    waits; six queries at most, however much is waiting."""
    user = request.user
    acting = councils_acted_for(user)
    areas = request_deciding_area_ids(user)
    owed: dict[int, tuple[Arrangement, list[str]]] = {}
    if acting:
        waiting = (
            ServedCouncil.objects.filter(
                council_id__in=acting,
                resolved_on__isnull=True,
                arrangement__status=Arrangement.Status.PROPOSED,
            )
            .select_related(
                "council", "arrangement__cluster", "arrangement__service", "arrangement__lead_council"
            )
            .order_by("arrangement__proposed_at", "arrangement_id", "council__name")
        )
        for row in waiting:
            owed.setdefault(row.arrangement_id, (row.arrangement, []))[1].append(row.council.name)
    led = (
        list(
            Arrangement.objects.filter(lead_council_id__in=acting, status=Arrangement.Status.ACTIVE)
            .select_related("service", "cluster", "lead_council")
            .only(*SHOWN_FIELDS)
            .order_by("service__name", "cluster__name", "number")
        )
        if acting
        else []
    )
    behind_ids = behind_arrangement_ids([a.pk for a in led], timezone.localdate())
    behind = [a for a in led if a.pk in behind_ids]
    requests = (
        list(
            IndividualRequest.objects.filter(area_id__in=areas, status=IndividualRequest.Status.WAITING)
            .values("area__slug", "area__name")
            .annotate(count=Count("pk"), since=Min("submitted_at"))
            .order_by("area__name")
        )
        if areas
        else []
    )
    if not (owed or behind or requests):
        return ""
    return render_to_string(
        "services/panels/home_attention.html",
        {"owed": list(owed.values()), "behind": behind, "requests": requests},
        request=request,
    )
