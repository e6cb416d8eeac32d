"""State changes of areas and councils: roles and the object permissions they carry, profiles.

Granting or ending a role goes through here only, and every change re-derives the person's
object permissions from their roles and grants, so the two can never drift.
"""

from decimal import Decimal

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from . import audit, hooks
from .models import (
    Area,
    AreaRole,
    AreaUserObjectPermission,
    Council,
    CouncilPermissionGrant,
    CouncilRole,
    CouncilTaxBase,
    CouncilUserObjectPermission,
)
from .roles import AREA_ROLE_PERMISSIONS, COUNCIL_ROLE_PERMISSIONS, GRANTABLE_COUNCIL_PERMISSIONS


class RoleError(Exception):
    """A change the rules refuse; its message is shown to the person."""


def sync_object_permissions(user, obj, wanted: set[str], permission_model) -> None:
    """Make the person's guardian permissions on obj exactly `wanted` (in obj's direct table)."""
    held = set(
        permission_model.objects.filter(user=user, content_object=obj).values_list(
            "permission__codename", flat=True
        )
    )
    app_label = obj._meta.app_label
    for codename in wanted - held:
        assign_perm(f"{app_label}.{codename}", user, obj)
    for codename in held - wanted:
        remove_perm(f"{app_label}.{codename}", user, obj)


def sync_council_permissions(user, council: Council) -> None:
    wanted: set[str] = set()
    for kind in CouncilRole.objects.filter(user=user, council=council, ended_on__isnull=True).values_list(
        "kind", flat=True
    ):
        wanted |= COUNCIL_ROLE_PERMISSIONS[kind]
    wanted |= set(
        CouncilPermissionGrant.objects.filter(user=user, council=council).values_list("codename", flat=True)
    )
    sync_object_permissions(user, council, wanted, CouncilUserObjectPermission)


def sync_area_permissions(user, area: Area) -> None:
    wanted: set[str] = set()
    for kind in AreaRole.objects.filter(user=user, area=area, ended_on__isnull=True).values_list(
        "kind", flat=True
    ):
        wanted |= AREA_ROLE_PERMISSIONS[kind]
    sync_object_permissions(user, area, wanted, AreaUserObjectPermission)


def grant_role_permissions_in_bulk(roles) -> int:
    """The permissions of many new council or area roles, written in a few queries: what
    sync_council_permissions and sync_area_permissions would write one role at a time, from the same
    tables, for people who hold nothing else on those objects (the national loader's thousands).
    Returns how many permission rows it wrote."""
    kinds = {
        CouncilRole: (CouncilUserObjectPermission, Council, COUNCIL_ROLE_PERMISSIONS, "council_id"),
        AreaRole: (AreaUserObjectPermission, Area, AREA_ROLE_PERMISSIONS, "area_id"),
    }
    written = 0
    for role_model, (model, target, carried, target_field) in kinds.items():
        of_kind = [role for role in roles if isinstance(role, role_model)]
        if not of_kind:
            continue
        content_type = ContentType.objects.get_for_model(target)
        permissions = {p.codename: p for p in Permission.objects.filter(content_type=content_type)}
        rows = [
            model(
                user_id=role.user_id,
                permission=permissions[codename],
                content_object_id=getattr(role, target_field),
            )
            for role in of_kind
            for codename in sorted(carried[role.kind])
        ]
        model.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        written += len(rows)
    return written


@transaction.atomic
def grant_council_role(*, acting_user, council: Council, user, kind: str) -> CouncilRole:
    if CouncilRole.objects.filter(council=council, user=user, kind=kind, ended_on__isnull=True).exists():
        raise RoleError(f"{user} is already {CouncilRole.Kind(kind).label.lower()} of {council}.")
    role = CouncilRole.objects.create(council=council, user=user, kind=kind, granted_by=acting_user)
    sync_council_permissions(user, council)
    audit.record(
        actor=acting_user,
        action="council_role.granted",
        area=council.area,
        council=council,
        summary=f"{user} became {role.get_kind_display().lower()}",
        after={"person": user.email, "role": kind, "started_on": role.started_on.isoformat()},
    )
    return role


@transaction.atomic
def end_council_role(*, acting_user, role: CouncilRole, may_end_last_clerk: bool = False) -> None:
    role = CouncilRole.objects.select_for_update().select_related("council__area", "user").get(pk=role.pk)
    if role.ended_on:
        raise RoleError("This role has already ended.")
    council = role.council
    if role.kind == CouncilRole.Kind.CLERK and not may_end_last_clerk:
        other_clerks = council.roles.filter(kind=CouncilRole.Kind.CLERK, ended_on__isnull=True).exclude(
            pk=role.pk
        )
        if not other_clerks.exists():
            raise RoleError(
                "A council needs a clerk: invite the new clerk before ending this role, "
                "or ask the area administrator."
            )
    role.ended_on = timezone.localdate()
    role.save(update_fields=["ended_on"])
    summary = f"{role.user} stopped being {role.get_kind_display().lower()}"
    if not council.roles.filter(user=role.user, ended_on__isnull=True).exists():
        # Someone who no longer holds any role keeps no individual permissions either.
        grants = CouncilPermissionGrant.objects.filter(council=council, user=role.user)
        if removed := sorted(grants.values_list("codename", flat=True)):
            grants.delete()
            summary += " and lost the permissions given to them"
    else:
        removed = []
    sync_council_permissions(role.user, council)
    hooks.role_ended(acting_user=acting_user, role=role)
    audit.record(
        actor=acting_user,
        action="council_role.ended",
        area=council.area,
        council=council,
        summary=summary,
        before={"person": role.user.email, "role": role.kind, "permissions": _labels(removed)},
        after={"ended_on": role.ended_on.isoformat()},
    )


