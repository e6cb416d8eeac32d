"""The clusters' panels on parishes' pages (registered in ClustersConfig.ready): what needs the person's
attention on their home page, and a council's clusters and invitations on the council's page."""

from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Window
from django.template.loader import render_to_string
from django.utils import timezone

from parishes.access import councils_acted_for
from parishes.panels import council_panel, home_panel

from .access import clusters_where_officer
from .documents import documents_due_for_review
from .models import Cluster, Decision, Membership, Vote
from .objectives import objectives_due_for_review

# Each list shows the most pressing few, and says how many there are in all.
SHOWN = 10


def pending_ratifications_for(council_ids: set[int]) -> QuerySet[Decision]:
    """Decisions put to ratification and still open, once for each of these councils that is a member
    of the decision's cluster and has not voted: `for_council_id`, `for_council_name`."""
    not_voted = Vote.objects.filter(decision=OuterRef("pk"), council_id=OuterRef("for_council_id"))
    return (
        Decision.objects.filter(
            status=Decision.Status.PROPOSED,
            method=Decision.Method.RATIFICATION,
            cluster__memberships__council_id__in=council_ids,
            cluster__memberships__status=Membership.Status.MEMBER,
        )
        .exclude(cluster__status=Cluster.Status.DISSOLVED)
        # The annotations reuse the filter's join: one row per (decision, member council).
        .annotate(
            for_council_id=F("cluster__memberships__council_id"),
            for_council_name=F("cluster__memberships__council__name"),
        )
        .filter(~Exists(not_voted))
        .select_related("cluster")
        .order_by("proposed_at", "pk", "for_council_name")
    )


@dataclass
class Shortlist:
    shown: list
    count: int

    @property
    def more(self) -> int:
        return self.count - len(self.shown)


def _shortlist(queryset: QuerySet) -> Shortlist:
    """The first few, and how many in all, in one query: the count is a window over every row."""
    shown = list(queryset.annotate(total=Window(Count("pk")))[:SHOWN])
    return Shortlist(shown, shown[0].total if shown else 0)


def _waiting_for(names: list[str]) -> str:
    if len(names) <= 3:
        return ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
    return f"{', '.join(names[:3])} and {len(names) - 3} more"


def _ratifications(council_ids: set[int]) -> Shortlist:
    """The decisions the person's councils owe a vote on, once each however many of their councils
    owe it (a clerk may serve a dozen), with the names of those councils; two queries."""
    owed = pending_ratifications_for(council_ids)
    decisions = _shortlist(
        Decision.objects.filter(pk__in=owed.values("pk"))
        .select_related("cluster")
        .order_by("proposed_at", "pk")
    )
    names: dict[int, list[str]] = {}
    for decision_id, name in owed.filter(pk__in=[d.pk for d in decisions.shown]).values_list(
        "pk", "for_council_name"
    ):
        names.setdefault(decision_id, []).append(name)
    for decision in decisions.shown:
        decision.waiting_for = _waiting_for(names[decision.pk])
    return decisions


@home_panel
def needs_your_attention(request) -> str:
    """Objectives of councils the person acts for or of clusters where they hold a position,
    documents of those clusters, and ratifications their councils owe; six queries at most."""
    user = request.user
    today = timezone.localdate()
    acting = councils_acted_for(user)
    officer_of = clusters_where_officer(user)
    if not acting and not officer_of:
        return ""
    due = objectives_due_for_review(today)
    return render_to_string(
        "clusters/panels/attention.html",
        {
            "today": today,
            "objectives": _shortlist(
                due.filter(owner_council_id__in=acting) | due.filter(cluster_id__in=officer_of)
            ),
            "documents": _shortlist(documents_due_for_review(today).filter(cluster_id__in=officer_of)),
            "ratifications": _ratifications(acting),
        },
        request=request,
    )


@council_panel
def council_clusters(request, council, permissions) -> str:
    """The clusters the council is a member of, and the invitations it has not answered; one query."""
    memberships = list(
        council.cluster_memberships.filter(status__in=[Membership.Status.MEMBER, Membership.Status.INVITED])
        .select_related("cluster")
        .order_by("cluster__name", "pk")
    )
    return render_to_string(
        "clusters/panels/council_clusters.html",
        {
            "council": council,
            "memberships": [m for m in memberships if m.status == Membership.Status.MEMBER],
            "invitations": [m for m in memberships if m.status == Membership.Status.INVITED],
            "may_answer": permissions.has("act_for_council"),
        },
        request=request,
    )
