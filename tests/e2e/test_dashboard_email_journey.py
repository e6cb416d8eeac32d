"""The county officer gets the area dashboard as a PDF in a real browser, and asks for it monthly."""

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_officer_downloads_the_dashboard_pdf_and_asks_for_it_monthly(
    page, cast, sign_in, screenshot, tmp_path
):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils)")
    sign_in(page, cast.officer)
    page.goto("/areas/north/dashboard/")
    page.get_by_role("button", name="Get the dashboard as a PDF").click()

    # The worker (in-process here) has written it by the time the page shows; with a real worker the
    # page reloads itself until it has.
    expect(page).to_have_url(re.compile(r"/areas/north/dashboard/pdf/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard as a PDF")
    screenshot(page, "dashboard-pdf-ready")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the dashboard (PDF)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert re.fullmatch(r"north-dashboard-\d{4}-\d{2}-\d{2}\.pdf", path.name)
    text = subprocess.run(  # noqa: S603 (a fixed command line, no outside input)
        [pdftotext, "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    assert "North: dashboard" in flat
    assert "As it stood on" in flat

    page.get_by_role("link", name="change your email settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email settings")
    page.get_by_role("group", name="Do you want your areas' dashboards by email each month?").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your email settings have been saved.")
    screenshot(page, "email-settings-saved")
    cast.officer.refresh_from_db()
    assert cast.officer.email_area_dashboards is True