@transaction.atomic
def grant_area_role(*, acting_user, area: Area, user, kind: str) -> AreaRole:
    if AreaRole.objects.filter(area=area, user=user, kind=kind, ended_on__isnull=True).exists():
        raise RoleError(f"{user} is already {AreaRole.Kind(kind).label.lower()} of {area}.")
    role = AreaRole.objects.create(area=area, user=user, kind=kind, granted_by=acting_user)
    sync_area_permissions(user, area)
    audit.record(
        actor=acting_user,
        action="area_role.granted",
        area=area,
        summary=f"{user} became {role.get_kind_display().lower()} of {area}",
        after={"person": user.email, "role": kind, "started_on": role.started_on.isoformat()},
    )
    return role


@transaction.atomic
def end_area_role(*, acting_user, role: AreaRole) -> None:
    role = AreaRole.objects.select_for_update().select_related("area", "user").get(pk=role.pk)
    if role.ended_on:
        raise RoleError("This role has already ended.")
    if role.kind == AreaRole.Kind.ADMINISTRATOR:
        others = role.area.roles.filter(kind=role.kind, ended_on__isnull=True).exclude(pk=role.pk)
        if not others.exists():
            raise RoleError("An area needs an administrator: invite another before ending this role.")
    role.ended_on = timezone.localdate()
    role.save(update_fields=["ended_on"])
    sync_area_permissions(role.user, role.area)
    audit.record(
        actor=acting_user,
        action="area_role.ended",
        area=role.area,
        summary=f"{role.user} stopped being {role.get_kind_display().lower()} of {role.area}",
        before={"person": role.user.email, "role": role.kind},
        after={"ended_on": role.ended_on.isoformat()},
    )


@transaction.atomic
def set_council_permissions(*, acting_user, council: Council, user, codenames: set[str]) -> None:
    """Make the person's individual permissions on the council exactly `codenames`."""
    if not codenames <= GRANTABLE_COUNCIL_PERMISSIONS.keys():
        raise RoleError("That permission cannot be given.")
    if not council.roles.filter(user=user, ended_on__isnull=True).exists():
        raise RoleError(f"{user} holds no role in {council}.")
    current = set(
        CouncilPermissionGrant.objects.filter(council=council, user=user).values_list("codename", flat=True)
    )
    if current == codenames:
        return
    CouncilPermissionGrant.objects.filter(
        council=council, user=user, codename__in=current - codenames
    ).delete()
    CouncilPermissionGrant.objects.bulk_create(
        CouncilPermissionGrant(council=council, user=user, codename=c, granted_by=acting_user)
        for c in sorted(codenames - current)
    )
    sync_council_permissions(user, council)
    audit.record(
        actor=acting_user,
        action="council_permissions.changed",
        area=council.area,
        council=council,
        summary=f"Permissions given to {user} changed",
        before={"person": user.email, "permissions": _labels(current)},
        after={"person": user.email, "permissions": _labels(codenames)},
    )


def _labels(codenames) -> str:
    return ", ".join(sorted(GRANTABLE_COUNCIL_PERMISSIONS[c] for c in codenames)) or "none"


PROFILE_FIELDS = ("name", "kind", "population", "electorate", "email", "phone", "address", "website")


@transaction.atomic
def update_council_profile(*, acting_user, council: Council, changes: dict) -> None:
    before = {
        f: getattr(council, f) for f in PROFILE_FIELDS if f in changes and getattr(council, f) != changes[f]
    }
    if not before:
        return
    for field in before:
        setattr(council, field, changes[field])
    council.save(update_fields=list(before))
    audit.record(
        actor=acting_user,
        action="council.updated",
        area=council.area,
        council=council,
        summary=f"Profile changed: {', '.join(Council._meta.get_field(f).verbose_name for f in before)}",
        before=before,
        after={f: changes[f] for f in before},
    )


@transaction.atomic
def set_tax_base(*, acting_user, council: Council, financial_year: int, band_d: Decimal) -> CouncilTaxBase:
    existing = (
        CouncilTaxBase.objects.select_for_update()
        .filter(council=council, financial_year=financial_year)
        .first()
    )
    before = {"band_d": str(existing.band_d)} if existing else None
    tax_base, _ = CouncilTaxBase.objects.update_or_create(
        council=council, financial_year=financial_year, defaults={"band_d": band_d}
    )
    audit.record(
        actor=acting_user,
        action="council.tax_base_set",
        area=council.area,
        council=council,
        summary=f"Band D tax base for {tax_base.financial_year_label} set to {band_d}",
        before=before,
        after={"financial_year": financial_year, "band_d": str(band_d)},
    )
    return tax_base
