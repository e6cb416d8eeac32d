"""Who may see and change a cluster and everything in it. Nothing else in the code knows how
positions, memberships and council roles combine: views ask the named questions below and pass the
answers to templates as flags; services ask the same questions before they change anything.

A cluster is visible to the people of its member councils, to the holders of its positions and to
the officers of its area; to anyone else it does not exist (404). Visible but not allowed: 403.

A position's permissions are granted by django-guardian (synced by clusters.leadership from the
positions a person holds) and count only while the position is current: a term that has passed
confers nothing from the next day, whether or not the daily job has ended it yet.
"""

from datetime import date
from functools import cached_property

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from guardian.core import ObjectPermissionChecker

from parishes.access import area_ids_with, council_ids_with, councils_acted_for, people_acting_for
from parishes.models import Council

from .models import Cluster, Decision, Membership, Objective, Position
from .roles import POSITION_PERMISSIONS

CLUSTER_PERMISSIONS = (
    "view_cluster",
    "change_cluster",
    "manage_cluster_members",
    "decide_for_cluster",
    "draft_for_cluster",
)

# The positions that lead a cluster: without a current holder of one, the cluster has no way on
# unless a member council or the area fills it.
LEADING_POSITIONS = (Position.Kind.CHAIR, Position.Kind.COORDINATOR)
# The positions that decide for a cluster or lead it, whose holders must use two-factor.
TWO_FACTOR_POSITIONS = (Position.Kind.CHAIR, Position.Kind.VICE_CHAIR, Position.Kind.COORDINATOR)


