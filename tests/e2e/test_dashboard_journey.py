"""The county officer's dashboard in a real browser (issue 8, Must show): signing in lands on it,
the coverage shows the council in no cluster, "objectives overdue for review" leads to the filtered
list, that list downloads as a CSV holding those objectives, and the dashboard downloads as a PDF
whose text (pdftotext) holds the same. Every page is scanned by axe."""

import csv
import datetime
import io
import re
import shutil
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clusters.models import Objective
from tests.factories import CouncilFactory

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TODAY = timezone.localdate()


def _objective(cast, title, status, review_days):
    Objective.objects.create(
        cluster=cast.cluster,
        title=title,
        owner_council=cast.council_a,
        measure="Cuts a season",
        target="3",
        due_on=TODAY + datetime.timedelta(days=200),
        status=status,
        next_review_on=TODAY + datetime.timedelta(days=review_days),
    )


@pytest.mark.parametrize("width", [1280, 320])
def test_the_officer_follows_overdue_objectives_to_their_list_csv_and_the_pdf(
    page, cast, sign_in, screenshot, tmp_path, width
):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils)")
    CouncilFactory(area=cast.north, name="Eamont Bridge")  # in no cluster
    _objective(cast, "Cut every verge twice", "red", -10)
    _objective(cast, "Clean every road sign", "amber", -3)
    _objective(cast, "Share a clerk", "green", 30)  # not overdue
    page.set_viewport_size({"width": width, "height": 900})

    sign_in(page, cast.officer)
    # An officer of one area only: their home is the area's dashboard.
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    coverage = page.locator("section", has=page.get_by_role("heading", name="Coverage"))
    expect(coverage).to_contain_text("3 of 4 councils are in an active cluster; 1 is in none.")
    # The chart is an image from its own address, drawn (the CSP allows its <style> there).
    chart = page.get_by_role("img", name=re.compile(r"^A bar chart of the objectives of North"))
    expect(chart).to_be_visible()
    chart.scroll_into_view_if_needed()
    assert chart.evaluate("image => image.complete && image.naturalWidth > 0")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"dashboard-{width}")

    page.get_by_role("link", name="2 objectives overdue for review").first.click()
    expect(page).to_have_url(re.compile(r"/areas/north/dashboard/objectives/\?status=overdue$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Objectives")
    expect(page.get_by_role("status")).to_contain_text("2 objectives found.")
    rows = page.get_by_role("region", name="Objectives").get_by_role("row")
    expect(rows).to_have_count(3)  # the header and the two overdue
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"overdue-{width}")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download these as a spreadsheet (CSV)").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: PTH123, SIM115
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:4] == ["Cluster", "Objective", "Owner council", "Status"]
    assert sorted((row[1], row[3], row[-1]) for row in table[1:]) == [
        ("Clean every road sign", "Amber", "Yes"),
        ("Cut every verge twice", "Red", "Yes"),
    ]

    # The whole dashboard on paper: written by the worker (in-process here; with a real worker the
    # page reloads itself until it is), then downloaded.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Dashboard").click()
    page.get_by_role("button", name="Get the dashboard as a PDF").click()
    expect(page).to_have_url(re.compile(r"/areas/north/dashboard/pdf/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard as a PDF")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"dashboard-pdf-{width}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the dashboard (PDF)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert re.fullmatch(r"north-dashboard-\d{4}-\d{2}-\d{2}\.pdf", path.name)
    text = subprocess.run(  # noqa: S603 (a fixed command line, no outside input)
        [pdftotext, "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    assert "North: dashboard" in flat and "As it stood on" in flat
    assert "3 of 4 councils are in an active cluster; 1 is in none." in flat
    assert "Cut every verge twice" in flat and "Clean every road sign" in flat
    assert "Share a clerk" not in flat  # listed only when overdue
