"""The clusters' panels on parishes' pages (registered in ClustersConfig.ready): what needs the person's
attention on their home page, and a council's clusters and invitations on the council's page.

Who a thing waits for is access.py's to say: the councils a person acts for owe votes, adoptions
and answers to invitations; the clusters where they decide wait for their decisions; the clusters
where they hold a position want their reviews. This module only reads what is owed."""

from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.template.loader import render_to_string
from django.utils import timezone

from parishes.access import councils_acted_for
from parishes.panels import council_panel, home_panel

from .access import clusters_where_officer_and_decider
from .documents import documents_due_for_review
from .models import Adoption, Cluster, Decision, DocumentVersion, Membership, Objective, Vote
from .objectives import objectives_due_for_review

# Each list shows the most pressing few, and says how many there are in all.
SHOWN = 10


def pending_ratifications_for(council_ids: set[int]) -> QuerySet[Decision]:
    """Decisions put to ratification and still open, once for each of these councils that is a member
    of the decision's cluster and has not voted: `for_council_id`, `for_council_name`; with the
    cluster, without the text."""
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
        # Read for the lists, which show the title: the text may be long and comes once per council.
        .defer("text")
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


def pending_adoptions_for(council_ids: set[int]) -> QuerySet[DocumentVersion]:
    """The current version of each document of a cluster still working, once for each of these
    councils that is a member of the cluster and has not adopted that version: `for_council_id`,
    `for_council_name`. A council that adopted an earlier version owes the current one too. With the
    document and cluster, without the text."""
    newer = DocumentVersion.objects.filter(document=OuterRef("document"), number__gt=OuterRef("number"))
    adopted = Adoption.objects.filter(version=OuterRef("pk"), council_id=OuterRef("for_council_id"))
    return (
        DocumentVersion.objects.filter(
            ~Exists(newer),
            document__cluster__memberships__council_id__in=council_ids,
            document__cluster__memberships__status=Membership.Status.MEMBER,
        )
        .exclude(document__cluster__status=Cluster.Status.DISSOLVED)
        # As for ratifications: the annotations reuse the filter's join, a row per (version, council).
        .annotate(
            for_council_id=F("document__cluster__memberships__council_id"),
            for_council_name=F("document__cluster__memberships__council__name"),
        )
        .filter(~Exists(adopted))
        .select_related("document__cluster")
        .defer("text")
        .order_by("created_at", "pk", "for_council_name")
    )


def _once_each(owed: QuerySet) -> Shortlist:
    """What the person's councils owe, once each however many of their councils owe it (a clerk may
    serve a dozen), with the names of those councils; one query. `owed` has a row per (thing,
    council) with `for_council_name`, in the order shown.

    Every (thing, council) owed is read, reached from the person's councils' memberships, and
    counted here: counting and picking the first few in SQL instead, with `owed` as a subquery of
    the things, has PostgreSQL join every version or decision in the country with its cluster
    before narrowing to them."""
    first: dict[int, object] = {}
    names: dict[int, list[str]] = {}
    for thing in owed:
        first.setdefault(thing.pk, thing)
        names.setdefault(thing.pk, []).append(thing.for_council_name)
    shown = list(first.values())[:SHOWN]
    for thing in shown:
        thing.waiting_for = _waiting_for(names[thing.pk])
    return Shortlist(shown, len(first))


def _decisions_for_the_chair(cluster_ids: set[int]) -> Shortlist:
    return _shortlist(
        Decision.objects.filter(
            status=Decision.Status.PROPOSED, method=Decision.Method.CHAIR, cluster_id__in=cluster_ids
        )
        .exclude(cluster__status=Cluster.Status.DISSOLVED)
        .select_related("cluster", "proposing_council")
        .order_by("proposed_at", "pk")
    )


def _invitations(council_ids: set[int]) -> Shortlist:
    return _shortlist(
        Membership.objects.filter(status=Membership.Status.INVITED, council_id__in=council_ids)
        .exclude(cluster__status=Cluster.Status.DISSOLVED)
        .select_related("cluster", "council")
        .order_by("invited_at", "pk")
    )


def _objectives_for_review(today, acting: set[int], officer_of: set[int]) -> QuerySet[Objective]:
    """Objectives due for review owned by a council the person acts for or in a cluster where they
    hold a position. Their objectives are read first, through the indexes on owner and cluster,
    and only those are filtered: given both at once, PostgreSQL reads every objective due for review
    in the country through the index on next_review_on, and narrows to the person's afterwards."""
    theirs = list(
        Objective.objects.filter(Q(owner_council_id__in=acting) | Q(cluster_id__in=officer_of))
        .order_by()
        .values_list("pk", flat=True)
    )
    return objectives_due_for_review(today).filter(pk__in=theirs)


@home_panel
def needs_your_attention(request) -> str:
    """Everything waiting on the person: decisions put to them as chair, the votes, adoptions and
    answers to invitations their councils owe, and the reviews due in their councils' objectives and
    their clusters' documents; nine queries at most, however much is waiting."""
    user = request.user
    today = timezone.localdate()
    acting = councils_acted_for(user)
    officer_of, decider_of = clusters_where_officer_and_decider(user)
    if not acting and not officer_of:
        return ""
    groups = {
        "for_the_chair": _decisions_for_the_chair(decider_of),
        "ratifications": _once_each(pending_ratifications_for(acting)),
        "adoptions": _once_each(pending_adoptions_for(acting)),
        "invitations": _invitations(acting),
        "objectives": _shortlist(_objectives_for_review(today, acting, officer_of)),
        "documents": _shortlist(documents_due_for_review(today).filter(cluster_id__in=officer_of)),
    }
    return render_to_string(
        "clusters/panels/attention.html",
        {"today": today, "anything": any(group.count for group in groups.values()), **groups},
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
