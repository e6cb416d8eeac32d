"""Individual-model requests: a council's clerk asks, the area's officers and administrators decide
with reasons, the council is told by email after commit; a decided request is final; the officers'
queue (waiting first, oldest first), its filters and its spreadsheet; nobody outside sees any of it."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parishes.models import AuditEvent, District
from services import requests as request_services
from services.models import IndividualRequest, Service

TODAY = timezone.localdate()


def body(chosen, **changes):
    return {
        "service": chosen.pk,
        "capacity": "Two groundsmen, 20 hours a week each in season",
        "equipment": "Two mowers and a strimmer, serviced each spring",
        "insurance": "Public liability of £10m with Zurich",
        "annual_cost": "4250.50",
        "starts_on-day": "1",
        "starts_on-month": "4",
        "starts_on-year": str(TODAY.year + 1),
        **changes,
    }


def ask(cast, service, council=None, **changes) -> IndividualRequest:
    council = council or cast.council_a
    values = {
        "capacity": "Two groundsmen",
        "equipment": "Mowers",
        "insurance": "£10m",
        "annual_cost": Decimal("4250.50"),
        "starts_on": TODAY + datetime.timedelta(days=30),
        **changes,
    }
    clerk = {
        cast.council_a.pk: cast.clerk_a,
        cast.council_b.pk: cast.clerk_b,
        cast.council_c.pk: cast.clerk_c,
    }
    return request_services.submit_request(
        acting_user=clerk[council.pk], council=council, service=service, **values
    )


@pytest.fixture
def waiting(cast, grass_cutting):
    return ask(cast, grass_cutting)


# Asking


def test_the_clerk_asks_and_the_area_s_officers_are_emailed_after_commit(
    cast, client_for, grass_cutting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(cast.clerk_a).post(
            reverse("services:request_new", args=[cast.council_a.pk]), body(grass_cutting)
        )
        made = IndividualRequest.objects.get()
        assert response.status_code == 302 and response.url == reverse("services:request", args=[made.pk])
        assert mail.outbox == []  # nothing before the transaction commits
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.officer.email, cast.admin.email])
    assert "Ashby asks to deliver urban grass cutting" in mail.outbox[0].subject
    assert reverse("services:request", args=[made.pk]) in mail.outbox[0].body
    assert made.council == cast.council_a and made.area == cast.north and made.status == "waiting"
    assert made.annual_cost == Decimal("4250.50") and made.starts_on == datetime.date(TODAY.year + 1, 4, 1)
    event = AuditEvent.objects.get(action="request.submitted")
    assert event.council == cast.council_a and event.area == cast.north and event.actor == cast.clerk_a
    assert (
        event.after["annual_cost"] == "4250.50" and event.after["proposed_start"] == f"{TODAY.year + 1}-04-01"
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"annual_cost": "-0.01"}, "annual_cost", "£0 or more"),
        ({"annual_cost": "12.345"}, "annual_cost", "pounds and pence"),
        ({"annual_cost": "10000000.01"}, "annual_cost", "or less"),
        ({"annual_cost": "1e30"}, "annual_cost", "or less"),
        ({"annual_cost": "NaN"}, "annual_cost", "pounds and pence"),
        ({"annual_cost": "abc"}, "annual_cost", "pounds and pence"),
        ({"annual_cost": ""}, "annual_cost", "Enter the estimated annual cost"),
        ({"starts_on-year": str(TODAY.year - 1)}, "starts_on", "today or in the future"),
        ({"starts_on-year": "9999"}, "starts_on", "Enter a date between"),
        ({"starts_on-month": "13"}, "starts_on", ""),
        ({"capacity": ""}, "capacity", "staff and capacity"),
        ({"insurance": "x" * 5001}, "insurance", "5,000 characters"),
        ({"service": "999999"}, "service", "Select a service of the area"),
    ],
)
def test_bad_input_is_refused_by_its_field_and_nothing_is_sent(
    cast, client_for, grass_cutting, django_capture_on_commit_callbacks, changes, field, message
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(cast.clerk_a).post(
            reverse("services:request_new", args=[cast.council_a.pk]), body(grass_cutting, **changes)
        )
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert not IndividualRequest.objects.exists() and not callbacks
    assert not AuditEvent.objects.filter(action__startswith="request.").exists()


def test_a_retired_service_or_another_area_s_cannot_be_asked_for(cast, client_for, grass_cutting):
    grass_cutting.retired_at = timezone.now()
    grass_cutting.save()
    south = Service.objects.get(area=cast.south, name="Litter picking")
    client = client_for(cast.clerk_a)
    for service in (grass_cutting, south):
        response = client.post(reverse("services:request_new", args=[cast.council_a.pk]), body(service))
        assert response.status_code == 200 and "service" in response.context["form"].errors
    assert (
        "Urban grass cutting"
        not in client.get(reverse("services:request_new", args=[cast.council_a.pk])).content.decode()
    )
    with pytest.raises(request_services.RequestError):
        ask(cast, grass_cutting)
    assert not IndividualRequest.objects.exists()


@pytest.mark.parametrize("person", ["councillor_a", "rfo_a", "officer", "admin"])
def test_only_the_council_s_clerk_may_ask(cast, client_for, grass_cutting, person):
    client = client_for(getattr(cast, person))
    page = reverse("services:request_new", args=[cast.council_a.pk])
    assert client.get(page).status_code == 403
    assert client.post(page, body(grass_cutting)).status_code == 403
    assert not IndividualRequest.objects.exists()


@pytest.mark.parametrize("person", ["clerk_b", "clerk_c", "clerk_d", "south_officer", "south_admin"])
def test_outsiders_get_404_for_the_council_s_requests(cast, client_for, grass_cutting, waiting, person):
    client = client_for(getattr(cast, person))
    for page in (
        reverse("services:council_requests", args=[cast.council_a.pk]),
        reverse("services:request_new", args=[cast.council_a.pk]),
        reverse("services:request", args=[waiting.pk]),
        reverse("services:request_withdraw", args=[waiting.pk]),
    ):
        assert client.get(page).status_code == 404
        assert (
            client.post(page, {**body(grass_cutting), "outcome": "approve", "reasons": "x"}).status_code
            == 404
        )
    waiting.refresh_from_db()
    assert waiting.status == "waiting"
    assert IndividualRequest.objects.count() == 1


@pytest.mark.parametrize(("person", "asks"), [("clerk_a", True), ("councillor_a", False), ("officer", False)])
def test_the_council_s_list_shows_its_requests_and_outcomes(
    cast, client_for, grass_cutting, waiting, person, asks
):
    declined = ask(cast, Service.objects.get(area=cast.north, name="Sign cleaning"))
    request_services.decide_request(
        acting_user=cast.officer, request=declined, approve=False, reasons="No insurance"
    )
    page = (
        client_for(getattr(cast, person))
        .get(reverse("services:council_requests", args=[cast.council_a.pk]))
        .content.decode()
    )
    assert "Urban grass cutting" in page and "Waiting for a decision" in page
    assert "Sign cleaning" in page and "Declined" in page
    assert (reverse("services:request_new", args=[cast.council_a.pk]) in page) is asks


# Deciding


@pytest.mark.parametrize("decider", ["officer", "admin"])
def test_the_area_s_officers_and_administrators_decide_and_the_clerks_are_told_after_commit(
    cast, client_for, waiting, django_capture_on_commit_callbacks, decider
):
    client = client_for(getattr(cast, decider))
    page = client.get(reverse("services:request", args=[waiting.pk])).content.decode()
    assert "Decide the request" in page and "0 days waiting" in page
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("services:request", args=[waiting.pk]), {"outcome": "approve", "reasons": "A good case"}
        )
        assert response.status_code == 302 and mail.outbox == []
    for callback in callbacks:
        callback()
    waiting.refresh_from_db()
    assert waiting.status == "approved" and waiting.reasons == "A good case"
    assert waiting.decided_by == getattr(cast, decider) and waiting.decided_at is not None
    assert [m.to for m in mail.outbox] == [[cast.clerk_a.email]]
    assert "has been approved" in mail.outbox[0].subject and "A good case" in mail.outbox[0].body
    event = AuditEvent.objects.get(action="request.approved")
    assert event.council == cast.council_a and event.after == {
        "request_status": "approved",
        "reasons": "A good case",
    }


def test_declining_needs_reasons(cast, client_for, waiting, django_capture_on_commit_callbacks):
    client = client_for(cast.officer)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("services:request", args=[waiting.pk]), {"outcome": "decline", "reasons": "  "}
        )
    assert response.status_code == 200
    assert "Enter the reasons for declining" in response.context["form"].errors["reasons"][0]
    waiting.refresh_from_db()
    assert waiting.status == "waiting" and not callbacks
    with pytest.raises(request_services.RequestError):
        request_services.decide_request(acting_user=cast.officer, request=waiting, approve=False, reasons="")


@pytest.mark.parametrize("person", ["clerk_a", "councillor_a"])
def test_the_council_s_people_read_the_request_but_may_not_decide_it(cast, client_for, waiting, person):
    client = client_for(getattr(cast, person))
    page = client.get(reverse("services:request", args=[waiting.pk])).content.decode()
    assert "Two groundsmen" in page and "Decide the request" not in page
    assert (
        client.post(reverse("services:request", args=[waiting.pk]), {"outcome": "approve"}).status_code == 403
    )
    waiting.refresh_from_db()
    assert waiting.status == "waiting"


def test_a_decided_request_is_final(cast, client_for, waiting):
    request_services.decide_request(
        acting_user=cast.officer, request=waiting, approve=False, reasons="Too dear"
    )
    client = client_for(cast.admin)
    page = client.get(reverse("services:request", args=[waiting.pk])).content.decode()
    assert "This decision is final" in page and "Decide the request" not in page
    assert reverse("services:request_new", args=[cast.council_a.pk]) not in page
    clerk_page = client_for(cast.clerk_a).get(reverse("services:request", args=[waiting.pk])).content.decode()
    assert reverse("services:request_new", args=[cast.council_a.pk]) in clerk_page
    client = client_for(cast.admin)
    response = client.post(
        reverse("services:request", args=[waiting.pk]), {"outcome": "approve", "reasons": "Changed my mind"}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "declined" and waiting.reasons == "Too dear"
    with pytest.raises(request_services.RequestError, match="final"):
        request_services.decide_request(acting_user=cast.admin, request=waiting, approve=True, reasons="")
    # A new request may follow.
    assert ask(cast, waiting.service).status == "waiting"


def test_the_service_refuses_deciders_of_another_area(cast, waiting):
    with pytest.raises(request_services.RequestError):
        request_services.decide_request(
            acting_user=cast.south_officer, request=waiting, approve=True, reasons=""
        )
    with pytest.raises(request_services.RequestError):
        request_services.decide_request(acting_user=cast.clerk_a, request=waiting, approve=True, reasons="")


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"outcome": "maybe"},
        {"outcome": "approve", "reasons": "x" * 5001},
        {"outcome": ["approve", "decline"]},
    ],
)
def test_bad_decisions_are_refused_by_their_field(cast, client_for, waiting, data):
    response = client_for(cast.officer).post(reverse("services:request", args=[waiting.pk]), data)
    assert response.status_code == 200 and response.context["form"].errors
    waiting.refresh_from_db()
    assert waiting.status == "waiting"


# Withdrawing


def test_the_clerk_withdraws_a_waiting_request(cast, client_for, waiting):
    client = client_for(cast.clerk_a)
    assert (
        "Withdraw the request" in client.get(reverse("services:request", args=[waiting.pk])).content.decode()
    )
    assert client.get(reverse("services:request_withdraw", args=[waiting.pk])).status_code == 200
    response = client.post(reverse("services:request_withdraw", args=[waiting.pk]))
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "withdrawn"
    assert AuditEvent.objects.filter(action="request.withdrawn", council=cast.council_a).exists()


@pytest.mark.parametrize("person", ["councillor_a", "officer", "admin"])
def test_others_who_see_the_request_may_not_withdraw_it(cast, client_for, waiting, person):
    client = client_for(getattr(cast, person))
    assert client.get(reverse("services:request_withdraw", args=[waiting.pk])).status_code == 403
    assert client.post(reverse("services:request_withdraw", args=[waiting.pk])).status_code == 403
    waiting.refresh_from_db()
    assert waiting.status == "waiting"


def test_a_decided_request_cannot_be_withdrawn(cast, client_for, waiting):
    request_services.decide_request(acting_user=cast.officer, request=waiting, approve=True, reasons="")
    response = client_for(cast.clerk_a).post(reverse("services:request_withdraw", args=[waiting.pk]))
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "approved"


# The officers' queue


@pytest.fixture
def register(cast, catalogue):
    """Council A waited 20 days, C 5 days, B asked today; one of A's decided, one of C's withdrawn."""
    district = District.objects.create(gss_code="E07000030", name="Eden")
    cast.council_c.district = district
    cast.council_c.save()
    grass, signs, litter = (
        catalogue.get(name=n) for n in ("Urban grass cutting", "Sign cleaning", "Litter picking")
    )
    made = {
        "a_waiting": ask(cast, grass),
        "c_waiting": ask(cast, signs, council=cast.council_c),
        "b_waiting": ask(cast, litter, council=cast.council_b),
        "a_declined": ask(cast, signs),
        "c_withdrawn": ask(cast, grass, council=cast.council_c),
    }
    now = timezone.now()
    for name, days in (("a_waiting", 20), ("c_waiting", 5), ("a_declined", 40), ("c_withdrawn", 30)):
        IndividualRequest.objects.filter(pk=made[name].pk).update(
            submitted_at=now - datetime.timedelta(days=days)
        )
    request_services.decide_request(
        acting_user=cast.officer, request=made["a_declined"], approve=False, reasons="Too dear"
    )
    request_services.withdraw_request(acting_user=cast.clerk_c, request=made["c_withdrawn"])
    return {name: IndividualRequest.objects.get(pk=r.pk) for name, r in made.items()}


def queue_url(cast, **filters):
    return reverse("services:request_queue", args=[cast.north.slug]), filters


def test_the_queue_shows_the_waiting_first_oldest_first_with_days_waiting(cast, client_for, register):
    response = client_for(cast.officer).get(reverse("services:request_queue", args=[cast.north.slug]))
    shown = [r.pk for r in response.context["page_obj"]]
    assert shown == [
        register[n].pk for n in ("a_waiting", "c_waiting", "b_waiting", "a_declined", "c_withdrawn")
    ]
    page = response.content.decode()
    assert (
        "20 days</strong> waiting" in page
        and "5 days</strong> waiting" in page
        and "0 days</strong> waiting" in page
    )


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "waiting"}, ["a_waiting", "c_waiting", "b_waiting"]),
        ({"status": "declined"}, ["a_declined"]),
        ({"district": "E07000030"}, ["c_waiting", "c_withdrawn"]),
        ({"district": "none"}, ["a_waiting", "b_waiting", "a_declined"]),
        ({"service": "signs"}, ["c_waiting", "a_declined"]),
        ({"status": "waiting", "service": "signs"}, ["c_waiting"]),
        # A bad value is shown by its field and filters nothing.
        ({"status": "lost"}, ["a_waiting", "c_waiting", "b_waiting", "a_declined", "c_withdrawn"]),
        ({"service": "abc"}, ["a_waiting", "c_waiting", "b_waiting", "a_declined", "c_withdrawn"]),
    ],
)
def test_the_queue_filters_by_status_district_and_service(
    cast, client_for, catalogue, register, filters, expected
):
    if filters.get("service") == "signs":
        filters = {**filters, "service": catalogue.get(name="Sign cleaning").pk}
    response = client_for(cast.admin).get(reverse("services:request_queue", args=[cast.north.slug]), filters)
    assert response.status_code == 200
    assert [r.pk for r in response.context["page_obj"]] == [register[n].pk for n in expected]


def test_the_queue_s_spreadsheet_is_the_area_s_register(cast, client_for, register):
    response = client_for(cast.officer).get(
        reverse("services:request_queue_csv", args=[cast.north.slug]), {"status": ""}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["Submitted on", "Council", "District", "Service"]
    assert len(rows) == 6
    declined = next(row for row in rows if row[6] == "Declined")
    assert declined[1] == "Ashby" and declined[9] == "Too dear" and declined[4] == "4250.50"
    assert rows[1][1] == "Ashby" and rows[1][6] == "Waiting for a decision" and rows[1][10] == "20"
    filtered = client_for(cast.officer).get(
        reverse("services:request_queue_csv", args=[cast.north.slug]), {"district": "E07000030"}
    )
    assert len(list(csv.reader(io.StringIO(b"".join(filtered.streaming_content).decode("utf-8-sig"))))) == 3


@pytest.mark.parametrize("person", ["clerk_a", "councillor_a", "clerk_c", "chair"])
def test_council_people_do_not_open_the_queue(cast, client_for, register, person):
    client = client_for(getattr(cast, person))
    assert client.get(reverse("services:request_queue", args=[cast.north.slug])).status_code == 404
    assert client.get(reverse("services:request_queue_csv", args=[cast.north.slug])).status_code == 404


def test_another_area_s_officers_see_only_their_own_queue(cast, client_for, register):
    client = client_for(cast.south_officer)
    assert client.get(reverse("services:request_queue", args=[cast.north.slug])).status_code == 404
    response = client.get(reverse("services:request_queue", args=[cast.south.slug]))
    assert response.status_code == 200 and response.context["page_obj"].paginator.count == 0


def test_the_queue_pages_25_at_a_time(cast, client_for, catalogue, grass_cutting):
    for _ in range(27):
        ask(cast, grass_cutting)
    client = client_for(cast.officer)
    first = client.get(reverse("services:request_queue", args=[cast.north.slug]))
    assert len(first.context["page_obj"]) == 25
    second = client.get(reverse("services:request_queue", args=[cast.north.slug]), {"page": "2"})
    assert len(second.context["page_obj"]) == 2


# The council page's panel


def test_the_council_page_shows_its_requests_to_its_people_and_the_area_s_officers(cast, client_for, waiting):
    for person, asks in ((cast.clerk_a, True), (cast.councillor_a, False), (cast.officer, False)):
        page = client_for(person).get(reverse("parishes:council", args=[cast.council_a.pk])).content.decode()
        assert "Requests to deliver services alone" in page
        assert reverse("services:request", args=[waiting.pk]) in page
        assert (reverse("services:request_new", args=[cast.council_a.pk]) in page) is asks
    # Council B's page shows none of A's requests.
    page = (
        client_for(cast.clerk_b).get(reverse("parishes:council", args=[cast.council_b.pk])).content.decode()
    )
    assert reverse("services:request", args=[waiting.pk]) not in page


# Query counts


def queries_for(client, page, data=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page, data)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured)


def settled_queries(client, page) -> int:
    queries_for(client, page)  # the first request of a session reads more
    return queries_for(client, page)


def test_the_queue_the_council_list_and_the_panel_read_as_many_queries_for_few_requests_as_for_many(
    cast, client_for, catalogue, register
):
    pages = [
        (cast.officer, reverse("services:request_queue", args=[cast.north.slug])),
        (cast.officer, reverse("services:request_queue_csv", args=[cast.north.slug])),
        (cast.clerk_a, reverse("services:council_requests", args=[cast.council_a.pk])),
        (cast.clerk_a, reverse("parishes:council", args=[cast.council_a.pk])),
    ]
    few = [settled_queries(client_for(person), page) for person, page in pages]
    services = list(catalogue)
    for n in range(40):
        made = ask(
            cast, services[n % len(services)], council=(cast.council_a, cast.council_b, cast.council_c)[n % 3]
        )
        if n % 4 == 0:
            request_services.decide_request(
                acting_user=cast.admin, request=made, approve=n % 8 == 0, reasons="Because"
            )
    assert [settled_queries(client_for(person), page) for person, page in pages] == few
