"""The home page's services panel (services.panels.services_attention): the agreements a clerk's
councils owe, the arrangements they lead that are behind, the requests an officer decides; nothing
for whom nothing waits, and queries that do not grow with what waits."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clusters.models import Membership
from parishes import services as parish_services
from services.models import Arrangement, IndividualRequest, ServedCouncil
from services.progress import behind_arrangement_ids
from tests.factories import CouncilFactory

pytestmark = pytest.mark.django_db

HOME = reverse("parishes:home")
HEADING = "Services needing your attention"
OWED = "Arrangements waiting for your council's agreement"
BEHIND = "Services your council leads that are behind the season's pace"
REQUESTS = "Councils' requests waiting for a decision"
TODAY = timezone.localdate()


def home(client_for, user) -> str:
    response = client_for(user).get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def proposal(cast, service, number: int, councils) -> Arrangement:
    arrangement = Arrangement.objects.create(
        cluster=cast.cluster,
        number=number,
        service=service,
        lead_council=cast.council_a,
        status=Arrangement.Status.PROPOSED,
        delivery_model=Arrangement.DeliveryModel.OWN_STAFF,
        legal_basis=Arrangement.LegalBasis.S101,
        specification="…",
        season_starts=3,
        season_ends=10,
        starts_on=TODAY,
        review_on=TODAY + datetime.timedelta(days=365),
        annual_value=Decimal("100.00"),
        charging=Arrangement.Charging.FIXED,
        proposed_by=cast.clerk_a,
    )
    for council in councils:
        ServedCouncil.objects.create(arrangement=arrangement, council=council, agreed_quantity=Decimal("4"))
    return arrangement


def waiting_request(council, service) -> IndividualRequest:
    return IndividualRequest.objects.create(
        area=council.area,
        council=council,
        service=service,
        capacity="…",
        equipment="…",
        insurance="…",
        annual_cost=Decimal("500.00"),
        starts_on=TODAY,
        submitted_by=None,
    )


def test_nothing_waiting_shows_nothing(cast, client_for, catalogue):
    for person in (cast.clerk_b, cast.clerk_c, cast.officer, cast.chair):
        assert HEADING not in home(client_for, person)


def test_a_clerk_sees_the_agreements_their_councils_owe(cast, client_for, grass_cutting):
    arrangement = proposal(cast, grass_cutting, 2, [cast.council_b])
    html = home(client_for, cast.clerk_b)
    assert f"{OWED} (1)" in html
    assert reverse("services:agree", args=[cast.cluster.slug, arrangement.number]) in html
    assert "not yet agreed: " + cast.council_b.name in html
    # The lead's clerk owes nothing; an outsider sees nothing; an officer decides no agreement.
    for person in (cast.clerk_a, cast.clerk_c, cast.officer):
        assert OWED not in home(client_for, person)
    # Once agreed, it no longer waits.
    ServedCouncil.objects.filter(arrangement=arrangement).update(minute_ref="1", resolved_on=TODAY)
    assert HEADING not in home(client_for, cast.clerk_b)


def test_the_lead_clerk_sees_an_arrangement_behind(cast, client_for, arrangement):
    html = home(client_for, cast.clerk_a)
    # Nothing delivered: behind whenever the season's pace expects something (services.progress).
    if behind_arrangement_ids([arrangement.pk], TODAY):
        assert f"{BEHIND} (1)" in html
        assert reverse("services:arrangement", args=[cast.cluster.slug, arrangement.number]) in html
    else:
        assert HEADING not in html
    # The served council's clerk is not told of the lead's pace here.
    assert BEHIND not in home(client_for, cast.clerk_b)


def test_an_officer_of_two_areas_sees_the_requests_waiting_in_each(cast, client_for, catalogue):
    # An officer of one area lands on its dashboard, whose own services panel counts the requests;
    # an officer of two keeps the home page, where this panel lists each area's.
    parish_services.grant_area_role(acting_user=None, area=cast.south, user=cast.officer, kind="officer")
    for _ in range(2):
        waiting_request(cast.council_c, catalogue.get(name="Urban grass cutting"))
    south_council = CouncilFactory(area=cast.south)
    waiting_request(south_council, cast.south.services.get(name="Urban grass cutting"))
    html = home(client_for, cast.officer)
    assert REQUESTS in html
    assert f"2 requests in {cast.north.name}" in html
    assert f"1 request in {cast.south.name}" in html
    assert reverse("services:request_queue", args=[cast.north.slug]) + "?status=waiting" in html
    # The councils' clerks decide none of them.
    assert REQUESTS not in home(client_for, cast.clerk_c)
    IndividualRequest.objects.update(status=IndividualRequest.Status.APPROVED)
    assert HEADING not in home(client_for, cast.officer)


def test_the_panel_keeps_its_query_count_as_what_waits_grows(cast, client_for, grass_cutting):
    # Clerk A acts for a growing number of councils, each owing an agreement; the officer of the
    # same person decides a growing number of requests.
    parish_services.grant_area_role(acting_user=None, area=cast.north, user=cast.clerk_a, kind="officer")
    client = client_for(cast.clerk_a)
    client.get(HOME)  # the first request of a session records it: not the page's work
    counts = []
    for size in (1, 8):
        while (n := ServedCouncil.objects.count()) < size:
            council = CouncilFactory(area=cast.north, name=f"Parish {n:02d}")
            parish_services.grant_council_role(
                acting_user=None, council=council, user=cast.clerk_a, kind="clerk"
            )
            Membership.objects.create(cluster=cast.cluster, council=council, status="member", joined_on=TODAY)
            proposal(cast, grass_cutting, 10 + n, [council])
            waiting_request(council, grass_cutting)
        with CaptureQueriesContext(connection) as captured:
            html = client.get(HOME).content.decode()
        counts.append(len(captured))
        assert f"{OWED} ({size})" in html
        assert f"{size} request{'s' if size > 1 else ''} in " in html
    assert counts[0] == counts[1], counts
