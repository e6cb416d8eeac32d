"""The services' panels: on the council page, what the council delivers and receives; on the area's
dashboard (page and PDF), the arrangements by status and delivery model, the councils covered, those
behind and the requests waiting. Who sees what, the empty states, and queries that do not grow."""

import csv
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clusters.models import Membership
from parishes.access import Permissions
from parishes.dashboard_pdf import render_area_dashboard_pdf
from parishes.models import Council, District
from services.dashboard import services_panel
from services.models import Arrangement, Delivery, IndividualRequest, ServedCouncil
from services.panels import council_services
from services.seasons import season_of

TODAY = timezone.localdate()


def council_page(client_for, user, council):
    response = client_for(user).get(reverse("parishes:council", args=[council.pk]))
    assert response.status_code == 200
    return response.content.decode()


def services_part(html: str) -> str:
    """The council page's services panel, up to the next panel's heading."""
    start = html.index('<h2 class="govuk-heading-m">Services</h2>')
    end = html.find("<h2", start + 1)
    return html[start : end if end > 0 else None]


def running_all_year(arrangement):
    """A twelve-month season ending this month: today is near its end, whatever day the suite runs,
    so that nothing delivered is behind."""
    arrangement.season_starts = TODAY.month % 12 + 1
    arrangement.season_ends = TODAY.month
    arrangement.save()


def deliver(cast, arrangement, quantity, council=None):
    starts, ends = arrangement.season_starts, arrangement.season_ends
    return Delivery.objects.create(
        arrangement=arrangement,
        council=council or cast.council_b,
        done_on=season_of(TODAY, starts, ends).starts_on,
        quantity=Decimal(quantity),
        recorded_by=cast.clerk_a,
    )


def waiting_request(cast, service, council=None):
    council = council or cast.council_c
    return IndividualRequest.objects.create(
        area=council.area,
        council=council,
        service=service,
        capacity="…",
        equipment="…",
        insurance="…",
        annual_cost=Decimal("500.00"),
        starts_on=TODAY,
        submitted_by=cast.clerk_c,
    )


# The council page


def test_the_lead_sees_what_it_delivers_and_for_whom(cast, client_for, arrangement):
    deliver(cast, arrangement, "2.5")
    panel = services_part(council_page(client_for, cast.clerk_a, cast.council_a))

    assert "Delivers for other councils" in panel
    assert f'href="/clusters/{cast.cluster.slug}/services/1/"' in panel
    assert "Urban grass cutting" in panel and "Eden Valley" in panel
    assert "Brampton" in panel and "Active" in panel
    assert "2.5 of 6 cuts" in panel
    # It receives nothing.
    assert panel.count("None.") == 1


def test_a_served_council_sees_what_it_receives_and_from_whom(cast, client_for, arrangement):
    deliver(cast, arrangement, "4")
    panel = services_part(council_page(client_for, cast.clerk_b, cast.council_b))

    assert "Receives from other councils" in panel
    assert "Ashby" in panel and "4 of 6 cuts" in panel
    assert f'href="/clusters/{cast.cluster.slug}/services/1/"' in panel


def test_a_served_council_sees_only_what_it_received(cast, client_for, arrangement):
    """The lead serves two councils: each one's page shows its own figures, the lead's their sum."""
    Membership.objects.create(cluster=cast.cluster, council=cast.council_c, status=Membership.Status.MEMBER)
    ServedCouncil.objects.create(
        arrangement=arrangement, council=cast.council_c, agreed_quantity=Decimal("4")
    )
    deliver(cast, arrangement, "1")
    deliver(cast, arrangement, "3", council=cast.council_c)

    assert "1 of 6 cuts" in services_part(council_page(client_for, cast.clerk_b, cast.council_b))
    assert "3 of 4 cuts" in services_part(council_page(client_for, cast.clerk_c, cast.council_c))
    assert "4 of 10 cuts" in services_part(council_page(client_for, cast.clerk_a, cast.council_a))


