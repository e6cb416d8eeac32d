"""No page scrolls sideways at 320 px (WCAG 1.4.10 reflow): wide tables scroll in a region of their own.

Each page with a wide table is opened at 320 px by someone who may see it, with rows long enough
to overflow a phone's screen; the document must be no wider than the viewport, the table must
still be all there (inside its scrolling region), and the region must take keyboard focus.
axe-core scans every one of these pages too (conftest.AxeScan).
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from clusters.models import ClusterReport, Decision, Objective, Vote
from clusters.reports import financial_year_of

pytestmark = pytest.mark.e2e

WIDTH = 320


@pytest.fixture
def wide_rows(cast):
    """A cluster with decisions, votes, objectives and a report: every table of its pages has rows."""
    cluster = cast.cluster
    today = timezone.localdate()
    decisions = [
        Decision.objects.create(
            cluster=cluster,
            number=number,
            title=title,
            text="That the cluster agrees it.",
            method=Decision.Method.RATIFICATION,
            threshold="all",
            proposed_by=cast.clerk_a,
            proposing_council=cast.council_a,
        )
        for number, title in enumerate(
            [
                "Share the cost of winter gritting between the member councils by population",
                "Commission a joint response to the district council's draft local plan",
            ],
            start=1,
        )
    ]
    Vote.objects.create(
        decision=decisions[0],
        council=cast.council_b,
        choice=Vote.Choice.FOR,
        minute_ref="Minute 14/26 (extraordinary meeting)",
        resolved_on=today,
        recorded_by=cast.clerk_b,
    )
    Objective.objects.create(
        cluster=cluster,
        title="Cut every verge of the cluster's villages twice a season",
        owner_council=cast.council_a,
        measure="Verges cut to the specification",
        target="Two cuts a season on every verge",
        due_on=today + datetime.timedelta(days=90),
        next_review_on=today + datetime.timedelta(days=30),
    )
    ClusterReport.objects.create(
        cluster=cluster,
        year=financial_year_of(today),
        requested_by=cast.secretary,
        status=ClusterReport.Status.READY,
        file="clusters/report.pdf",
    )
    return decisions


def pages_for(cast, decisions):
    """(who, path) for every page that shows a wide table."""
    cluster = cast.cluster.slug
    council = cast.council_a.pk
    return [
        (cast.clerk_a, reverse("parishes:home")),
        (cast.clerk_a, reverse("clusters:list")),
        (cast.clerk_a, reverse("clusters:members", args=[cluster])),
        (cast.clerk_a, reverse("clusters:officers", args=[cluster])),
        (cast.clerk_a, reverse("clusters:documents", args=[cluster])),
        (cast.clerk_a, reverse("clusters:decisions", args=[cluster])),
        (cast.clerk_a, reverse("clusters:decision", args=[cluster, decisions[0].number])),
        (cast.clerk_a, reverse("clusters:objectives", args=[cluster])),
        (cast.clerk_a, reverse("clusters:reports", args=[cluster])),
        (cast.clerk_a, reverse("clusters:history", args=[cluster])),
        (cast.clerk_a, reverse("parishes:council", args=[council])),
        (cast.clerk_a, reverse("parishes:council_people", args=[council])),
        (cast.clerk_a, reverse("parishes:council_history", args=[council])),
        (cast.clerk_a, reverse("usersessions_list")),
        (cast.admin, reverse("parishes:area", args=[cast.north.slug])),
        (cast.admin, reverse("parishes:area_people", args=[cast.north.slug])),
    ]


def test_no_page_is_wider_than_a_320_px_screen(page, new_page, cast, wide_rows, sign_in, screenshot):
    pages = {cast.clerk_a: page, cast.admin: new_page()}
    for user, person_page in pages.items():
        person_page.set_viewport_size({"width": WIDTH, "height": 800})
        sign_in(person_page, user)
    wider = []
    for user, path in pages_for(cast, wide_rows):
        page = pages[user]
        assert page.goto(path).status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            wider.append(f"{path}: {width} px")
        screenshot(page, path.strip("/").replace("/", "-") or "home")
    assert not wider, "pages wider than the screen:\n" + "\n".join(wider)


def test_a_wide_table_scrolls_in_a_labelled_region_the_keyboard_reaches(
    page, cast, wide_rows, sign_in, screenshot
):
    page.set_viewport_size({"width": WIDTH, "height": 800})
    sign_in(page, cast.clerk_a)
    page.goto(reverse("clusters:decisions", args=[cast.cluster.slug]))

    region = page.get_by_role("region", name="Decisions")
    table = region.get_by_role("table", name=f"Decisions of {cast.cluster.name}, newest first")
    expect(table).to_contain_text(wide_rows[0].title)
    # The table is wider than the screen, and the region (not the page) scrolls to show the rest.
    assert region.evaluate("region => region.scrollWidth > region.clientWidth")
    # Tabbing on from the link before the table reaches the region; the arrow keys then scroll it.
    page.get_by_role("link", name="Download the register as a spreadsheet (CSV)").focus()
    page.keyboard.press("Tab")
    expect(region).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("region => region.scrollLeft > 0", arg=region.element_handle())
    screenshot(page, "register-scrolled")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
