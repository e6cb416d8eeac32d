"""Who may see and change services: arrangements, the delivery log, sites, volunteers, the area's
catalogue and individual-model requests. Nothing else in the code knows how these rules combine:
views ask the named questions below and pass the answers to templates as flags; services ask the
same questions before they change anything.

An arrangement is seen by whoever sees its cluster (clusters.access). Inside it:
- the service lead's people (those who act for the lead council) run it: they record deliveries,
  correct them, keep the specification and end it; the cluster's officers with change_cluster may
  also keep the specification;
- the delivery log is read whole by the lead council's people, the cluster's chair or co-ordinator
  and the area's officers; a served council's people read only their own council's lines, and the
  people of other member councils read none (what another council received is its business);
- each served council's agreement is recorded by whoever acts for that council.

Volunteers are personal data: a council's register is seen by that council's own people (a role in
it, not the area's officers, who see a count and whether training is current) and, for the
volunteers assigned to an arrangement, by that arrangement's co-ordinator.

The area's catalogue is kept by its administrators and read by its officers. Council people do not
open the catalogue's page (an area's pages are its officers' and administrators', as the isolation
sweep holds: a clerk of another cluster in the area gets 404); they read the entries they may choose,
with each one's unit and training, where they choose one (asking to deliver a service alone,
proposing an arrangement).

A council's sites are kept by whoever acts for it and read by its people and the area's officers.

Individual-model requests are made by whoever acts for the council, seen by the council's people and
the area's officers and administrators, and decided by those officers and administrators: the only
thing officers change. A decided request is final; a waiting one may be withdrawn by whoever acts for
its council.

Not visible → 404, visible but not allowed → 403, as everywhere.
"""

from functools import cached_property

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from clusters.access import ClusterPermissions, get_cluster_for_user
from clusters.models import Cluster
from parishes.access import area_ids_with, council_ids_with, councils_acted_for
from parishes.models import Council

from .models import Arrangement, IndividualRequest, ServedCouncil, Volunteer


class ArrangementPermissions:
    """What one person may do with one arrangement, looked up once for a page."""

    def __init__(
        self,
        cluster_permissions: ClusterPermissions,
        arrangement: Arrangement,
        *,
        own_council_ids: set[int] | None = None,
    ):
        self.cluster_permissions = cluster_permissions
        self.arrangement = arrangement
        self.user = cluster_permissions.user
        # A list page reads the person's councils once for all its arrangements (for_arrangements).
        if own_council_ids is not None:
            self.own_council_ids = own_council_ids

    @cached_property
    def own_council_ids(self) -> set[int]:
        """The councils the person holds a role in (or may view by a grant)."""
        return council_ids_with(self.user, "view_council")

    @cached_property
    def runs_it(self) -> bool:
        """Acts for the service lead: records deliveries and keeps the arrangement."""
        return self.cluster_permissions.may_act_for(self.arrangement.lead_council_id)

    @cached_property
    def coordinates_it(self) -> bool:
        return self.arrangement.coordinator_id is not None and self.arrangement.coordinator_id == self.user.pk

    @cached_property
    def reads_whole_log(self) -> bool:
        cp = self.cluster_permissions
        return (
            self.lead_council_person or self.coordinates_it or cp.has("change_cluster") or cp.is_area_officer
        )

    @cached_property
    def lead_council_person(self) -> bool:
        return self.arrangement.lead_council_id in self.own_council_ids

    @cached_property
    def served_council_ids(self) -> set[int]:
        # .all(): the served rows a page prefetched, when it did.
        return {served.council_id for served in self.arrangement.served.all()}

    def log_council_ids(self) -> set[int] | None:
        """The served councils whose delivery lines the person reads: None for all of them."""
        if self.reads_whole_log:
            return None
        return self.own_council_ids & self.served_council_ids

    def may_record_delivery(self) -> bool:
        return self.arrangement.status == Arrangement.Status.ACTIVE and (self.runs_it or self.coordinates_it)

    def may_keep(self) -> bool:
        """Change the specification, sites, review date and value; end the arrangement."""
        return self.arrangement.status not in Arrangement.CLOSED and (
            self.runs_it or self.cluster_permissions.has("change_cluster")
        )

    def may_agree_for(self, served: ServedCouncil) -> bool:
        return (
            self.arrangement.status == Arrangement.Status.PROPOSED
            and not served.has_agreed
            and self.cluster_permissions.may_act_for(served.council_id)
        )

    def agreeing_council_ids(self) -> set[int]:
        """The served councils still to agree that the person acts for (one form for all of them)."""
        if self.arrangement.status != Arrangement.Status.PROPOSED:
            return set()
        waiting = set(
            self.arrangement.served.filter(resolved_on__isnull=True).values_list("council_id", flat=True)
        )
        return waiting & self.cluster_permissions.acting_council_ids

    def may_see_volunteers(self) -> bool:
        """The names of the volunteers assigned: the co-ordinator, and the people of the volunteers'
        councils (checked per volunteer by visible_volunteer_council_ids)."""
        return self.coordinates_it or bool(self.visible_volunteer_council_ids())

    def visible_volunteer_council_ids(self) -> set[int]:
        return self.own_council_ids

    def may_withdraw(self) -> bool:
        """A proposal no council has yet made active: its proposer, or the lead council's people."""
        return self.arrangement.status == Arrangement.Status.PROPOSED and (
            self.arrangement.proposed_by_id == self.user.pk or self.runs_it
        )

    def flags(self) -> dict[str, bool]:
        return {
            "runs_it": self.runs_it,
            "record_delivery": self.may_record_delivery(),
            "keep": self.may_keep(),
            "agree": bool(self.agreeing_council_ids()),
            "whole_log": self.reads_whole_log,
            "withdraw": self.may_withdraw(),
        }


