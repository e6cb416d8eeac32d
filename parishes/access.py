"""Who may see and change areas and councils. Nothing else in the code knows how roles work.

Not visible → 404, the same as not existing; visible but not allowed → 403.
"""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from guardian.core import ObjectPermissionChecker

from .models import (
    Area,
    AreaRole,
    AreaUserObjectPermission,
    Council,
    CouncilRole,
    CouncilUserObjectPermission,
)
from .roles import AREA_PERMISSION_FOR_COUNCIL, GRANTABLE_COUNCIL_PERMISSIONS

COUNCIL_PERMISSIONS = ("view_council", *GRANTABLE_COUNCIL_PERMISSIONS)
AREA_PERMISSIONS = ("view_area", "manage_area")


class Permissions:
    """The permissions one person holds on one council or area, looked up once for a page."""

    def __init__(self, user, obj, checker: ObjectPermissionChecker | None = None):
        self._checker = checker or ObjectPermissionChecker(user)
        self._obj = obj

    def has(self, codename: str) -> bool:
        return self._checker.has_perm(codename, self._obj) or self.through_area(codename)

    def through_area(self, codename: str) -> bool:
        """Whether the person holds the council permission because of their role in its area."""
        if not isinstance(self._obj, Council):
            return False
        area_codename = AREA_PERMISSION_FOR_COUNCIL.get(codename)
        return bool(area_codename) and self._checker.has_perm(area_codename, self._obj.area)

    def flags(self) -> dict[str, bool]:
        """For templates, which never decide permissions themselves."""
        names = COUNCIL_PERMISSIONS if isinstance(self._obj, Council) else AREA_PERMISSIONS
        return {name: self.has(name) for name in names}


def _check(user, obj, view: str, perm: str | None) -> Permissions:
    if not user.is_authenticated:
        raise Http404
    permissions = Permissions(user, obj)
    if not permissions.has(view):
        raise Http404
    if perm and not permissions.has(perm):
        raise PermissionDenied
    return permissions


def get_council_for_user(user, council_id: int, perm: str | None = None) -> tuple[Council, Permissions]:
    council = Council.objects.select_related("area").filter(pk=council_id).first()
    if council is None:
        raise Http404
    return council, _check(user, council, "view_council", perm)


def get_area_for_user(user, slug: str, perm: str | None = None) -> tuple[Area, Permissions]:
    area = Area.objects.filter(slug=slug).first()
    if area is None:
        raise Http404
    return area, _check(user, area, "view_area", perm)


def council_ids_with(user, codename: str) -> set[int]:
    """The councils on which the person holds a council permission (from a role or a grant)."""
    return set(
        CouncilUserObjectPermission.objects.filter(user=user, permission__codename=codename).values_list(
            "content_object_id", flat=True
        )
    )


def councils_acted_for(user) -> set[int]:
    """The councils whose resolutions the person records (clerks, and anyone given the permission)."""
    return council_ids_with(user, "act_for_council")


def area_ids_with(user, codename: str) -> set[int]:
    """The areas on which the person holds an area permission (from an area role)."""
    return set(
        AreaUserObjectPermission.objects.filter(user=user, permission__codename=codename).values_list(
            "content_object_id", flat=True
        )
    )


def acting_for(path: str = "") -> Q:
    """Who may act for a council (its clerks and anyone given that permission): its grants of
    act_for_council to active people, as a condition on CouncilUserObjectPermission rows reached by
    `path` from the model queried (empty when querying those rows), so that a set-based read can
    join the people in (the daily reminder scan)."""
    prefix = f"{path}__" if path else ""
    return Q(**{f"{prefix}permission__codename": "act_for_council", f"{prefix}user__is_active": True})


def people_acting_for(council_ids) -> dict[int, list]:
    """For each council, the people who may act for it (its clerks and anyone given that permission)."""
    people: dict[int, list] = defaultdict(list)
    grants = (
        CouncilUserObjectPermission.objects.filter(acting_for(), content_object_id__in=list(council_ids))
        .select_related("user")
        .order_by("user__name")
    )
    for grant in grants:
        people[grant.content_object_id].append(grant.user)
    return people


def ending_loses_access(user, role: CouncilRole | AreaRole) -> bool:
    """Whether ending the role leaves the person who ends it unable to see its council or area:
    it is their own, and neither another of their roles there nor a role in the area shows it to
    them (a council's individual permissions go with the last role)."""
    if role.user_id != user.pk:
        return False
    if isinstance(role, CouncilRole):
        others = CouncilRole.objects.filter(council_id=role.council_id, user=user, ended_on__isnull=True)
        area_id = role.council.area_id
    else:
        others = AreaRole.objects.none()
        area_id = role.area_id
    area_roles = AreaRole.objects.filter(area_id=area_id, user=user, ended_on__isnull=True)
    return not others.exclude(pk=role.pk).exists() and not area_roles.exclude(pk=role.pk).exists()


def dashboard_to_land_on(user, area_roles: list[AreaRole]) -> Area | None:
    """The area whose dashboard is the person's home page: they are an officer or administrator of
    that one area and hold no council role. Anyone else keeps their home, which links to the
    dashboards of their areas. `area_roles` are the person's current ones with their areas
    (queries.areas_of), read once for this and for the home's list."""
    areas = {role.area for role in area_roles}
    if len(areas) != 1 or CouncilRole.objects.filter(user=user, ended_on__isnull=True).exists():
        return None
    return areas.pop()


def area_roles_needing_two_factor(user) -> QuerySet[AreaRole]:
    """A county officer or an area administrator sees a whole area, so must use two-factor where
    MFA_REQUIRED is on (registered with accounts.two_factor): the person's current area roles."""
    return AreaRole.objects.filter(user=user, ended_on__isnull=True)


def holds_area_role(user) -> bool:
    """Whether the person is now an officer or administrator of an area: who is offered the monthly
    dashboard email (registered with accounts.preferences)."""
    return AreaRole.objects.filter(user=user, ended_on__isnull=True).exists()


def dashboard_email_recipients(area: Area) -> QuerySet:
    """Who is emailed the area's dashboard each month: its current officers and administrators who
    asked for it, while their account is active."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            email_area_dashboards=True,
            area_roles__area=area,
            area_roles__ended_on__isnull=True,
        )
        .distinct()
        .order_by("pk")
    )


def areas_with_dashboard_readers() -> QuerySet[Area]:
    """The areas whose dashboard someone is to be emailed this month."""
    readers = AreaRole.objects.filter(
        area=OuterRef("pk"),
        ended_on__isnull=True,
        user__is_active=True,
        user__email_area_dashboards=True,
    )
    return Area.objects.filter(Exists(readers)).order_by("pk")
