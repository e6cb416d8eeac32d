"""The county officer's dashboard in a real browser (issue 8, Must show): signing in lands on it,
the coverage shows the council in no cluster, "objectives overdue for review" leads to the filtered
list, and that list downloads as a CSV holding those objectives. Every page is scanned by axe."""

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clusters.models import Objective
from tests.factories import CouncilFactory

pytestmark = pytest.mark.e2e

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
def test_the_officer_follows_overdue_objectives_to_their_list_and_csv(page, cast, sign_in, screenshot, width):
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