class ClusterPermissions:
    """What one person may do in one cluster, looked up once for a page."""

    def __init__(self, user, cluster: Cluster, today: date | None = None):
        self.user = user
        self.cluster = cluster
        self.today = today or timezone.localdate()
        self._checker = ObjectPermissionChecker(user)

    # What the person holds

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
        return councils_acted_for(self.user) & self.member_council_ids

    def acting_councils(self) -> QuerySet[Council]:
        return Council.objects.filter(pk__in=self.acting_council_ids).order_by("name")

    @cached_property
    def is_member_person(self) -> bool:
        return bool(council_ids_with(self.user, "view_council") & self.member_council_ids)

    @cached_property
    def is_area_officer(self) -> bool:
        return self._checker.has_perm("view_area", self.cluster.area)

    @cached_property
    def is_area_administrator(self) -> bool:
        return self._checker.has_perm("manage_area", self.cluster.area)

    @cached_property
    def position_permissions(self) -> frozenset[str]:
        """What the person's current positions confer today."""
        kinds = (
            Position.objects.current(self.today)
            .filter(cluster=self.cluster, user=self.user)
            .values_list("kind", flat=True)
        )
        return frozenset().union(*(POSITION_PERMISSIONS[kind] for kind in kinds))

    def has(self, codename: str) -> bool:
        if codename in self.position_permissions and self._checker.has_perm(codename, self.cluster):
            return True
        if codename == "view_cluster":
            return self.is_member_person or self.is_area_officer
        if codename == "manage_cluster_members":
            # Until it has a chair, the person who started a forming cluster invites its councils,
            # while they still act for its lead council or keep the area's register.
            return (
                self.cluster.status == Cluster.Status.FORMING
                and self.cluster.started_by_id == self.user.pk
                and not self.has_leader
                and (self.may_act_for(self.cluster.lead_council_id) or self.is_area_administrator)
            )
        return False

    # The cluster's leadership

    @cached_property
    def has_leader(self) -> bool:
        current = Position.objects.current(self.today).filter(cluster=self.cluster)
        return current.filter(kind__in=LEADING_POSITIONS).exists()

    @cached_property
    def chair_passes_by_rota(self) -> bool:
        """A rotating chair whose term has ended passes to the next council of the rota by the daily
        job, not to whoever asks first (the job vacates it if the rota finds nobody)."""
        return (
            self.cluster.leadership_model == Cluster.LeadershipModel.ROTATING_CHAIR
            and self.cluster.rota.exists()
            and self.cluster.positions.filter(
                kind=Position.Kind.CHAIR, ended_on__isnull=True, ends_on__lt=self.today
            ).exists()
        )

    def may_fill_vacancy(self) -> bool:
        """With no chair and no co-ordinator, any member council's clerk, or the area's
        administrators, may appoint one, recording the resolution or meeting that chose them."""
        return (
            self.cluster.status != Cluster.Status.DISSOLVED
            and not self.has_leader
            and (self.acts_for_a_member() or self.is_area_administrator)
            and not self.chair_passes_by_rota
        )

    def may_appoint_any_officer(self) -> bool:
        return self.has("change_cluster")

    def may_appoint(self) -> bool:
        return self.may_appoint_any_officer() or self.may_fill_vacancy()

    # Acting for member councils

    def may_act_for(self, council: Council | int) -> bool:
        """Record the resolutions of this member council: votes, adoptions, leaving, proposals."""
        return (council if isinstance(council, int) else council.pk) in self.acting_council_ids

    def acts_for_a_member(self) -> bool:
        return bool(self.acting_council_ids)

    def may_leave(self, membership: Membership) -> bool:
        # The lead council cannot leave: the cluster chooses another lead first.
        return (
            membership.status == Membership.Status.MEMBER
            and membership.council_id != self.cluster.lead_council_id
            and self.may_act_for(membership.council_id)
        )

    # Decisions

    def may_propose(self) -> bool:
        return self.has("draft_for_cluster") or self.acts_for_a_member()

    def may_propose_without_council(self) -> bool:
        """Officers propose on the cluster's behalf; everyone else for a council they act for."""
        return self.has("draft_for_cluster")

    def may_decide(self) -> bool:
        return self.has("decide_for_cluster")

    def may_withdraw(self, decision: Decision) -> bool:
        return decision.status == Decision.Status.PROPOSED and (
            decision.proposed_by_id == self.user.pk or self.may_decide()
        )

    def decision_actions(self, decision: Decision, voted_council_ids: set[int]) -> dict[str, bool]:
        """What the person may do to the decision now, for the page to offer (services check again)."""
        open_ = decision.status == Decision.Status.PROPOSED
        return {
            "decide": open_ and decision.method == Decision.Method.CHAIR and self.may_decide(),
            "vote": open_
            and decision.method == Decision.Method.RATIFICATION
            and bool(self.acting_council_ids - voted_council_ids),
            "withdraw": self.may_withdraw(decision),
            "correct": decision.is_decided and self.may_propose(),
        }

    # Objectives

    def may_update_progress(self, objective: Objective) -> bool:
        """The cluster's officers, and the people who act for the council that owns the objective."""
        return self.has("draft_for_cluster") or self.may_act_for(objective.owner_council_id)

    def allows(self, perm: str) -> bool:
        """`perm` as views name it: a permission codename, or one of the named rules above."""
        if perm == "propose":
            return self.may_propose()
        if perm == "appoint":
            return self.may_appoint()
        return self.has(perm)

    def flags(self) -> dict[str, bool]:
        """For templates, which never decide permissions themselves."""
        flags = {name: self.has(name) for name in CLUSTER_PERMISSIONS}
        flags["act_for_a_member"] = self.acts_for_a_member()
        flags["propose"] = self.may_propose()
        flags["appoint"] = self.may_appoint()
        flags["fill_vacancy"] = self.may_fill_vacancy()
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
    if perm and not permissions.allows(perm):
        raise PermissionDenied
    return cluster, permissions


def visible_clusters(user) -> QuerySet[Cluster]:
    """Every cluster the person may see: their councils', their current positions', their areas'."""
    councils = council_ids_with(user, "view_council")
    areas = area_ids_with(user, "view_area")
    # Subqueries rather than joins: no DISTINCT over every membership and position in the country.
    members_of = Membership.objects.filter(council_id__in=councils, status=Membership.Status.MEMBER)
    return Cluster.objects.filter(
        Q(pk__in=members_of.values("cluster_id"))
        | Q(pk__in=Position.objects.current().filter(user=user).values("cluster_id"))
        | Q(area_id__in=areas)
    ).select_related("area", "lead_council")