def for_arrangements(
    cluster_permissions: ClusterPermissions, arrangements
) -> dict[int, ArrangementPermissions]:
    """Each arrangement's permissions for a list page: the person's councils read once, the served
    councils from the arrangements' prefetched rows."""
    own = council_ids_with(cluster_permissions.user, "view_council")
    return {a.pk: ArrangementPermissions(cluster_permissions, a, own_council_ids=own) for a in arrangements}


def may_propose_arrangement(cluster_permissions: ClusterPermissions) -> bool:
    """Any member council's clerk, or the cluster's officers, while the cluster is not dissolved."""
    return (
        cluster_permissions.cluster.status != Cluster.Status.DISSOLVED and cluster_permissions.may_propose()
    )


def get_arrangement_for_user(user, slug: str, number: int) -> tuple[Arrangement, ArrangementPermissions]:
    cluster, cluster_permissions = get_cluster_for_user(user, slug)
    arrangement = (
        Arrangement.objects.select_related("service", "lead_council", "coordinator")
        .filter(cluster=cluster, number=number)
        .first()
    )
    if arrangement is None:
        raise Http404
    arrangement.cluster = cluster
    return arrangement, ArrangementPermissions(cluster_permissions, arrangement)


# Volunteers


def volunteer_council_ids(user) -> set[int]:
    """The councils whose volunteer register the person reads: their own councils (a role in them),
    never through the area."""
    return council_ids_with(user, "view_council")


def may_keep_volunteers(user, council_id: int) -> bool:
    return council_id in councils_acted_for(user)


def get_register_for_user(user, council_id: int, *, change: bool = False) -> tuple[Council, bool]:
    """The council whose volunteer register the person reads, and whether they keep it: 404 for
    anyone not of the council (its area's officers too: personal data), 403 when `change` is asked
    of someone who only reads it (councillors, the RFO)."""
    council = Council.objects.select_related("area").filter(pk=council_id).first()
    if council is None or council.pk not in volunteer_council_ids(user):
        raise Http404
    keeps = may_keep_volunteers(user, council.pk)
    if change:
        require(keeps)
    return council, keeps


def may_see_volunteer(user, volunteer: Volunteer) -> bool:
    if volunteer.council_id in volunteer_council_ids(user):
        return True
    return volunteer.assignments.filter(arrangement__coordinator=user, ended_on__isnull=True).exists()


# The area's catalogue and individual-model requests


def may_read_catalogue(user, area_id: int) -> bool:
    """The catalogue's page: the area's officers and administrators (see the module's docstring)."""
    return area_id in area_ids_with(user, "view_area")


def may_keep_catalogue(user, area_id: int) -> bool:
    return area_id in area_ids_with(user, "manage_area")


def request_deciding_area_ids(user) -> set[int]:
    """The areas whose requests the person decides: its officers and administrators."""
    return area_ids_with(user, "view_area")


def may_decide_requests(user, area_id: int) -> bool:
    return area_id in request_deciding_area_ids(user)


def deciding_requests(path: str) -> Q:
    """Who decides an area's requests (may_decide_requests), as a condition on the area's
    AreaUserObjectPermission rows reached by `path`, so that a set-based read can join them in (the
    daily reminder scan): its grants of view_area to active people."""
    return Q(**{f"{path}__permission__codename": "view_area", f"{path}__user__is_active": True})


def may_request_for(user, council_id: int) -> bool:
    return council_id in councils_acted_for(user)


def may_withdraw_request(user, request: IndividualRequest) -> bool:
    return request.status == IndividualRequest.Status.WAITING and may_request_for(user, request.council_id)


def may_decide_request(user, request: IndividualRequest) -> bool:
    return request.status == IndividualRequest.Status.WAITING and may_decide_requests(user, request.area_id)


def request_deciders(area_id: int) -> QuerySet:
    """Who is told of a new request: the area's current officers and administrators, while active."""
    return (
        get_user_model()
        .objects.filter(is_active=True, area_roles__area_id=area_id, area_roles__ended_on__isnull=True)
        .distinct()
        .order_by("pk")
    )


# Sites


def may_keep_sites(user, council_id: int) -> bool:
    """Add, change and retire a council's sites: whoever acts for it (its clerks)."""
    return council_id in councils_acted_for(user)


def require(allowed: bool) -> None:
    """For views: 403 when the person sees the thing but may not do this to it."""
    if not allowed:
        raise PermissionDenied


def get_request_for_user(user, pk: int) -> IndividualRequest:
    """A request is seen by its council's own people and the officers of its area."""
    request = IndividualRequest.objects.select_related("council", "service", "area").filter(pk=pk).first()
    if request is None or not (
        request.council_id in council_ids_with(user, "view_council")
        or request.area_id in area_ids_with(user, "view_area")
    ):
        raise Http404
    return request


def may_coordinate_for(person, council_id: int) -> bool:
    """An arrangement's co-ordinator who signs in is one of the lead council's own people: they then
    see the volunteers of that arrangement."""
    return council_id in council_ids_with(person, "view_council")
