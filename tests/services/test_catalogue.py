"""The area's service catalogue: administrators keep it, officers read it, nobody else opens it; names
unique in the area; retired entries stay where they are used but cannot be chosen again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parishes.models import AuditEvent
from services import catalogue as catalogue_services
from services.catalogue import USUAL_SERVICES, CatalogueError
from services.models import Service, TrainingCourse


def url(name, cast, *args):
    return reverse(f"services:{name}", args=[cast.north.slug, *args])


def body(**changes):
    course = TrainingCourse.objects.get(name="Manual handling")
    return {
        "name": "Grit bin filling",
        "unit": "visits",
        "description": "Bins topped up",
        "required_training": [course.pk],
        **changes,
    }


# Who sees what


def test_administrators_and_officers_read_the_catalogue(cast, client_for, catalogue):
    for person, keeps in ((cast.admin, True), (cast.officer, False)):
        response = client_for(person).get(url("catalogue", cast))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Urban grass cutting" in page and "Strimmer and brushcutter use" in page
        assert ("Add a service" in page) is keeps
        assert (url("catalogue_edit", cast, catalogue.get(name="Litter picking").pk) in page) is keeps


@pytest.mark.parametrize("person", ["clerk_a", "councillor_a", "clerk_c", "south_officer", "south_admin"])
def test_council_people_and_other_areas_do_not_open_the_catalogue(cast, client_for, catalogue, person):
    service = catalogue.get(name="Litter picking")
    client = client_for(getattr(cast, person))
    for page in (
        url("catalogue", cast),
        url("catalogue_add", cast),
        url("catalogue_edit", cast, service.pk),
        url("catalogue_retire", cast, service.pk),
        url("catalogue_usual", cast),
    ):
        assert client.get(page).status_code == 404
        assert client.post(page, body()).status_code == 404
    assert Service.objects.filter(area=cast.north).count() == len(USUAL_SERVICES)


def test_officers_may_not_change_the_catalogue(cast, client_for, catalogue):
    service = catalogue.get(name="Litter picking")
    client = client_for(cast.officer)
    for page in (
        url("catalogue_add", cast),
        url("catalogue_edit", cast, service.pk),
        url("catalogue_retire", cast, service.pk),
    ):
        assert client.get(page).status_code == 403
        assert client.post(page, body()).status_code == 403
    assert client.post(url("catalogue_usual", cast)).status_code == 403
    service.refresh_from_db()
    assert service.name == "Litter picking" and service.retired_at is None
    assert not AuditEvent.objects.filter(action__startswith="service.").exists()


def test_the_catalogue_of_another_area_is_not_reached_through_this_one(cast, client_for, catalogue):
    south_service = Service.objects.get(area=cast.south, name="Litter picking")
    client = client_for(cast.admin)
    assert client.get(url("catalogue_edit", cast, south_service.pk)).status_code == 404
    assert client.post(url("catalogue_retire", cast, south_service.pk)).status_code == 404
    south_service.refresh_from_db()
    assert south_service.retired_at is None


# Keeping it


def test_an_administrator_adds_a_service_with_its_training_and_it_is_audited(cast, client_for, catalogue):
    response = client_for(cast.admin).post(url("catalogue_add", cast), body(name="  Grit bin   filling "))
    assert response.status_code == 302 and response.url == url("catalogue", cast)
    service = Service.objects.get(area=cast.north, name="Grit bin filling")
    assert service.unit == "visits"
    assert [c.name for c in service.required_training.all()] == ["Manual handling"]
    event = AuditEvent.objects.get(action="service.added")
    assert event.area == cast.north and event.council is None and event.actor == cast.admin
    assert event.after["required_training"] == ["Manual handling"]


@pytest.mark.parametrize("name", ["Litter picking", "LITTER PICKING", " litter  picking "])
def test_a_name_the_area_already_uses_is_refused_by_the_field(cast, client_for, catalogue, name):
    response = client_for(cast.admin).post(url("catalogue_add", cast), body(name=name))
    assert response.status_code == 200
    assert "already has a service called" in response.context["form"].errors["name"][0]
    assert Service.objects.filter(area=cast.north).count() == len(USUAL_SERVICES)


def test_the_same_name_in_another_area_is_no_clash(cast, catalogue):
    catalogue_add_as(cast.admin, cast, area=cast.north)
    catalogue_add_as(cast.south_admin, cast, area=cast.south)
    assert Service.objects.filter(name="New").count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "Two\nlines"}, "name"),
        ({"unit": "furlongs"}, "unit"),
        ({"required_training": ["999999"]}, "required_training"),
        ({"required_training": ["abc"]}, "required_training"),
        ({"description": "x" * 1001}, "description"),
    ],
)
def test_bad_input_is_refused_by_its_field_and_nothing_changes(cast, client_for, catalogue, changes, field):
    response = client_for(cast.admin).post(url("catalogue_add", cast), body(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Service.objects.filter(area=cast.north).count() == len(USUAL_SERVICES)


def test_an_administrator_renames_a_service_and_changes_its_training(cast, client_for, catalogue):
    service = catalogue.get(name="Litter picking")
    response = client_for(cast.admin).post(
        url("catalogue_edit", cast, service.pk), body(name="Litter and fly-tip clearing", unit="bags")
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.name == "Litter and fly-tip clearing"
    assert [c.name for c in service.required_training.all()] == ["Manual handling"]
    event = AuditEvent.objects.get(action="service.changed")
    assert event.before == {
        "service": "Litter picking",
        "service_description": "Litter picked from verges, lay-bys and open spaces",
        "required_training": [],
    }
    assert event.after["service"] == "Litter and fly-tip clearing"


def test_renaming_to_another_entry_s_name_is_refused(cast, client_for, catalogue):
    service = catalogue.get(name="Litter picking")
    response = client_for(cast.admin).post(
        url("catalogue_edit", cast, service.pk), body(name="Sign cleaning")
    )
    assert (
        response.status_code == 200
        and "already has a service called" in response.context["form"].errors["name"][0]
    )
    service.refresh_from_db()
    assert service.name == "Litter picking"


def test_the_unit_of_a_service_in_use_cannot_change(cast, client_for, arrangement):
    service = arrangement.service
    page = client_for(cast.admin).get(url("catalogue_edit", cast, service.pk)).content.decode()
    assert "its unit cannot change" in page
    response = client_for(cast.admin).post(
        url("catalogue_edit", cast, service.pk), body(name=service.name, unit="hours")
    )
    assert response.status_code == 200
    assert "unit cannot change" in response.context["form"].errors["unit"][0]
    service.refresh_from_db()
    assert service.unit == "cuts"


def test_a_retired_service_stays_on_its_arrangements_and_comes_back(cast, client_for, arrangement):
    service = arrangement.service
    client = client_for(cast.admin)
    confirm = client.get(url("catalogue_retire", cast, service.pk))
    assert "1 arrangement that uses it keep" in confirm.content.decode()
    assert client.post(url("catalogue_retire", cast, service.pk)).status_code == 302
    service.refresh_from_db()
    arrangement.refresh_from_db()
    assert service.retired_at is not None and arrangement.service == service
    assert service not in catalogue_services.live_services(cast.north.pk)
    page = client.get(url("catalogue", cast)).content.decode()
    assert "Retired (1)" in page and "Bring back" in page
    assert client.post(url("catalogue_retire", cast, service.pk)).status_code == 302
    service.refresh_from_db()
    assert service.retired_at is None
    assert list(
        AuditEvent.objects.filter(action__startswith="service.")
        .values_list("action", flat=True)
        .order_by("pk")
    ) == [
        "service.retired",
        "service.restored",
    ]


def test_the_service_refuses_people_who_do_not_keep_the_catalogue(cast, catalogue):
    with pytest.raises(CatalogueError):
        catalogue_add_as(cast.officer, cast)
    with pytest.raises(CatalogueError):
        catalogue_add_as(cast.south_admin, cast)


def catalogue_add_as(person, cast, area=None):
    return catalogue_services.add_service(
        acting_user=person, area=area or cast.north, name="New", unit="bags"
    )


# The empty catalogue


def test_an_empty_catalogue_offers_the_usual_services(cast, client_for):
    client = client_for(cast.admin)
    page = client.get(url("catalogue", cast)).content.decode()
    assert "Add the usual devolved services" in page
    officer_page = client_for(cast.officer).get(url("catalogue", cast)).content.decode()
    assert "Add the usual devolved services" not in officer_page and "The catalogue is empty" in officer_page
    client = client_for(cast.admin)
    assert client.get(url("catalogue_usual", cast)).status_code == 302  # a GET adds nothing
    assert not Service.objects.filter(area=cast.north).exists()
    assert client.post(url("catalogue_usual", cast)).status_code == 302
    assert Service.objects.filter(area=cast.north).count() == len(USUAL_SERVICES)
    event = AuditEvent.objects.get(action="service.usual_added")
    assert len(event.after["services_added"]) == len(USUAL_SERVICES)
    assert client.post(url("catalogue_usual", cast)).status_code == 302  # again: nothing more
    assert AuditEvent.objects.filter(action="service.usual_added").count() == 1


def test_the_history_reads_the_catalogue_kind(cast, client_for, catalogue):
    from parishes.audit_display import kind_of, rows

    catalogue_add_as(cast.admin, cast)
    event = AuditEvent.objects.get(action="service.added")
    assert kind_of(event.action) == "Service catalogue"
    assert ("Unit of delivery", "bags") in rows(event.after)


# The dashboard's way in


def test_the_dashboard_links_to_the_catalogue_on_the_page_not_on_paper(cast, client_for, catalogue):
    from parishes.panels import render_area_panels

    page = (
        client_for(cast.officer)
        .get(reverse("parishes:area_dashboard", args=[cast.north.slug]))
        .content.decode()
    )
    assert "13 services in the catalogue" in page and url("catalogue", cast) in page
    assert not any(url("catalogue", cast) in panel for panel in render_area_panels(cast.north, medium="pdf"))


# Query counts


def queries_for(client, page) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page)
    assert response.status_code == 200
    return len(captured)


def test_the_catalogue_reads_as_many_queries_for_a_few_services_as_for_many(cast, client_for, arrangement):
    client = client_for(cast.admin)
    queries_for(client, url("catalogue", cast))  # the first request of a session reads more
    few = queries_for(client, url("catalogue", cast))
    courses = list(TrainingCourse.objects.all())
    for n in range(30):
        service = Service.objects.create(area=cast.north, name=f"Extra {n}", unit="hours")
        service.required_training.set(courses[: n % 4])
    # Some retired, as the page lists them apart.
    Service.objects.filter(name__startswith="Extra 1").update(retired_at=arrangement.proposed_at)
    assert queries_for(client, url("catalogue", cast)) == few
