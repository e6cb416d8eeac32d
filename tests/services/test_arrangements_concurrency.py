"""Clicks at the same moment, in real concurrent transactions: two proposals get two numbers, and the
last two councils agreeing at once make the arrangement active once, with one email to its lead.

Each agreement is held back inside its transaction just after its date is checked, so that the other
arrives while the first has not committed: without the row lock both would see a council still to
agree. These need PostgreSQL (CI sets DATABASE_URL), as tests/concurrency.py says.
"""

import time
from decimal import Decimal

from django.core import mail
from django.utils import timezone

from clusters.models import ClusterEvent, Membership
from parishes import services as parish_services
from parishes.models import Council
from services import arrangements as services
from services.models import Arrangement
from tests.concurrency import at_once, postgresql_only
from tests.factories import UserFactory

pytestmark = postgresql_only

HOLD = 0.5  # seconds the first transaction keeps its lock after checking the date
TODAY = timezone.localdate()


def _propose(cast, service, served):
    return services.propose_arrangement(
        acting_user=cast.clerk_a,
        cluster=cast.cluster,
        service=service,
        lead_council=cast.council_a,
        served=served,
        delivery_model="own_staff",
        legal_basis="s101",
        specification="Cuts",
        season_starts=3,
        season_ends=10,
        starts_on=TODAY,
        review_on=TODAY.replace(year=TODAY.year + 1),
        charging="fixed",
    )


def test_two_proposals_at_the_same_moment_get_two_numbers(cast, grass_cutting):
    served = [services.Served(cast.council_b, Decimal("6"))]
    results = at_once(
        lambda: _propose(cast, grass_cutting, served), lambda: _propose(cast, grass_cutting, served)
    )
    assert all(isinstance(r, Arrangement) for r in results), results
    assert sorted(r.number for r in results) == [1, 2]


def test_the_last_two_agreements_at_the_same_moment_activate_it_once(cast, grass_cutting, monkeypatch):
    crosby = Council.objects.create(area=cast.north, name="Crosby", gss_code="E04000150")
    Membership.objects.create(cluster=cast.cluster, council=crosby, status="member", joined_on=TODAY)
    clerk = UserFactory(email="clerk@crosby.example", name="Clerk Crosby")
    parish_services.grant_council_role(acting_user=None, council=crosby, user=clerk, kind="clerk")
    arrangement = _propose(
        cast,
        grass_cutting,
        [services.Served(cast.council_b, Decimal("6")), services.Served(crosby, Decimal("4"))],
    )
    check = services.check_agreement_date

    def check_then_wait(arrangement, resolved_on):
        check(arrangement, resolved_on)
        time.sleep(HOLD)

    monkeypatch.setattr(services, "check_agreement_date", check_then_wait)
    mail.outbox.clear()

    def agree(council, person):
        return services.record_agreements(
            acting_user=person,
            arrangement=Arrangement.objects.get(pk=arrangement.pk),
            agreements=[services.CouncilAgreement(council=council, minute_ref="1", resolved_on=TODAY)],
        )

    results = at_once(lambda: agree(cast.council_b, cast.clerk_b), lambda: agree(crosby, clerk))
    assert all(isinstance(r, Arrangement) for r in results), results
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.ACTIVE
    assert ClusterEvent.objects.filter(action="arrangement.active").count() == 1
    assert [m.to for m in mail.outbox] == [[cast.clerk_a.email]]
