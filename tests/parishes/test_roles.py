import pytest

from parishes import services
from parishes.access import Permissions
from parishes.models import (
    AreaRole,
    AreaUserObjectPermission,
    AuditEvent,
    CouncilPermissionGrant,
    CouncilRole,
    CouncilUserObjectPermission,
)
from parishes.services import RoleError
from tests.factories import UserFactory


def held(user, council):
    return set(
        CouncilUserObjectPermission.objects.filter(user=user, content_object=council).values_list(
            "permission__codename", flat=True
        )
    )


def test_granting_a_role_grants_its_object_permissions_and_is_audited(cast):
    person = UserFactory()
    services.grant_council_role(acting_user=cast.clerk_a, council=cast.council_a, user=person, kind="clerk")
    assert held(person, cast.council_a) == {
        "view_council",
        "change_council",
        "manage_council_people",
        "view_council_audit",
        "act_for_council",
    }
    assert held(person, cast.council_b) == set()
    event = AuditEvent.objects.filter(council=cast.council_a, action="council_role.granted").latest("id")
    assert event.actor == cast.clerk_a
    assert event.after["person"] == person.email


def test_the_same_role_twice_is_refused(cast):
    with pytest.raises(RoleError, match="already"):
        services.grant_council_role(acting_user=None, council=cast.council_a, user=cast.clerk_a, kind="clerk")


def test_ending_a_role_removes_only_what_no_other_role_or_grant_carries(cast):
    person = cast.councillor_a
    services.grant_council_role(acting_user=None, council=cast.council_a, user=person, kind="rfo")
    services.set_council_permissions(
        acting_user=cast.clerk_a, council=cast.council_a, user=person, codenames={"view_council_audit"}
    )
    councillor = CouncilRole.objects.get(council=cast.council_a, user=person, kind="councillor")
    services.end_council_role(acting_user=cast.clerk_a, role=councillor)
    # Still RFO, so still sees the council and keeps the permission given to them.
    assert held(person, cast.council_a) == {"view_council", "view_council_audit"}

    rfo = CouncilRole.objects.get(council=cast.council_a, user=person, kind="rfo", ended_on__isnull=True)
    services.end_council_role(acting_user=cast.clerk_a, role=rfo)
    assert held(person, cast.council_a) == set()
    assert not CouncilPermissionGrant.objects.filter(user=person).exists()
    assert not Permissions(person, cast.council_a).has("view_council")


def test_ending_a_role_twice_is_refused(cast):
    role = CouncilRole.objects.get(user=cast.councillor_a)
    services.end_council_role(acting_user=cast.clerk_a, role=role)
    with pytest.raises(RoleError, match="already ended"):
        services.end_council_role(acting_user=cast.clerk_a, role=role)


def test_the_last_clerk_cannot_be_ended_except_by_the_area(cast):
    role = CouncilRole.objects.get(user=cast.clerk_a)
    with pytest.raises(RoleError, match="needs a clerk"):
        services.end_council_role(acting_user=cast.clerk_a, role=role)
    assert held(cast.clerk_a, cast.council_a)
    services.end_council_role(acting_user=cast.admin, role=role, may_end_last_clerk=True)
    assert held(cast.clerk_a, cast.council_a) == set()


def test_the_last_area_administrator_cannot_be_ended(cast):
    role = cast.north.roles.get(user=cast.admin)
    with pytest.raises(RoleError, match="needs an administrator"):
        services.end_area_role(acting_user=cast.admin, role=role)


def test_individual_permissions_need_a_role_and_a_grantable_permission(cast):
    with pytest.raises(RoleError, match="holds no role"):
        services.set_council_permissions(
            acting_user=cast.clerk_a, council=cast.council_a, user=cast.clerk_b, codenames={"change_council"}
        )
    with pytest.raises(RoleError, match="cannot be given"):
        services.set_council_permissions(
            acting_user=cast.clerk_a,
            council=cast.council_a,
            user=cast.councillor_a,
            codenames={"delete_council"},
        )
    assert held(cast.councillor_a, cast.council_a) == {"view_council"}


def test_individual_permissions_are_granted_removed_and_audited(cast):
    services.set_council_permissions(
        acting_user=cast.clerk_a, council=cast.council_a, user=cast.councillor_a, codenames={"change_council"}
    )
    assert Permissions(cast.councillor_a, cast.council_a).has("change_council")
    services.set_council_permissions(
        acting_user=cast.clerk_a, council=cast.council_a, user=cast.councillor_a, codenames=set()
    )
    assert not Permissions(cast.councillor_a, cast.council_a).has("change_council")
    events = AuditEvent.objects.filter(council=cast.council_a, action="council_permissions.changed")
    assert [e.after["permissions"] for e in events.order_by("id")] == [
        "Edit the council's profile and tax base",
        "none",
    ]


def test_area_roles_reach_every_council_of_their_area_only(cast):
    officer = Permissions(cast.officer, cast.council_c)
    assert officer.has("view_council")
    assert not officer.has("change_council")
    admin = Permissions(cast.admin, cast.council_c)
    assert admin.has("manage_council_people") and admin.through_area("manage_council_people")
    assert not Permissions(cast.south_officer, cast.council_a).has("view_council")
    assert not Permissions(cast.clerk_c, cast.council_a).has("view_council")


def test_profile_changes_record_before_and_after(cast):
    services.update_council_profile(
        acting_user=cast.clerk_a, council=cast.council_a, changes={"population": 900, "name": "Ashby"}
    )
    cast.council_a.refresh_from_db()
    assert cast.council_a.population == 900
    event = AuditEvent.objects.get(action="council.updated")
    assert event.before == {"population": 800}
    assert event.after == {"population": 900}


def test_permissions_granted_in_bulk_are_what_the_one_at_a_time_sync_derives(cast):
    clerk, officer = UserFactory(), UserFactory()
    roles = [
        CouncilRole.objects.create(council=cast.council_c, user=clerk, kind=CouncilRole.Kind.CLERK),
        AreaRole.objects.create(area=cast.south, user=officer, kind=AreaRole.Kind.OFFICER),
    ]
    assert services.grant_role_permissions_in_bulk(roles) == 6

    def held():
        return (
            set(
                CouncilUserObjectPermission.objects.filter(user=clerk).values_list(
                    "permission__codename", flat=True
                )
            ),
            set(
                AreaUserObjectPermission.objects.filter(user=officer).values_list(
                    "permission__codename", flat=True
                )
            ),
        )

    bulk = held()
    services.sync_council_permissions(clerk, cast.council_c)
    services.sync_area_permissions(officer, cast.south)
    assert held() == bulk and "act_for_council" in bulk[0] and bulk[1] == {"view_area"}