def test_the_areas_officer_sees_the_panel_of_any_council(cast, client_for, arrangement):
    panel = services_part(council_page(client_for, cast.officer, cast.council_a))
    assert "Urban grass cutting" in panel and "Brampton" in panel


@pytest.mark.parametrize("closed", [Arrangement.Status.ENDED, Arrangement.Status.WITHDRAWN])
def test_an_arrangement_not_yet_running_shows_no_figures_and_an_ended_one_is_left_out(
    cast, client_for, arrangement, closed
):
    arrangement.status = Arrangement.Status.PROPOSED
    arrangement.save()
    assert "Not started" in services_part(council_page(client_for, cast.clerk_a, cast.council_a))

    arrangement.status = closed
    arrangement.save()
    assert "does not deliver a service for other councils or receive one" in services_part(
        council_page(client_for, cast.clerk_a, cast.council_a)
    )


def test_a_behind_arrangement_is_flagged(cast, client_for, arrangement):
    running_all_year(arrangement)
    assert "Behind" in services_part(council_page(client_for, cast.clerk_b, cast.council_b))
    deliver(cast, arrangement, "6")
    assert "Behind" not in services_part(council_page(client_for, cast.clerk_b, cast.council_b))


def test_a_council_with_no_services_says_so(cast, client_for, catalogue):
    panel = services_part(council_page(client_for, cast.clerk_c, cast.council_c))
    assert "Brampton does not deliver a service for other councils or receive one through a cluster." in panel


# The area dashboard


def test_the_dashboard_panel_counts_the_areas_arrangements(cast, client_for, arrangement, grass_cutting):
    running_all_year(arrangement)
    waiting_request(cast, grass_cutting)
    response = client_for(cast.officer).get(reverse("parishes:area_dashboard", args=[cast.north.slug]))
    html = response.content.decode()
    panel = html[html.index('id="services-heading"') :]

    # Ashby leads, Brampton is served; the other Brampton is in neither.
    assert "2 of 3 councils covered: leading an active arrangement or served by one; 1 not." in panel
    assert "own employees</dt>" in panel
    behind = reverse("services:dashboard_arrangements", args=[cast.north.slug]) + "?pace=behind"
    assert f'href="{behind}">1<span class="govuk-visually-hidden"> arrangements behind</span></a>' in panel
    assert "active arrangement is behind" in panel
    assert f'href="/clusters/{cast.cluster.slug}/services/1/"' in panel
    queue = reverse("services:request_queue", args=[cast.north.slug]) + "?status=waiting"
    assert f'<a class="govuk-link" href="{queue}">1 request is waiting for a decision</a>' in panel


def test_the_dashboard_panel_of_an_area_without_services(cast, catalogue):
    html = services_panel(cast.south, medium="page")
    assert "0 of 1 council covered" in html
    assert "No council of South has proposed an arrangement yet." in html
    assert "No active arrangement is behind." in html
    assert "0 requests are waiting for a decision</a>." in html


def test_on_paper_the_panel_has_no_links(cast, arrangement, grass_cutting):
    running_all_year(arrangement)
    waiting_request(cast, grass_cutting)
    html = services_panel(cast.north, medium="pdf")
    assert "Urban grass cutting" in html
    assert "<a " not in html


def test_the_dashboard_panel_reads_nothing_of_another_area(cast, arrangement, grass_cutting):
    running_all_year(arrangement)
    waiting_request(cast, grass_cutting)
    html = services_panel(cast.south, medium="page")
    assert "Urban grass cutting" not in html and "Eden Valley" not in html
    assert "0 requests are waiting for a decision</a>." in html


