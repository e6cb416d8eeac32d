"""The area dashboard's "Over time" panel: decisions per month and objectives by status per quarter,
counted right for a small area built by hand, in the same number of queries for 10 councils and 750,
and drawn in the page (as an image) and in the PDF (inline SVG that WeasyPrint draws)."""

import datetime
import io
import shutil
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from weasyprint import HTML

from clusters.dashboard import trends
from clusters.models import Cluster, Decision, Objective, ObjectiveUpdate
from config.pdf import StaticFilesFetcher
from parishes.models import Area, Council
from tests.factories import AreaFactory, CouncilFactory

UTC = datetime.UTC
TODAY = datetime.date(2026, 6, 15)
NOW = datetime.datetime(2026, 6, 15, 11, 0, tzinfo=UTC)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def cluster_in(area: Area, name: str, **fields) -> Cluster:
    lead = CouncilFactory(area=area)
    return Cluster.objects.create(
        area=area, name=name, slug=f"{area.slug}-{name}", lead_council=lead, **fields
    )


def decision(cluster: Cluster, number: int, status: str, **dates) -> Decision:
    return Decision.objects.create(
        cluster=cluster,
        number=number,
        title=f"Decision {number}",
        text="…",
        method=Decision.Method.CHAIR,
        threshold=Cluster.Threshold.ALL,
        status=status,
        proposed_at=at(2024, 1, 1),
        **dates,
    )


def objective(cluster: Cluster, created_at: datetime.datetime, *updates: tuple[datetime.datetime, str]):
    made = Objective.objects.create(
        cluster=cluster,
        title="Grit bins",
        owner_council=cluster.lead_council,
        measure="bins",
        target="10",
        due_on=datetime.date(2027, 1, 1),
        next_review_on=datetime.date(2027, 1, 1),
        created_at=created_at,
    )
    for moment, status in updates:
        ObjectiveUpdate.objects.create(
            objective=made, status=status, progress=10, note="…", created_at=moment
        )
    return made


@pytest.fixture
def small_area(db):
    area = AreaFactory(name="Small", slug="small")
    elsewhere = AreaFactory(name="Elsewhere", slug="elsewhere")
    cluster = cluster_in(area, "eden")
    dissolved = cluster_in(
        area, "gone", status=Cluster.Status.DISSOLVED, dissolved_on=datetime.date(2025, 8, 1)
    )
    other = cluster_in(elsewhere, "other")

    decision(cluster, 1, Decision.Status.APPROVED, decided_at=at(2026, 6, 3, 10))
    # 00:30 on 1 June in London (summer time) is still 31 May in UTC: it counts in June.
    decision(cluster, 2, Decision.Status.APPROVED, decided_at=at(2026, 5, 31, 23, 30))
    decision(cluster, 3, Decision.Status.REJECTED, decided_at=at(2026, 6, 10))
    decision(cluster, 4, Decision.Status.WITHDRAWN, withdrawn_at=at(2025, 9, 5))
    decision(cluster, 5, Decision.Status.APPROVED, decided_at=at(2025, 6, 30, 12))  # before the window
    decision(cluster, 6, Decision.Status.PROPOSED)  # not closed
    decision(dissolved, 1, Decision.Status.REJECTED, decided_at=at(2025, 7, 20))
    decision(other, 1, Decision.Status.APPROVED, decided_at=at(2026, 6, 5))  # another area

    objective(
        cluster,
        at(2025, 1, 10),
        (at(2025, 5, 1), Objective.Status.AMBER),
        (at(2025, 11, 20), Objective.Status.RED),
        (at(2026, 4, 2), Objective.Status.DONE),
    )
    objective(cluster, at(2026, 2, 1))  # no update yet: green, as created
    objective(dissolved, at(2024, 8, 1))  # counts until its cluster was dissolved
    objective(other, at(2025, 1, 1))  # another area
    return area


