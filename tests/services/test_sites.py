"""A council's sites: kept by whoever acts for the council, read by its people and the area's officers,
hidden from everyone else; grid references checked and stored in one form; every change audited."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parishes.models import AuditEvent
from services import sites
from services.models import Site


def url(name, council, *args):
    return reverse(f"services:{name}", args=[council.pk, *args])


def body(**changes):
    return {
        "name": "Village green",
        "what_is_there": "Grass, 0.4 ha, two benches",
        "where": "Between the church and the school",
        "grid_reference": "ny 7720 0870",
        **changes,
    }


# Who sees what


@pytest.mark.parametrize(
    ("person", "keeps"), [("clerk_b", True), ("chair", False), ("officer", False), ("admin", False)]
)
def test_the_council_s_people_and_the_area_s_officers_read_its_sites(cast, client_for, site_b, person, keeps):
    response = client_for(getattr(cast, person)).get(url("sites", cast.council_b))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Church green" in page and "Grass, 0.2 ha" in page
    assert ("Add a site" in page) is keeps
    assert (url("site_edit", cast.council_b, site_b.pk) in page) is keeps


@pytest.mark.parametrize("person", ["chair", "officer", "admin"])
def test_people_who_do_not_act_for_the_council_may_not_change_its_sites(cast, client_for, site_b, person):
    # The chair is a councillor of B; the officer and the administrator see B through the area.
    client = client_for(getattr(cast, person))
    for page in (
        url("site_add", cast.council_b),
        url("site_edit", cast.council_b, site_b.pk),
        url("site_retire", cast.council_b, site_b.pk),
    ):
        assert client.get(page).status_code == 403
        assert client.post(page, body()).status_code == 403
    site_b.refresh_from_db()
    assert site_b.name == "Church green" and site_b.retired_at is None
    assert Site.objects.count() == 1


@pytest.mark.parametrize("person", ["clerk_a", "clerk_c", "clerk_d", "south_officer", "south_admin"])
def test_other_councils_and_other_areas_get_404(cast, client_for, site_b, person):
    # Clerk A is in B's cluster, but B's sites are B's: they are chosen for arrangements there.
    client = client_for(getattr(cast, person))
    for page in (
        url("sites", cast.council_b),
        url("site_add", cast.council_b),
        url("site_edit", cast.council_b, site_b.pk),
        url("site_retire", cast.council_b, site_b.pk),
    ):
        assert client.get(page).status_code == 404
        assert client.post(page, body()).status_code == 404
    assert Site.objects.count() == 1


def test_a_site_is_reached_only_through_its_own_council(cast, client_for, site_b):
    client = client_for(cast.clerk_a)
    assert client.get(url("site_edit", cast.council_a, site_b.pk)).status_code == 404
    assert client.post(url("site_retire", cast.council_a, site_b.pk)).status_code == 404
    site_b.refresh_from_db()
    assert site_b.retired_at is None


# Keeping them


def test_the_clerk_adds_a_site_its_grid_reference_stored_in_one_form_and_audited(cast, client_for):
    response = client_for(cast.clerk_b).post(url("site_add", cast.council_b), body())
    assert response.status_code == 302 and response.url == url("sites", cast.council_b)
    site = Site.objects.get(council=cast.council_b, name="Village green")
    assert site.grid_reference == "NY 7720 0870"
    event = AuditEvent.objects.get(action="site.added")
    assert event.council == cast.council_b and event.area == cast.north and event.actor == cast.clerk_b
    assert event.after["site"] == "Village green" and event.after["grid_reference"] == "NY 7720 0870"


def test_the_grid_reference_is_optional(cast, client_for):
    response = client_for(cast.clerk_b).post(url("site_add", cast.council_b), body(grid_reference=""))
    assert response.status_code == 302
    assert Site.objects.get(name="Village green").grid_reference == ""


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"grid_reference": "NY 720"}, "grid_reference", "even number of digits"),
        ({"grid_reference": "XX 1234 5678"}, "grid_reference", "not a square of the National Grid"),
        ({"grid_reference": "x" * 41}, "grid_reference", "even number of digits"),
        ({"name": "Church green"}, "name", "already has a site called"),
        ({"name": " CHURCH   GREEN "}, "name", "already has a site called"),
        ({"name": ""}, "name", "Enter the site"),
        ({"name": "Two\nlines"}, "name", "one line"),
        ({"what_is_there": "x" * 301}, "what_is_there", "300 characters"),
        ({"where": "x" * 2001}, "where", "2,000 characters"),
    ],
)
def test_bad_input_is_refused_by_its_field_and_nothing_changes(
    cast, client_for, site_b, changes, field, message
):
    response = client_for(cast.clerk_b).post(url("site_add", cast.council_b), body(**changes))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert Site.objects.count() == 1
    assert not AuditEvent.objects.filter(action__startswith="site.").exists()


def test_the_same_name_in_another_council_is_no_clash(cast, client_for, site_b):
    response = client_for(cast.clerk_a).post(url("site_add", cast.council_a), body(name="Church green"))
    assert response.status_code == 302
    assert Site.objects.filter(name="Church green").count() == 2


def test_the_clerk_changes_a_site_and_only_what_changed_is_recorded(cast, client_for, site_b):
    client = client_for(cast.clerk_b)
    response = client.post(
        url("site_edit", cast.council_b, site_b.pk),
        body(name="Church green", what_is_there="Grass, 0.2 ha", where="", grid_reference="NY7708"),
    )
    assert response.status_code == 302
    site_b.refresh_from_db()
    assert site_b.grid_reference == "NY 77 08"
    event = AuditEvent.objects.get(action="site.changed")
    assert event.before == {"grid_reference": ""} and event.after == {"grid_reference": "NY 77 08"}
    # The same again changes nothing, and records nothing.
    client.post(
        url("site_edit", cast.council_b, site_b.pk),
        body(name="Church green", what_is_there="Grass, 0.2 ha", where="", grid_reference="ny 77 08"),
    )
    assert AuditEvent.objects.filter(action="site.changed").count() == 1


def test_a_retired_site_stays_on_its_arrangement_and_comes_back(cast, client_for, arrangement, site_b):
    client = client_for(cast.clerk_b)
    confirm = client.get(url("site_retire", cast.council_b, site_b.pk)).content.decode()
    assert "1 arrangement that names it" in confirm
    assert client.post(url("site_retire", cast.council_b, site_b.pk)).status_code == 302
    site_b.refresh_from_db()
    assert site_b.retired_at is not None and site_b in arrangement.sites.all()
    page = client.get(url("sites", cast.council_b)).content.decode()
    assert "Retired (1)" in page and "has no sites yet" in page
    assert client.post(url("site_retire", cast.council_b, site_b.pk)).status_code == 302
    site_b.refresh_from_db()
    assert site_b.retired_at is None
    actions = (
        AuditEvent.objects.filter(action__startswith="site.").order_by("pk").values_list("action", flat=True)
    )
    assert list(actions) == ["site.retired", "site.restored"]


def test_the_service_refuses_people_who_do_not_act_for_the_council(cast, site_b):
    for person in (cast.officer, cast.clerk_a, cast.chair):
        with pytest.raises(sites.SiteError):
            sites.add_site(acting_user=person, council=cast.council_b, name="Somewhere")
        with pytest.raises(sites.SiteError):
            sites.set_retired(acting_user=person, site=site_b, retired=True)
    assert Site.objects.count() == 1


def test_the_council_s_history_reads_the_sites_kind(cast, site_b):
    from parishes.audit_display import kind_of, rows

    sites.add_site(
        acting_user=cast.clerk_b, council=cast.council_b, name="Bus shelter", grid_reference="NY 77 08"
    )
    event = AuditEvent.objects.get(action="site.added")
    assert kind_of(event.action) == "Sites"
    assert ("OS grid reference", "NY 77 08") in rows(event.after)


# Query counts


def queries_for(client, page) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page)
    assert response.status_code == 200
    return len(captured)


def test_the_sites_list_reads_as_many_queries_for_one_site_as_for_forty(cast, client_for, site_b):
    client = client_for(cast.clerk_b)
    queries_for(client, url("sites", cast.council_b))  # the first request of a session reads more
    few = queries_for(client, url("sites", cast.council_b))
    Site.objects.bulk_create(
        Site(council=cast.council_b, name=f"Verge {n}", grid_reference="NY 77 08") for n in range(40)
    )
    # Some retired, as the page lists them apart.
    Site.objects.filter(name__startswith="Verge 1").update(retired_at=timezone.now())
    assert queries_for(client, url("sites", cast.council_b)) == few
