"""Reads of areas and councils that deserve a name; each owns its joins."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import (
    AreaRole,
    AuditEvent,
    Council,
    CouncilPermissionGrant,
    CouncilRole,
    District,
    Invitation,
)


@dataclass
class CouncilWithRoles:
    council: Council
    roles: list[str] = field(default_factory=list)


def councils_of(user) -> list[CouncilWithRoles]:
    """The councils where the person holds a role, each with the roles they hold there."""
    by_council: dict[int, CouncilWithRoles] = {}
    roles = (
        CouncilRole.objects.filter(user=user, ended_on__isnull=True)
        .select_related("council__area")
        .order_by("council__name", "council__gss_code", "kind")
    )
    for role in roles:
        entry = by_council.setdefault(role.council_id, CouncilWithRoles(role.council))
        entry.roles.append(role.get_kind_display())
    return list(by_council.values())


def areas_of(user) -> list[AreaRole]:
    """The person's current area roles, with their areas."""
    return list(
        AreaRole.objects.filter(user=user, ended_on__isnull=True)
        .select_related("area")
        .order_by("area__name", "kind")
    )


def count_area_councils(area_roles: list[AreaRole]) -> list[AreaRole]:
    """Each role's area's number of councils, as `council_count`: one query, and none for no roles
    (counted apart from areas_of, since an officer landing on their dashboard does not show it)."""
    if area_roles:
        counts = dict(
            Council.objects.filter(area__in={role.area_id for role in area_roles})
            .values("area")
            .annotate(n=Count("pk"))
            .values_list("area", "n")
        )
        for role in area_roles:
            role.council_count = counts.get(role.area_id, 0)
    return area_roles


def area_councils(area, *, search: str = "", kind: str = "", district: str = "") -> QuerySet[Council]:
    councils = Council.objects.filter(area=area).select_related("district")
    if search:
        councils = councils.filter(Q(name__icontains=search) | Q(gss_code__iexact=search))
    if kind:
        councils = councils.filter(kind=kind)
    if district:
        councils = councils.filter(district__gss_code=district)
    return councils.order_by("name", "gss_code")


def area_districts(area) -> list[District]:
    """The districts the area's councils lie in: one query, however many councils."""
    return list(District.objects.filter(Exists(Council.objects.filter(area=area, district=OuterRef("pk")))))


@dataclass
class Person:
    user: object
    roles: list[CouncilRole] = field(default_factory=list)
    permissions: list[str] = field(default_factory=list)


def council_people(council: Council) -> list[Person]:
    """Everyone holding a role in the council, with their roles and individual permissions."""
    people: dict[int, Person] = {}
    for role in (
        council.roles.filter(ended_on__isnull=True).select_related("user").order_by("user__name", "kind")
    ):
        people.setdefault(role.user_id, Person(role.user)).roles.append(role)
    grants = defaultdict(list)
    for user_id, codename in CouncilPermissionGrant.objects.filter(council=council).values_list(
        "user_id", "codename"
    ):
        grants[user_id].append(codename)
    for user_id, person in people.items():
        person.permissions = sorted(grants[user_id])
    return list(people.values())


def pending_invitations(*, area, council=None) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(
            area=area,
            council=council,
            accepted_at__isnull=True,
            withdrawn_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("-created_at")
    )


def area_people(area) -> QuerySet[AreaRole]:
    return area.roles.filter(ended_on__isnull=True).select_related("user").order_by("kind", "user__name")


def council_history(council: Council) -> QuerySet[AuditEvent]:
    return council.audit_events.select_related("actor").order_by("-created_at", "-id")
