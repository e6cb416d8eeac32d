"""Named reads of a cluster, its membership and its leadership; each owns its joins."""

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

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
    """The officers who hold office today: a term that has passed is not shown as current, even
    before the daily job ends it."""
    return (
        Position.objects.current().filter(cluster=cluster).select_related("user", "council").order_by("kind")
    )


def past_officers(cluster: Cluster) -> QuerySet[Position]:
    current = Position.objects.current().filter(cluster=cluster)
    return (
        cluster.positions.exclude(pk__in=current.values("pk"))
        .select_related("user", "council")
        .order_by(Coalesce("ended_on", "ends_on").desc(), "-pk")
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
