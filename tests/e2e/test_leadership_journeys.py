"""A chair who loses their standing, in a real browser: the area administrator ends their council
role, the chair can no longer decide, and a member council's clerk fills the vacant chair."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clusters.models import Position

from .conftest import fill_date

pytestmark = pytest.mark.e2e


def heading(page):
    return page.get_by_role("heading", level=1)


def test_a_member_councils_clerk_fills_the_chair_left_vacant(
    page, cast, sign_in, sign_out, screenshot, new_page
):
    # The area administrator ends the chair's only role in Brampton, and is told what ends with it.
    sign_in(page, cast.admin)
    page.goto(f"/councils/{cast.council_b.pk}/people/")
    page.get_by_role("link", name="End Chair's role as councillor").click()
    expect(page.locator("main")).to_contain_text("Chair of Eden Valley")
    screenshot(page, "role-end-warns")
    page.get_by_role("button", name="End the role").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("no longer councillor")
    sign_out(page)

    # The former chair cannot reach the cluster any more.
    former = new_page()
    sign_in(former, cast.chair)
    response = former.goto(f"/clusters/{cast.cluster.slug}/")
    assert response.status == 404

    # Clerk A sees the vacancy on the overview and fills it, recording the resolution.
    sign_in(page, cast.clerk_a)
    page.goto(f"/clusters/{cast.cluster.slug}/")
    expect(page.locator("main .govuk-warning-text")).to_contain_text("This cluster has no chair")
    screenshot(page, "overview-no-chair")
    page.set_viewport_size({"width": 320, "height": 800})
    screenshot(page, "overview-no-chair-320")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Appoint a chair").click()
    expect(heading(page)).to_have_text("Appoint a chair")
    page.get_by_role("button", name="Appoint").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the resolution or meeting that chose them")
    expect(summary).to_contain_text("Select a person")

    page.get_by_label("Position").select_option(label="Chair")
    page.get_by_label("Person").select_option(label="Clerk B – Brampton")
    fill_date(page, "Term starts", timezone.localdate())
    page.get_by_label("The resolution or meeting that chose them").fill("Cluster meeting of 1 December")
    screenshot(page, "appoint-a-chair")
    page.get_by_role("button", name="Appoint").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Clerk B is now chair.")
    officers = page.get_by_role("table", name="Current officers")
    expect(officers).to_contain_text("Chosen by Cluster meeting of 1 December")
    expect(page.locator("main")).not_to_contain_text("This cluster has no chair")
    screenshot(page, "officers-after")
    expect(page).to_have_url(re.compile(rf"/clusters/{cast.cluster.slug}/officers/$"))

    chair = Position.objects.current().get(cluster=cast.cluster, kind="chair")
    assert (chair.user, chair.appointed_by, chair.chosen_at) == (
        cast.clerk_b,
        cast.clerk_a,
        "Cluster meeting of 1 December",
    )
    # Now that the cluster has a chair, the clerk's way in is gone again.
    page.goto(f"/clusters/{cast.cluster.slug}/")
    expect(page.get_by_role("link", name="Appoint a chair")).to_have_count(0)
