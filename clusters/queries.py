"""Named reads of a cluster, its membership and its leadership; each owns its joins."""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from parishes.access import area_ids_with, council_ids_with
from parishes.models import Council

from .leadership import Turn, rota_schedule
from .models import Cluster, Decision, GovernanceDocument, Membership, Objective, Position


def current_members(cluster: Cluster) -> QuerySet[Membership]:
    return (
        cluster.memberships.filter(status=Membership.Status.MEMBER)
        .select_related("council")
        .order_by("council__name")
    )


def membership_history(cluster: Cluster) -> QuerySet[Membership]:
    return (
        cluster.memberships.exclude(status=Membership.Status.MEMBER)
        .select_related("council", "invited_by")
        .order_by("-invited_at")
    )


def current_officers(cluster: Cluster) -> QuerySet[Position]:
    return cluster.positions.filter(ended_on__isnull=True).select_related("user", "council").order_by("kind")


def past_officers(cluster: Cluster) -> QuerySet[Position]:
    return (
        cluster.positions.filter(ended_on__isnull=False)
        .select_related("user", "council")
        .order_by("-ended_on")
    )


def coming_turns(cluster: Cluster, officers) -> list[Turn]:
    if cluster.leadership_model != Cluster.LeadershipModel.ROTATING_CHAIR:
        return []
    chair = next((p for p in officers if p.kind == Position.Kind.CHAIR), None)
    return rota_schedule(cluster, chair, list(cluster.rota.select_related("council")))


def attention(cluster: Cluster) -> dict:
    """What needs the cluster's attention, as counts for its overview page."""
    today = timezone.localdate()
    return {
        "invitations": cluster.memberships.filter(status=Membership.Status.INVITED).count(),
        "open_decisions": cluster.decisions.filter(status=Decision.Status.PROPOSED).count(),
        "documents_due": GovernanceDocument.objects.filter(cluster=cluster, review_on__lte=today).count(),
        "objectives": cluster.objectives.aggregate(
            red=Count("pk", filter=Q(status=Objective.Status.RED)),
            amber=Count("pk", filter=Q(status=Objective.Status.AMBER)),
            overdue_review=Count("pk", filter=Q(next_review_on__lt=today) & ~Q(status=Objective.Status.DONE)),
        ),
    }


def lead_choices(user) -> QuerySet[Council]:
    """The councils a person may start a cluster for: those they act for, and their areas' if they
    keep an area's register."""
    return (
        Council.objects.filter(
            Q(pk__in=council_ids_with(user, "act_for_council"))
            | Q(area_id__in=area_ids_with(user, "manage_area"))
        )
        .select_related("area")
        .order_by("name", "gss_code")
    )
