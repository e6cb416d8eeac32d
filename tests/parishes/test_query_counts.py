"""Pages keep the same, small number of SQL queries however much data there is."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parishes import services
from parishes.models import Council
from tests.factories import AreaFactory, UserFactory

MAX_QUERIES = 20


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def build(size):
    area = AreaFactory()
    councils = Council.objects.bulk_create(
        Council(area=area, name=f"Council {i}", gss_code=f"E04{size * 1000 + i:06d}", kind="parish_council")
        for i in range(size)
    )
    clerk, officer = UserFactory(), UserFactory()
    for council in councils:
        services.grant_council_role(acting_user=None, council=council, user=clerk, kind="clerk")
    services.grant_area_role(acting_user=None, area=area, user=officer, kind="officer")
    return area, clerk, officer


@pytest.mark.parametrize("page", ["home", "area", "council", "people"])
def test_query_count_does_not_grow_with_councils(client, db, page):
    counts = []
    for size in (5, 500):
        area, clerk, officer = build(size)
        council = area.councils.first()
        user, url = {
            "home": (clerk, reverse("parishes:home")),
            "area": (officer, reverse("parishes:area", args=[area.slug])),
            "council": (officer, reverse("parishes:council", args=[council.pk])),
            "people": (clerk, reverse("parishes:council_people", args=[council.pk])),
        }[page]
        client.force_login(user)
        counts.append(queries_for(client, url))
    assert counts[0] == counts[1], counts
    assert counts[0] <= MAX_QUERIES
