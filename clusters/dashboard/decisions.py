"""Decisions across the area: those proposed in the last 12 months by outcome, those waiting
longest, and the list of decisions behind those figures."""

import datetime

from django import forms
from django.db.models import Count, OuterRef, Q, QuerySet, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone

from parishes.panels import area_panel

from ..csv_export import with_councils
from ..leadership import add_months
from ..models import Decision
from . import DashboardFilterForm, Listing, has_member_in, list_url

WAITING_CHAIR, WAITING_VOTES, LAST_12_MONTHS = "waiting_chair", "waiting_votes", "12m"
# The panel lists the few proposals waiting longest; the list has them all.
SHOWN = 5


class DecisionFilterForm(DashboardFilterForm):
    # A proposal waits either for the chair or for the member councils' votes: two statuses here.
    status_choices = [
        *Decision.Status.choices,
        (WAITING_CHAIR, "Proposed, waiting for the chair"),
        (WAITING_VOTES, "Proposed, waiting for councils' votes"),
    ]
    proposed = forms.ChoiceField(
        label="Proposed",
        required=False,
        choices=[("", "At any time"), (LAST_12_MONTHS, "In the last 12 months")],
        error_messages={"invalid_choice": "Select when from the list"},
    )
    extra_fields = ("proposed",)


def twelve_months_ago() -> datetime.datetime:
    today = timezone.localdate()
    return timezone.make_aware(datetime.datetime.combine(add_months(today, -12), datetime.time()))


def decisions(area, *, district="", cluster="", status="", proposed="") -> QuerySet[Decision]:
    """The area's decisions, filtered; a district's are those of clusters with a member council in
    it. Newest first, but proposals still waiting oldest first: the longest wait matters most."""
    rows = Decision.objects.filter(cluster__area=area).select_related("cluster")
    if district:
        rows = rows.filter(has_member_in(district, OuterRef("cluster")))
    if cluster:
        rows = rows.filter(cluster__slug=cluster)
    if status == WAITING_CHAIR:
        rows = rows.filter(status=Decision.Status.PROPOSED, method=Decision.Method.CHAIR)
    elif status == WAITING_VOTES:
        rows = rows.filter(status=Decision.Status.PROPOSED, method=Decision.Method.RATIFICATION)
    elif status:
        rows = rows.filter(status=status)
    if proposed == LAST_12_MONTHS:
        rows = rows.filter(proposed_at__gte=twelve_months_ago())
    if status in (Decision.Status.PROPOSED, WAITING_CHAIR, WAITING_VOTES):
        return rows.order_by("proposed_at", "pk")
    return rows.order_by("-proposed_at", "-pk")


def _day(moment) -> str:
    return timezone.localtime(moment).date().isoformat() if moment else ""


def _csv_row(decision) -> list:
    return [
        decision.cluster.name,
        decision.number,
        decision.title,
        decision.get_status_display(),
        decision.get_method_display(),
        _day(decision.proposed_at),
        decision.proposing_council.name if decision.proposing_council else "The cluster's officers",
        _day(decision.decided_at),
    ]


LISTING = Listing(
    name="decisions",
    title="Decisions",
    form=DecisionFilterForm,
    rows=decisions,
    template="clusters/dashboard/decisions.html",
    csv_header=(
        "Cluster",
        "Number",
        "Title",
        "Status",
        "Method",
        "Proposed on",
        "Proposing council",
        "Decided on",
    ),
    csv_row=_csv_row,
    # The proposing councils apart from the rows' query: see csv_export.with_councils.
    for_page=lambda decisions: prefetch_related_objects(decisions, "proposing_council"),
    for_csv=lambda area, rows: with_councils(rows, "proposing_council", area=area),
)


def outcomes(area) -> dict:
    """Decisions proposed in the last 12 months by status, and every proposal still waiting (for
    the chair, for votes): one query, grouped by status and method (a count for each figure was
    Django's to build, eight filters more)."""
    rows = (
        Decision.objects.filter(cluster__area=area)
        .values_list("status", "method")
        .annotate(n=Count("pk"), recent=Count("pk", filter=Q(proposed_at__gte=twelve_months_ago())))
        .order_by()
    )
    counts = dict.fromkeys([*Decision.Status.values, WAITING_CHAIR, WAITING_VOTES, "recent"], 0)
    waiting = {Decision.Method.CHAIR: WAITING_CHAIR, Decision.Method.RATIFICATION: WAITING_VOTES}
    for status, method, n, recent in rows:
        counts[status] += recent
        counts["recent"] += recent
        if status == Decision.Status.PROPOSED:
            counts[waiting[method]] += n
    return {
        "recent": counts["recent"],
        "recent_url": list_url(area, "decisions", proposed=LAST_12_MONTHS),
        "by_status": [
            {
                # "Proposed" beside "Approved" reads as a count of proposals; these are the ones open.
                "label": "Still waiting" if value == Decision.Status.PROPOSED else label,
                "count": counts[value],
                "url": list_url(area, "decisions", status=value, proposed=LAST_12_MONTHS),
            }
            for value, label in Decision.Status.choices
        ],
        "waiting": [
            {
                "label": "Waiting for the chair",
                "count": counts[WAITING_CHAIR],
                "url": list_url(area, "decisions", status=WAITING_CHAIR),
            },
            {
                "label": "Waiting for councils' votes",
                "count": counts[WAITING_VOTES],
                "url": list_url(area, "decisions", status=WAITING_VOTES),
            },
        ],
        "waiting_count": counts[WAITING_CHAIR] + counts[WAITING_VOTES],
        "waiting_url": list_url(area, "decisions", status=Decision.Status.PROPOSED),
    }


@area_panel
def decisions_panel(area, *, medium: str) -> str:
    longest = list(decisions(area, status=Decision.Status.PROPOSED)[:SHOWN])
    return render_to_string(
        "clusters/dashboard/decisions_panel.html",
        {"area": area, "medium": medium, "longest": longest, **outcomes(area)},
    )
