"""A service arrangement from proposal to statement in a real browser (issue 9, Must show): the lead
council's clerk proposes it; the clerk shared by the two councils it serves, led there by their home
page's services panel, records both agreements in one form, so that it is active at once; the lead's
clerk records work done (a date in the future refused on the page), the arrangement's page shows
delivered against agreed, and the monthly statement of a served council is asked for as a PDF,
written (in-process here), downloaded and read with pdftotext. Every page is scanned by axe."""

import datetime
import re
import shutil
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clusters.models import Membership
from parishes import services as parish_services
from services.catalogue import add_usual_services
from services.models import Arrangement, Delivery
from tests.factories import CouncilFactory

from .conftest import fill_date

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TODAY = timezone.localdate()
SERVICE = "Urban grass cutting"


def heading(page):
    return page.get_by_role("heading", level=1)


def record_work(page, council: str, quantity: str, done_by: str, day=TODAY) -> None:
    page.get_by_role("link", name="Record work done").first.click()
    fill_date(page, "Date the work was done", day)
    council_field = page.get_by_label("Council the work was done for")
    if council_field.count():
        council_field.select_option(label=council)
    else:
        page.get_by_role("group", name="Council the work was done for").get_by_label(council).check()
    page.get_by_label("How many cuts").fill(quantity)
    page.get_by_label("Who did it").fill(done_by)
    page.get_by_role("button", name="Record the work").click()


@pytest.mark.parametrize("width", [1280, 320])
def test_an_arrangement_from_proposal_to_its_monthly_statement(
    page, new_page, cast, sign_in, screenshot, tmp_path, width
):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils)")
    add_usual_services(area=cast.north)
    # A second served council whose clerk is Brampton's too: one person acts for both.
    dufton = CouncilFactory(area=cast.north, name="Dufton")
    parish_services.grant_council_role(acting_user=None, council=dufton, user=cast.clerk_b, kind="clerk")
    Membership.objects.create(cluster=cast.cluster, council=dufton, status="member", joined_on=TODAY)
    page.set_viewport_size({"width": width, "height": 900})

    # The lead council's clerk proposes it.
    sign_in(page, cast.clerk_a)
    page.goto(f"/clusters/{cast.cluster.slug}/services/")
    page.get_by_role("link", name="Propose a service arrangement").first.click()
    expect(heading(page)).to_have_text("Propose a service arrangement")
    page.get_by_label("Service", exact=True).select_option(label=f"{SERVICE} (cuts)")
    page.get_by_role("group", name="Service lead").get_by_label(cast.council_a.name).check()
    served = page.get_by_role("group", name="Councils served")
    served.get_by_label(f"{cast.council_b.name} (optional)", exact=True).fill("6")
    served.get_by_label("Dufton (optional)", exact=True).fill("4")
    page.get_by_label(Arrangement.DeliveryModel.OWN_STAFF.label).check()
    page.get_by_label(Arrangement.LegalBasis.S101.label).check()
    page.get_by_label("Specification").fill("Six cuts a season of Brampton's greens, four of Dufton's")
    page.get_by_label("Season starts in").select_option(label="January")
    page.get_by_label("Season ends in").select_option(label="December")
    fill_date(page, "Start date", TODAY)
    fill_date(page, "Review date", TODAY + datetime.timedelta(days=365))
    page.get_by_label("Annual value (£) (optional)").fill("1200.00")
    page.get_by_label(Arrangement.Charging.FIXED.label).check()
    page.get_by_role("button", name="Propose the arrangement").click()
    expect(heading(page)).to_contain_text(SERVICE)
    expect(page.locator("main")).to_contain_text("Agreed so far by 0 of the 2 councils it serves.")
    arrangement_url = page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"proposed-{width}")

    # The clerk of both served councils records both agreements in one form.
    clerk = new_page()
    clerk.set_viewport_size({"width": width, "height": 900})
    sign_in(clerk, cast.clerk_b)
    # Their home page says what is owed and leads to where it is recorded.
    owed = clerk.locator("section", has=clerk.get_by_role("heading", name="Services needing your attention"))
    expect(owed).to_contain_text(f"not yet agreed: {cast.council_b.name}, Dufton")
    screenshot(clerk, f"home-{width}")
    owed.get_by_role("link", name=f"{SERVICE}, led by {cast.council_a.name}").click()
    expect(clerk).to_have_url(arrangement_url)
    expect(clerk.get_by_role("heading", name="Record your councils' agreement")).to_be_visible()
    form = clerk.locator("form", has=clerk.get_by_role("button", name="Record the agreement"))
    for council, minute in ((cast.council_b.name, "26/14"), ("Dufton", "D/7")):
        row = form.get_by_role("group", name=council, exact=True)
        row.get_by_label("Minute reference").fill(minute)
        fill_date(row, "Date of the resolution", TODAY)
    screenshot(clerk, f"agreeing-{width}")
    form.get_by_role("button", name="Record the agreement").click()
    expect(clerk.locator("main")).to_contain_text(
        f"Recorded the agreement of {cast.council_b.name} and Dufton"
    )
    expect(clerk.locator("main")).to_contain_text("Active")

    # The lead's clerk records the work; a date in the future is refused where it was typed.
    page.goto(arrangement_url)
    expect(page.locator("main")).to_contain_text("Active")
    page.get_by_role("link", name="Record work and see the delivery log").click()
    expect(heading(page)).to_contain_text("Delivery log")
    record_work(page, cast.council_b.name, "1", "Grounds team", day=TODAY + datetime.timedelta(days=2))
    refusal = "The date the work was done must be today or in the past"
    expect(page.locator(".govuk-error-summary")).to_contain_text(refusal)
    expect(page.get_by_role("group", name="Date the work was done")).to_contain_text(refusal)
    assert not Delivery.objects.exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"refused-{width}")
    page.get_by_role("link", name="Cancel").click()
    for council, quantity, who in (
        (cast.council_b.name, "1", "Grounds team"),
        (cast.council_b.name, "1", "A. Smith"),
        ("Dufton", "1", "Grounds team"),
    ):
        record_work(page, council, quantity, who)
        expect(heading(page)).to_contain_text("Delivery log")
    assert Delivery.objects.count() == 3
    screenshot(page, f"log-{width}")

    page.goto(arrangement_url)
    progress = page.get_by_role("table", name=re.compile("Councils served"))
    expect(progress.get_by_role("row", name=re.compile(cast.council_b.name))).to_contain_text(
        "2 of 6 cuts done"
    )
    expect(progress.get_by_role("row", name=re.compile("Dufton"))).to_contain_text("1 of 4 cuts done")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"delivered-{width}")

    # Brampton's statement for this month, as a PDF.
    page.get_by_role("link", name="Record work and see the delivery log").click()
    page.get_by_role("link", name=f"Statements of {cast.council_b.name}").click()
    expect(heading(page)).to_have_text(f"{cast.council_b.name}: statement for {TODAY:%B %Y}")
    page.get_by_role("button", name="Get this statement as a PDF").click()
    expect(heading(page)).to_have_text(f"{cast.council_b.name}: statement for {TODAY:%B %Y} as a PDF")
    screenshot(page, f"statement-pdf-{width}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the statement (PDF)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".pdf"
    text = subprocess.run(  # noqa: S603 (a fixed command line, no outside input)
        [pdftotext, "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    assert cast.council_b.name in flat and SERVICE in flat
    assert "Grounds team" in flat and "A. Smith" in flat
    assert "Dufton" not in flat  # another council's lines are its own business