def test_decisions_per_month_by_outcome(small_area):
    window = trends.month_window(TODAY)
    counts = trends.decisions_by_month(small_area, window)

    assert list(counts) == [datetime.date(2025 + (6 + n) // 12, (6 + n) % 12 + 1, 1) for n in range(12)]
    assert counts[datetime.date(2026, 6, 1)] == {"approved": 2, "rejected": 1, "withdrawn": 0}
    assert counts[datetime.date(2025, 9, 1)] == {"approved": 0, "rejected": 0, "withdrawn": 1}
    assert counts[datetime.date(2025, 7, 1)] == {"approved": 0, "rejected": 1, "withdrawn": 0}
    empty = [month for month, row in counts.items() if not any(row.values())]
    assert len(empty) == 9  # every other month is there, with nothing in it


def test_objectives_by_status_at_each_quarter_end(small_area):
    window = trends.quarter_window(TODAY)
    counts = trends.objectives_by_quarter(small_area, window, NOW)

    def at_end(year, month):
        return {status: n for status, n in counts[datetime.date(year, month, 1)].items() if n}

    assert list(counts)[0] == datetime.date(2024, 7, 1) and list(counts)[-1] == datetime.date(2026, 4, 1)
    assert at_end(2024, 7) == {"green": 1}  # the dissolved cluster's objective only
    assert at_end(2024, 10) == {"green": 1}
    assert at_end(2025, 1) == {"green": 2}  # the first objective is new, green as created
    assert at_end(2025, 4) == {"amber": 1, "green": 1}
    assert at_end(2025, 7) == {"amber": 1}  # the cluster dissolved on 1 August: its objective is gone
    assert at_end(2025, 10) == {"red": 1}
    assert at_end(2026, 1) == {"red": 1, "green": 1}
    assert at_end(2026, 4) == {"done": 1, "green": 1}  # this quarter: as things stand now


def test_the_panel_shows_both_charts_with_their_tables(small_area):
    html = trends.over_time(small_area, medium="page")

    # Each chart an image of its own address, which the page does not wait to draw.
    assert html.count('<img class="app-chart__image" src="/areas/small/dashboard/charts/') == 2
    assert "charts/decisions.svg" in html and "charts/objectives.svg" in html
    assert "Decisions per month in Small" in html and "Objectives by status per quarter in Small" in html
    assert '<th scope="col" class="govuk-table__header govuk-table__header--numeric">Withdrawn</th>' in html
    # No inline script or style in the page itself: the SVG, with its <style>, is inside the image.
    assert "<script" not in html and "<style" not in html and "style=" not in html


@pytest.mark.parametrize("name", ["decisions", "objectives"])
def test_each_chart_is_an_svg_image_for_the_areas_people(cast, client_for, name):
    path = reverse("clusters:dashboard_chart", args=[cast.north.slug, name])
    response = client_for(cast.officer).get(path)
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith("<svg") and "<title>" in svg and "in North</title>" in svg
    assert "<script" not in svg  # pygal's tooltips are off: an image runs none anyway
    # Another area's officer, and a clerk of the area, are told it does not exist.
    assert client_for(cast.south_officer).get(path).status_code == 404
    assert client_for(cast.clerk_a).get(path).status_code == 404


def test_a_chart_that_does_not_exist_is_not_found(cast, client_for):
    path = reverse("clusters:dashboard_chart", args=[cast.north.slug, "money"])
    assert client_for(cast.officer).get(path).status_code == 404


def test_the_panel_is_empty_for_an_area_with_nothing_over_time(db):
    area = AreaFactory(name="Quiet", slug="quiet")
    cluster_in(area, "new")
    assert trends.over_time(area, medium="page") == ""


def test_a_chart_with_nothing_in_it_says_so(small_area):
    Decision.objects.all().delete()
    html = trends.over_time(small_area, medium="page")
    assert "No decision closed in the last 12 months." in html
    assert html.count("<img") == 1


def grow(area: Area, councils: int) -> None:
    """An area of `councils` councils in clusters of 15, each cluster with 20 decisions closed over
    the year to now and 10 objectives with 3 updates each, built in bulk."""
    now = timezone.now()
    made = Council.objects.bulk_create(
        Council(area=area, name=f"{area.slug} {n}", gss_code=f"E04{area.pk:02d}{n:04d}")
        for n in range(councils)
    )
    clusters = Cluster.objects.bulk_create(
        Cluster(
            area=area, name=f"{area.slug} cluster {n}", slug=f"{area.slug}-c{n}", lead_council=made[n * 15]
        )
        for n in range(councils // 15 or 1)
    )
    Decision.objects.bulk_create(
        Decision(
            cluster=cluster,
            number=n + 1,
            title="…",
            text="…",
            method=Decision.Method.CHAIR,
            threshold=Cluster.Threshold.ALL,
            status=[Decision.Status.APPROVED, Decision.Status.REJECTED][n % 2],
            decided_at=now - datetime.timedelta(days=17 * n),
        )
        for cluster in clusters
        for n in range(20)
    )
    objectives = Objective.objects.bulk_create(
        Objective(
            cluster=cluster,
            title="…",
            owner_council=cluster.lead_council,
            measure="…",
            target="…",
            due_on=TODAY,
            next_review_on=TODAY,
            created_at=now - datetime.timedelta(days=70 * n),
        )
        for cluster in clusters
        for n in range(10)
    )
    ObjectiveUpdate.objects.bulk_create(
        ObjectiveUpdate(
            objective=made_objective,
            status=["red", "amber", "green"][n],
            progress=5,
            note="…",
            created_at=made_objective.created_at + datetime.timedelta(days=20 * (n + 1)),
        )
        for made_objective in objectives
        for n in range(3)
    )


def queries_of_the_panel(area) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        html = trends.over_time(area, medium="page")
    return len(captured), html


def test_the_same_queries_for_10_councils_and_750(db):
    small, large = AreaFactory(name="Ten", slug="ten"), AreaFactory(name="Many", slug="many")
    grow(small, 10)
    grow(large, 750)

    small_queries, small_html = queries_of_the_panel(small)
    large_queries, large_html = queries_of_the_panel(large)

    assert small_queries == large_queries == 2
    assert "<img" in small_html and "<img" in large_html
    window = trends.month_window(timezone.localdate())
    closed = sum(sum(row.values()) for row in trends.decisions_by_month(large, window).values())
    assert closed == 50 * 20  # 50 clusters, each with 20 decisions within the 12 months


@pytest.mark.slow
def test_weasyprint_draws_the_charts_in_the_pdf(small_area, tmp_path):
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm is not installed (Debian package poppler-utils)")
    from PIL import Image

    panel = trends.over_time(small_area, medium="pdf")
    html = f'<html lang="en-GB"><head><title>Charts</title></head><body>{panel}</body></html>'
    pdf = HTML(string=html, base_url="http://127.0.0.1:8000", url_fetcher=StaticFilesFetcher()).write_pdf()
    (tmp_path / "charts.pdf").write_bytes(pdf)
    png = subprocess.run(  # noqa: S603 (a fixed command line, no outside input)
        [pdftoppm, "-r", "40", "-png", "-f", "1", "-l", "1", str(tmp_path / "charts.pdf")],
        check=True,
        capture_output=True,
    ).stdout
    pixels = Image.open(io.BytesIO(png)).convert("RGB").get_flattened_data()
    # The bars take their colours from the SVG's own stylesheet: GOV.UK green for approved, red
    # for rejected. Unstyled, pygal's bars would be black.
    assert sum(1 for p in pixels if p == (0x0F, 0x7A, 0x52)) > 50
    assert sum(1 for p in pixels if p == (0xCA, 0x35, 0x35)) > 20