def lead_choices(user) -> QuerySet[Council]:
    """The councils a person may start a cluster for: those they act for, and every council of the
    areas whose register they keep."""
    return (
        Council.objects.filter(
            Q(pk__in=councils_acted_for(user)) | Q(area_id__in=area_ids_with(user, "manage_area"))
        )
        .select_related("area")
        .order_by("name", "gss_code")
    )


def may_start_cluster(user) -> bool:
    return lead_choices(user).exists()


def people_of_members(cluster: Cluster) -> list:
    """Everyone who acts for a member council, once each however many councils they act for (a
    clerk of sixteen gets one email, not sixteen), in a steady order."""
    members = cluster.memberships.filter(status=Membership.Status.MEMBER).values_list("council_id", flat=True)
    people = {person for group in people_acting_for(members).values() for person in group}
    return sorted(people, key=lambda person: person.email)


def deciders(cluster: Cluster) -> QuerySet:
    """The people who may decide for the cluster under delegated authority today."""
    current = deciding_positions().filter(cluster=cluster)
    return get_user_model().objects.filter(cluster_positions__in=current, is_active=True).distinct()


def positions_needing_two_factor(user) -> QuerySet[Position]:
    """A chair, vice-chair or co-ordinator decides for a cluster or leads it, so must use two-factor
    where MFA_REQUIRED is on (registered with accounts.two_factor): such positions held today."""
    return Position.objects.current().filter(user=user, kind__in=TWO_FACTOR_POSITIONS)


# The kinds of position that decide for the cluster under delegated authority.
DECIDING_KINDS = frozenset(
    kind for kind, perms in POSITION_PERMISSIONS.items() if "decide_for_cluster" in perms
)


def deciding_positions(today: date | None = None) -> QuerySet[Position]:
    """The positions held today whose kind decides for the cluster under delegated authority."""
    return Position.objects.current(today).filter(kind__in=DECIDING_KINDS)


def clusters_where_officer_and_decider(user) -> tuple[set[int], set[int]]:
    """The clusters where the person holds a position today, and those among them whose decisions
    put to the chair wait for this person (`deciders` seen from the person's side): one read of
    their positions, since the home page's panel wants both."""
    officer_of, decider_of = set(), set()
    for cluster_id, kind in Position.objects.current().filter(user=user).values_list("cluster_id", "kind"):
        officer_of.add(cluster_id)
        if kind in DECIDING_KINDS:
            decider_of.add(cluster_id)
    return officer_of, decider_of


def may_answer_for(user, council: Council) -> bool:
    """Record an invited council's answer: its clerk, or whoever acts for it (not yet a member, so
    not a question for ClusterPermissions)."""
    return council.pk in councils_acted_for(user)


def get_invitations_for_user(user, slug: str) -> tuple[Cluster, QuerySet[Membership]]:
    """A cluster's open invitations to the councils the person acts for, answered on one page.

    The page is theirs while they act for a council the cluster has invited, answered or not (it
    then says that nothing is left to answer), though the cluster itself shows only to its members:
    anyone else who sees the cluster or such a council gets 403, everyone else 404.
    """
    if not user.is_authenticated:
        raise Http404
    cluster = Cluster.objects.select_related("area").filter(slug=slug).first()
    if cluster is None:
        raise Http404
    # Open invitations and answered ones; not the lead council's membership, which nobody invited.
    invitations = cluster.memberships.filter(
        Q(status=Membership.Status.INVITED) | Q(join_resolution_on__isnull=False)
    )
    invited = set(invitations.values_list("council_id", flat=True))
    acting = councils_acted_for(user) & invited
    if not acting:
        if council_ids_with(user, "view_council") & invited or ClusterPermissions(user, cluster).has(
            "view_cluster"
        ):
            raise PermissionDenied
        raise Http404
    open_ = cluster.memberships.filter(status=Membership.Status.INVITED, council_id__in=acting)
    return cluster, open_.select_related("council").order_by("council__name", "council__gss_code")
