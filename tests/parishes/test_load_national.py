"""manage.py load_national on the first 200 parishes: areas from the district lookup, councils in
them with their district, clerks and area people whose access works, in a bounded number of queries."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from parishes import districts
from parishes.access import get_area_for_user, get_council_for_user
from parishes.models import Area, AreaRole, Council, CouncilRole
from parishes.national import UNASSIGNED, national_steps, parishes

LIMIT = 200

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    output = StringIO()
    call_command("load_national", "--limit", str(LIMIT), stdout=output)
    return output.getvalue()


def expected_area(code: str) -> str:
    district = districts.district_code_for_parish(code)
    if district is None:
        return UNASSIGNED
    lookups = districts._lookups()
    county = lookups.district_county.get(district)
    return lookups.county_name[county] if county else lookups.district_name[district]


def test_councils_are_made_in_their_areas_with_their_district(loaded):
    output = loaded
    rows = parishes(LIMIT)
    assert len(rows) == LIMIT
    assert Council.objects.count() == LIMIT
    assert {a.name for a in Area.objects.all()} == {expected_area(code) for code, _ in rows}
    councils = {c.gss_code: c for c in Council.objects.select_related("area", "district")}
    for code, name in rows:
        council = councils[code]
        assert council.name == name
        assert council.area.name == expected_area(code)
        district = districts.district_code_for_parish(code)
        assert (council.district.gss_code if council.district else None) == district
    assert "councils: 200" in output
    assert "Loaded in" in output


def test_every_council_has_a_clerk_who_sees_it(loaded):
    assert not Council.objects.filter(roles__isnull=True).exists()
    for council in Council.objects.all()[:25]:
        role = CouncilRole.objects.get(council=council, kind=CouncilRole.Kind.CLERK)
        assert not role.user.has_usable_password()
        seen, permissions = get_council_for_user(role.user, council.pk, "act_for_council")
        assert seen == council
        assert permissions.has("manage_council_people")


def test_an_officer_sees_their_area_and_its_councils_but_not_another(loaded):
    areas = list(Area.objects.all())
    assert len(areas) >= 2
    mine, other = areas[0], areas[1]
    officer = AreaRole.objects.get(area=mine, kind=AreaRole.Kind.OFFICER).user
    assert get_area_for_user(officer, mine.slug)[0] == mine
    council = mine.councils.first()
    _, permissions = get_council_for_user(officer, council.pk)
    assert not permissions.has("change_council")
    with pytest.raises(Http404):
        get_area_for_user(officer, other.slug)
    with pytest.raises(Http404):
        get_council_for_user(officer, other.councils.first().pk)
    admin = AreaRole.objects.get(area=mine, kind=AreaRole.Kind.ADMINISTRATOR).user
    assert get_area_for_user(admin, mine.slug, "manage_area")[0] == mine


def test_the_load_takes_a_bounded_number_of_queries(monkeypatch):
    # The councils and people alone: the steps registered after them bound their own queries.
    monkeypatch.setattr("parishes.national.national_steps", [])
    with CaptureQueriesContext(connection) as queries:
        call_command("load_national", "--limit", str(LIMIT), stdout=StringIO())
    assert len(queries) < 60


def test_it_refuses_a_database_with_councils_unless_forced(loaded):
    with pytest.raises(CommandError, match="already has councils"):
        call_command("load_national", "--limit", "5", stdout=StringIO())
    assert Council.objects.count() == LIMIT
    call_command("load_national", "--limit", str(LIMIT + 10), "--force", stdout=StringIO())
    assert Council.objects.count() == LIMIT + 10
    assert not Council.objects.filter(roles__isnull=True).exists()


def test_a_password_is_given_to_everyone_when_asked():
    call_command("load_national", "--limit", "20", "--password", "national-pass-1", stdout=StringIO())
    users = list(get_user_model().objects.all())
    assert users
    assert all(user.check_password("national-pass-1") for user in users[:3])


def test_registered_steps_run_after_councils_and_people_exist(monkeypatch):
    seen = []

    def step(load):
        seen.append((Council.objects.count(), AreaRole.objects.count()))
        load.add("widgets", 3)

    monkeypatch.setattr("parishes.national.national_steps", [*national_steps, step])
    output = StringIO()
    call_command("load_national", "--limit", "20", stdout=output)
    assert seen and seen[0][0] == 20 and seen[0][1] > 0
    assert "widgets: 3" in output.getvalue()
