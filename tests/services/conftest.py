"""The services cast: North's catalogue, and an active arrangement in the cluster Eden Valley in which
council A (the lead, clerk A) cuts the grass of council B (clerk B), six cuts a season."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from services.catalogue import add_usual_services
from services.models import Arrangement, ServedCouncil, Service, Site


@pytest.fixture
def catalogue(cast):
    add_usual_services(area=cast.north)
    add_usual_services(area=cast.south)
    return Service.objects.filter(area=cast.north)


@pytest.fixture
def grass_cutting(catalogue):
    return catalogue.get(name="Urban grass cutting")


@pytest.fixture
def site_b(cast):
    return Site.objects.create(council=cast.council_b, name="Church green", what_is_there="Grass, 0.2 ha")


@pytest.fixture
def arrangement(cast, grass_cutting, site_b):
    """Active since the start of last year's season, agreed by council B."""
    today = timezone.localdate()
    arrangement = Arrangement.objects.create(
        cluster=cast.cluster,
        number=1,
        service=grass_cutting,
        lead_council=cast.council_a,
        status=Arrangement.Status.ACTIVE,
        delivery_model=Arrangement.DeliveryModel.OWN_STAFF,
        legal_basis=Arrangement.LegalBasis.S101,
        specification="Six cuts a season of the church green, March to October",
        season_starts=3,
        season_ends=10,
        starts_on=datetime.date(today.year - 1, 3, 1),
        review_on=datetime.date(today.year + 1, 1, 31),
        annual_value=Decimal("1200.00"),
        charging=Arrangement.Charging.FIXED,
        proposed_by=cast.clerk_a,
    )
    arrangement.sites.add(site_b)
    ServedCouncil.objects.create(
        arrangement=arrangement,
        council=cast.council_b,
        agreed_quantity=Decimal("6"),
        minute_ref="24/31",
        resolved_on=datetime.date(today.year - 1, 2, 1),
        recorded_by=cast.clerk_b,
        recorded_at=timezone.now(),
    )
    return arrangement