@pytest.mark.slow
def test_the_dashboard_pdf_renders_with_the_services_panel(cast, arrangement, grass_cutting, tmp_path):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils)")
    running_all_year(arrangement)
    waiting_request(cast, grass_cutting)
    path = tmp_path / "dashboard.pdf"
    path.write_bytes(render_area_dashboard_pdf(cast.north))
    text = subprocess.run(  # noqa: S603 (a fixed command line, no outside input)
        [pdftotext, "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    assert "Services" in flat
    assert "2 of 3 councils covered" in flat
    assert "Behind the season's pace" in flat or "Behind the season’s pace" in flat
    assert "Urban grass cutting Eden Valley Ashby" in flat
    assert "1 request is waiting for a decision" in flat


# Queries that do not grow


def grow(cast, arrangement, grass_cutting, size: int):
    """`size` more councils in the area, each served by an arrangement of its own (half of them
    behind, a delivery each), a proposed one led by each, and a waiting request each."""
    running_all_year(arrangement)
    councils = Council.objects.bulk_create(
        Council(area=cast.north, name=f"Council {size}-{n}", gss_code=f"E04{size:03d}{n:03d}")
        for n in range(size)
    )
    fields = {
        field.name: getattr(arrangement, field.name)
        for field in Arrangement._meta.concrete_fields
        if field.name not in ("id", "number", "status")
    }
    for n, council in enumerate(councils):
        Membership.objects.create(cluster=cast.cluster, council=council, status=Membership.Status.MEMBER)
        served = Arrangement.objects.create(
            **fields, number=1000 * size + n, status=Arrangement.Status.ACTIVE
        )
        served.served.create(council=council, agreed_quantity=Decimal("6"))
        deliver(cast, served, "6" if n % 2 else "1", council=council)
        led = Arrangement.objects.create(
            **{**fields, "lead_council": council}, number=1000 * size + 500 + n, status="proposed"
        )
        led.served.create(council=cast.council_b, agreed_quantity=Decimal("2"))
        waiting_request(cast, grass_cutting, council=council)


def queries(work) -> int:
    with CaptureQueriesContext(connection) as captured:
        work()
    return len(captured)


def test_the_panels_read_the_same_queries_for_a_small_area_as_for_a_large_one(
    cast, arrangement, grass_cutting
):
    request = RequestFactory().get("/")
    request.user = cast.clerk_a

    def council_panel(council, user):
        return lambda: council_services(request, council, Permissions(user, council))

    counts = []
    for size in (2, 20):
        grow(cast, arrangement, grass_cutting, size)
        counts.append(
            (
                queries(lambda: services_panel(cast.north, medium="page")),
                queries(lambda: services_panel(cast.north, medium="pdf")),
                queries(council_panel(cast.council_a, cast.clerk_a)),
                queries(council_panel(cast.council_b, cast.clerk_b)),
            )
        )
    assert counts[0] == counts[1], counts
    # The area panel: its clusters, their arrangements, the served councils, the councils counted,
    # the pace (served rows, deliveries), the few behind, the requests.
    assert counts[0][0] == 8
    # The council panel: led and received in one, the served councils of those led, and the pace of
    # each (Ashby receives nothing, so none for that); a council in no arrangement, one query.
    assert counts[0][2] == 4
    assert queries(council_panel(cast.council_c, cast.clerk_c)) == 1


# The list behind the panel's figures


def list_page(client, area, **query):
    return client.get(reverse("services:dashboard_arrangements", args=[area.slug]), query)


def csv_rows(client, area, **query) -> list[list[str]]:
    response = client.get(reverse("services:dashboard_arrangements_csv", args=[area.slug]), query)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def second_arrangement(cast, arrangement, **fields):
    values = {
        field.name: getattr(arrangement, field.name)
        for field in Arrangement._meta.concrete_fields
        if field.name not in ("id", "number")
    }
    created = Arrangement.objects.create(**{**values, "number": 2, **fields})
    created.served.create(council=cast.council_b, agreed_quantity=Decimal("40"))
    return created


def test_the_list_shows_the_areas_arrangements_filtered(cast, client_for, arrangement):
    running_all_year(arrangement)
    second_arrangement(
        cast, arrangement, status="proposed", delivery_model=Arrangement.DeliveryModel.VOLUNTEERS
    )
    client = client_for(cast.officer)

    everything = list_page(client, cast.north).content.decode()
    assert "2 arrangements." in everything
    assert f'href="/clusters/{cast.cluster.slug}/services/1/"' in everything
    assert f'href="/clusters/{cast.cluster.slug}/services/2/"' in everything

    behind = list_page(client, cast.north, pace="behind").content.decode()
    assert "1 arrangement found." in behind and "Behind" in behind
    assert f'href="/clusters/{cast.cluster.slug}/services/2/"' not in behind

    volunteers = list_page(client, cast.north, model="volunteers").content.decode()
    assert "1 arrangement found." in volunteers
    assert f'href="/clusters/{cast.cluster.slug}/services/2/"' in volunteers

    assert "0 arrangements found." in list_page(client, cast.north, status="ended").content.decode()


def test_the_list_by_district_has_the_arrangements_led_in_it_or_serving_it(cast, client_for, arrangement):
    district = District.objects.create(gss_code="E07000999", name="Eden")
    # Council C (in no arrangement) makes the district one of the area's.
    Council.objects.filter(pk=cast.council_c.pk).update(district=district)
    client = client_for(cast.officer)
    assert "0 arrangements found." in list_page(client, cast.north, district="E07000999").content.decode()

    Council.objects.filter(pk=cast.council_b.pk).update(district=district)
    assert "1 arrangement found." in list_page(client, cast.north, district="E07000999").content.decode()


def test_a_bad_filter_is_shown_by_its_field_and_filters_nothing(cast, client_for, arrangement):
    response = list_page(client_for(cast.officer), cast.north, model="helicopters", status="active")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a delivery model from the list" in html
    assert "1 arrangement found." in html


def test_the_csv_has_the_same_filters(cast, client_for, arrangement):
    running_all_year(arrangement)
    deliver(cast, arrangement, "2")
    second_arrangement(cast, arrangement, status="proposed")
    client = client_for(cast.officer)

    header, *rows = csv_rows(client, cast.north)
    assert header[:6] == ["Cluster", "Number", "Service", "Lead council", "Councils served", "Status"]
    assert len(rows) == 2
    first = dict(zip(header, rows[0], strict=True))
    assert first["Lead council"] == "Ashby" and first["Councils served"] == "Brampton"
    assert (first["Agreed this season"], first["Delivered this season"], first["Behind"]) == ("6", "2", "Yes")
    assert [row[1] for row in csv_rows(client, cast.north, status="proposed")[1:]] == ["2"]


@pytest.mark.parametrize("who", ["clerk_a", "clerk_c", "south_officer"])
def test_the_list_is_the_areas_officers_and_administrators_only(cast, client_for, arrangement, who):
    client = client_for(getattr(cast, who))
    assert list_page(client, cast.north).status_code == 404
    url = reverse("services:dashboard_arrangements_csv", args=[cast.north.slug])
    assert client.get(url).status_code == 404


def test_the_administrator_sees_the_list(cast, client_for, arrangement):
    assert "1 arrangement." in list_page(client_for(cast.admin), cast.north).content.decode()


def test_the_list_and_csv_read_the_same_queries_for_a_small_area_as_for_a_large_one(
    cast, client_for, arrangement, grass_cutting
):
    client = client_for(cast.officer)
    list_page(client, cast.north)  # once before counting: the first request fills caches
    counts = []
    for size in (2, 20):
        grow(cast, arrangement, grass_cutting, size)
        counts.append(
            (
                queries(lambda: list_page(client, cast.north)),
                queries(lambda: list_page(client, cast.north, pace="behind", model="own_staff")),
                queries(lambda: csv_rows(client, cast.north)),
            )
        )
    assert counts[0] == counts[1], counts
