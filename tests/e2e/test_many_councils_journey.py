"""A clerk of several member councils records their votes on a ratification in one submission, in a
real browser, at 1280 and 320 px (issue 7, part 2)."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clusters import decisions, documents
from clusters.models import Membership, Vote
from parishes import services as parish_services
from parishes.models import Council

from .conftest import fill_date

pytestmark = pytest.mark.e2e


def _clerk_of_three(cast) -> list[Council]:
    """Clerk A is clerk of Ashby, Brampton and a third member council, Crosby."""
    crosby = Council.objects.create(area=cast.north, name="Crosby", gss_code="E04000150")
    Membership.objects.create(
        cluster=cast.cluster, council=crosby, status="member", joined_on=datetime.date(2026, 4, 1)
    )
    for council in (cast.council_b, crosby):
        parish_services.grant_council_role(acting_user=None, council=council, user=cast.clerk_a, kind="clerk")
    return [cast.council_a, cast.council_b, crosby]


def fits(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_shared_clerk_records_three_councils_votes_at_once(page, cast, sign_in, screenshot):
    councils = _clerk_of_three(cast)
    decision = decisions.propose_decision(
        acting_user=cast.clerk_a,
        cluster=cast.cluster,
        title="Share a verge mower",
        text="Buy one mower for the three parishes and share its use.",
        method="ratification",
        proposing_council=cast.council_a,
    )
    today = timezone.localdate()
    sign_in(page, cast.clerk_a)
    page.goto(f"/clusters/{cast.cluster.slug}/decisions/{decision.number}/")
    expect(page.get_by_role("heading", name="Record your councils' resolutions")).to_be_visible()
    rows = {council.name: page.get_by_role("group", name=council.name, exact=True) for council in councils}
    screenshot(page, "rows-1280")

    # Ashby and Brampton filled in, Brampton without its minute; Crosby left for now.
    rows["Ashby"].get_by_role("radio", name="For", exact=True).check()
    rows["Ashby"].get_by_label("Minute reference").fill("A/26/14")
    fill_date(rows["Ashby"], "Date of the resolution", today)
    rows["Brampton"].get_by_role("radio", name="Agree to differ").check()
    fill_date(rows["Brampton"], "Date of the resolution", today)
    page.get_by_role("button", name="Record the resolutions").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Brampton: Enter the minute reference")
    expect(rows["Brampton"].locator(".govuk-error-message")).to_contain_text("Enter the minute reference")
    expect(rows["Ashby"].locator(".govuk-error-message")).to_have_count(0)
    assert not Vote.objects.exists()  # all or nothing
    # The summary's link takes the clerk to the field in Brampton's row.
    summary.get_by_role("link", name="Brampton: Enter the minute reference").click()
    expect(rows["Brampton"].get_by_label("Minute reference")).to_be_focused()
    page.set_viewport_size({"width": 320, "height": 800})
    screenshot(page, "error-in-a-row-320")
    assert fits(page, 320), "the rows must stack at 320 px, not scroll the page sideways"
    page.set_viewport_size({"width": 1280, "height": 900})

    rows["Brampton"].get_by_label("Minute reference").fill("B/26/3")
    rows["Crosby"].get_by_role("radio", name="For", exact=True).check()
    rows["Crosby"].get_by_label("Minute reference").fill("C/7")
    fill_date(rows["Crosby"], "Date of the resolution", today)
    page.get_by_role("button", name="Record the resolutions").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Recorded the resolution of Ashby, Brampton and Crosby"
    )
    assert Vote.objects.filter(decision=decision).count() == 3
    # Every member council has voted, none against: approved, and nothing is left to record.
    expect(page.locator("main")).to_contain_text("Approved")
    expect(page.get_by_role("button", name=re.compile("^Record the resolution"))).to_have_count(0)
    screenshot(page, "recorded-1280")
    page.set_viewport_size({"width": 320, "height": 800})
    screenshot(page, "recorded-320")
    assert fits(page, 320)


def test_a_shared_clerk_adopts_a_document_and_answers_invitations_for_two_councils(
    page, cast, sign_in, screenshot
):
    parish_services.grant_council_role(
        acting_user=None, council=cast.council_b, user=cast.clerk_a, kind="clerk"
    )
    document = documents.create_document(
        acting_user=cast.secretary, cluster=cast.cluster, kind="mou", title="Memorandum", text="We agree."
    )
    for council in (cast.council_a, cast.council_b):
        Membership.objects.create(cluster=cast.other_cluster, council=council, invited_by=cast.clerk_c)
    today = timezone.localdate()
    sign_in(page, cast.clerk_a)

    page.goto(f"/clusters/{cast.cluster.slug}/documents/{document.pk}/")
    page.get_by_role("link", name="Record your council's adoption").click()
    for name in ("Ashby", "Brampton"):
        row = page.get_by_role("group", name=name, exact=True)
        row.get_by_role("checkbox", name="Adopted").check()
        row.get_by_label("Minute reference").fill(f"{name[0]}/26/2")
        fill_date(row, "Date of the resolution", today)
    screenshot(page, "adopt-1280")
    page.set_viewport_size({"width": 320, "height": 800})
    screenshot(page, "adopt-320")
    assert fits(page, 320)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Record the adoptions").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Recorded the adoption of version 1 by Ashby and Brampton"
    )
    assert set(document.versions.get().adoptions.values_list("council__name", flat=True)) == {
        "Ashby",
        "Brampton",
    }

    # From the council page, one council's invitation opens both councils' rows.
    page.goto(f"/councils/{cast.council_a.pk}/")
    page.get_by_role("link", name=re.compile("Record the council's answer")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation to join Fellside")
    page.get_by_role("group", name="Ashby", exact=True).get_by_role(
        "radio", name="To join the cluster"
    ).check()
    ashby = page.get_by_role("group", name="Ashby", exact=True)
    ashby.get_by_label("Minute reference").fill("A/26/3")
    fill_date(ashby, "Date of the resolution", today)
    brampton = page.get_by_role("group", name="Brampton", exact=True)
    brampton.get_by_role("radio", name="Not to join").check()
    brampton.get_by_label("Minute reference").fill("B/26/4")
    fill_date(brampton, "Date of the resolution", today)
    screenshot(page, "answer-1280")
    page.set_viewport_size({"width": 320, "height": 800})
    screenshot(page, "answer-320")
    assert fits(page, 320)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Record the answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fellside")
    statuses = dict(cast.other_cluster.memberships.values_list("council__name", "status"))
    assert statuses["Ashby"] == "member" and statuses["Brampton"] == "declined"
