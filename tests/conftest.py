"""The fixed cast every test uses.

Area North: council A (clerk, RFO, councillor), council B (clerk) and council C (clerk: the outsider
council), a county officer and an area administrator. Councils A and B form the cluster "Eden
Valley" (A leads it), whose chair is a councillor of B and whose secretary is a councillor of A;
council C is alone in the cluster "Fellside". Area South: council D with its clerk, and an officer
and an administrator of their own: people of another area, with a cluster "Dunmow Group" of its own.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone

from clusters import leadership, membership
from clusters.leadership import add_months
from clusters.models import Membership, Position
from parishes import services
from parishes.models import AreaRole, Council, CouncilRole

from .factories import AreaFactory, CouncilFactory, UserFactory


def _council_person(council, kind, email):
    user = UserFactory(email=email, name=email.split("@")[0].replace(".", " ").title())
    services.grant_council_role(acting_user=None, council=council, user=user, kind=kind)
    return user


def _area_person(area, kind, email):
    user = UserFactory(email=email, name=email.split("@")[0].replace(".", " ").title())
    services.grant_area_role(acting_user=None, area=area, user=user, kind=kind)
    return user


def _cluster(name, lead, clerk, members=()):
    cluster = membership.start_cluster(
        acting_user=clerk, area=lead.area, lead_council=lead, name=name, purpose=f"{name} works together"
    )
    for council, council_clerk in members:
        invited = membership.invite_council(acting_user=clerk, cluster=cluster, council=council)
        # Invited in March, so that the resolution of 1 April answers an invitation already sent.
        Membership.objects.filter(pk=invited.pk).update(
            invited_at=datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC)
        )
        membership.answer_invitation(
            acting_user=council_clerk,
            membership=invited,
            accept=True,
            minute_ref="12/26",
            resolved_on=datetime.date(2026, 4, 1),
        )
    membership.move_status(acting_user=clerk, cluster=cluster, to="active")
    return cluster


def _officer(cluster, kind, council, email):
    user = _council_person(council, CouncilRole.Kind.COUNCILLOR, email)
    leadership.appoint(
        acting_user=None,
        cluster=cluster,
        kind=kind,
        user=user,
        council=council,
        # A year's term half run, whatever day the suite runs on.
        starts_on=add_months(timezone.localdate(), -6),
        ends_on=add_months(timezone.localdate(), 6) - datetime.timedelta(days=1),
    )
    return user


def _build_cast() -> SimpleNamespace:
    north = AreaFactory(name="North", slug="north")
    south = AreaFactory(name="South", slug="south")
    council_a = CouncilFactory(area=north, name="Ashby", gss_code="E04000101")
    council_b = CouncilFactory(area=north, name="Brampton", gss_code="E04000102")
    council_c = CouncilFactory(area=north, name="Brampton", gss_code="E04000103")
    council_d = CouncilFactory(
        area=south, name="Dunmow", gss_code="W04000104", kind=Council.Kind.COMMUNITY_COUNCIL
    )
    people = SimpleNamespace(
        north=north,
        south=south,
        council_a=council_a,
        council_b=council_b,
        council_c=council_c,
        council_d=council_d,
        clerk_a=_council_person(council_a, CouncilRole.Kind.CLERK, "clerk.a@example.org"),
        rfo_a=_council_person(council_a, CouncilRole.Kind.RFO, "rfo.a@example.org"),
        councillor_a=_council_person(council_a, CouncilRole.Kind.COUNCILLOR, "councillor.a@example.org"),
        clerk_b=_council_person(council_b, CouncilRole.Kind.CLERK, "clerk.b@example.org"),
        clerk_c=_council_person(council_c, CouncilRole.Kind.CLERK, "clerk.c@example.org"),
        officer=_area_person(north, AreaRole.Kind.OFFICER, "officer@north.example.org"),
        admin=_area_person(north, AreaRole.Kind.ADMINISTRATOR, "admin@north.example.org"),
        clerk_d=_council_person(council_d, CouncilRole.Kind.CLERK, "clerk.d@example.org"),
        south_officer=_area_person(south, AreaRole.Kind.OFFICER, "officer@south.example.org"),
        south_admin=_area_person(south, AreaRole.Kind.ADMINISTRATOR, "admin@south.example.org"),
    )
    people.cluster = _cluster("Eden Valley", council_a, people.clerk_a, [(council_b, people.clerk_b)])
    people.chair = _officer(people.cluster, Position.Kind.CHAIR, council_b, "chair@example.org")
    people.secretary = _officer(people.cluster, Position.Kind.SECRETARY, council_a, "secretary@example.org")
    people.other_cluster = _cluster("Fellside", council_c, people.clerk_c)
    people.south_cluster = _cluster("Dunmow Group", council_d, people.clerk_d)
    return people


# Building the cast takes a few hundred queries; most tests only read it or change it inside their
# own transaction. So a module's tests share one cast, built in a transaction that is rolled back
# when the module is done, each test running in a savepoint within it (as Django's TestCase does
# with setUpTestData). Tests that commit for real (transactional_db, live_server) build their own.


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(item.fixturenames)
    )


def pytest_collection_modifyitems(items):
    for item in items:
        if "cast" in item.fixturenames and not _transactional(item):
            # First, so that the module's transaction is open before the test's own savepoint.
            item.fixturenames.insert(0, "_module_cast")


@pytest.fixture(scope="module")
def _module_cast(django_db_setup, django_db_blocker):
    """Where each member of the module's cast is stored: {name: (model, pk)}."""
    with django_db_blocker.unblock(), transaction.atomic():
        cast = _build_cast()
        yield {name: (type(obj), obj.pk) for name, obj in vars(cast).items()}
        transaction.set_rollback(True)


@pytest.fixture
def cast(request, db):
    if _transactional(request.node):
        return _build_cast()
    stored = request.getfixturevalue("_module_cast")
    # Fresh objects for every test: nothing a test sets on them reaches the next.
    by_model: dict = {}
    for model, pk in stored.values():
        by_model.setdefault(model, set()).add(pk)
    rows = {model: model.objects.in_bulk(pks) for model, pks in by_model.items()}
    return SimpleNamespace(**{name: rows[model][pk] for name, (model, pk) in stored.items()})


@pytest.fixture
def client_for(client):
    """A test client signed in as the given person."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
