"""Who may see and change a cluster and everything in it. Nothing else in the code knows how
positions, memberships and council roles combine.

A cluster is visible to the people of its member councils, to the holders of its positions and to
the officers of its area; to anyone else it does not exist (404). Visible but not allowed: 403.
"""

from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from guardian.core import ObjectPermissionChecker

from parishes.access import area_ids_with, council_ids_with
from parishes.models import Council

from .models import Cluster, Membership

CLUSTER_PERMISSIONS = (
    "view_cluster",
    "change_cluster",
    "manage_cluster_members",
    "decide_for_cluster",
    "draft_for_cluster",
)


class ClusterPermissions:
    """What one person may do in one cluster, looked up once for a page."""

    def __init__(self, user, cluster: Cluster):
        self.user = user
        self.cluster = cluster
        self._checker = ObjectPermissionChecker(user)

    @cached_property
    def member_council_ids(self) -> set[int]:
        return set(
            self.cluster.memberships.filter(status=Membership.Status.MEMBER).values_list(
                "council_id", flat=True
            )
        )

    @cached_property
    def acting_council_ids(self) -> set[int]:
        """Member councils the person may act for (record resolutions, propose)."""
        return council_ids_with(self.user, "act_for_council") & self.member_council_ids

    def acting_councils(self) -> QuerySet[Council]:
        return Council.objects.filter(pk__in=self.acting_council_ids).order_by("name")

    @cached_property
    def is_member_person(self) -> bool:
        return bool(council_ids_with(self.user, "view_council") & self.member_council_ids)

    @cached_property
    def is_area_officer(self) -> bool:
        return self._checker.has_perm("view_area", self.cluster.area)

    def has(self, codename: str) -> bool:
        if self._checker.has_perm(codename, self.cluster):
            return True
        if codename == "view_cluster":
            return self.is_member_person or self.is_area_officer
        if codename == "manage_cluster_members":
            # Until it has a chair, the person who started a forming cluster invites its councils.
            return (
                self.cluster.status == Cluster.Status.FORMING and self.cluster.started_by_id == self.user.pk
            )
        return False

    def may_propose(self) -> bool:
        return self.has("draft_for_cluster") or bool(self.acting_council_ids)

    def flags(self) -> dict[str, bool]:
        """For templates, which never decide permissions themselves."""
        flags = {name: self.has(name) for name in CLUSTER_PERMISSIONS}
        flags["act_for_a_member"] = bool(self.acting_council_ids)
        flags["propose"] = self.may_propose()
        return flags


def get_cluster_for_user(user, slug: str, perm: str | None = None) -> tuple[Cluster, ClusterPermissions]:
    if not user.is_authenticated:
        raise Http404
    cluster = Cluster.objects.select_related("area", "lead_council").filter(slug=slug).first()
    if cluster is None:
        raise Http404
    permissions = ClusterPermissions(user, cluster)
    if not permissions.has("view_cluster"):
        raise Http404
    if perm == "propose":
        if not permissions.may_propose():
            raise PermissionDenied
    elif perm and not permissions.has(perm):
        raise PermissionDenied
    return cluster, permissions


def visible_clusters(user) -> QuerySet[Cluster]:
    """Every cluster the person may see: their councils', their positions', their areas'."""
    councils = council_ids_with(user, "view_council")
    areas = area_ids_with(user, "view_area")
    return (
        Cluster.objects.filter(
            Q(memberships__council_id__in=councils, memberships__status=Membership.Status.MEMBER)
            | Q(positions__user=user, positions__ended_on__isnull=True)
            | Q(area_id__in=areas)
        )
        .distinct()
        .select_related("area", "lead_council")
    )


def positions_needing_two_factor(user):
    """A chair or vice-chair decides for a cluster, so must use two-factor where MFA_REQUIRED is on
    (registered with accounts.two_factor): the person's chair and vice-chair positions that confer
    office today (started, not ended, within their term)."""
    from django.utils import timezone

    from .models import Position

    today = timezone.localdate()
    return Position.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today),
        user=user,
        kind__in=[Position.Kind.CHAIR, Position.Kind.VICE_CHAIR],
        ended_on__isnull=True,
        starts_on__lte=today,
    )
