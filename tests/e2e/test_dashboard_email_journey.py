"""The county officer asks for the area dashboard by email each month, from the dashboard, in a real
browser (the PDF itself: test_dashboard_journey.py)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_officer_asks_for_the_dashboard_by_email_each_month(page, cast, sign_in, screenshot):
    sign_in(page, cast.officer)
    page.goto("/areas/north/dashboard/")
    page.get_by_role("link", name="Get it by email each month").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email settings")
    page.get_by_role("group", name="Do you want your areas' dashboards by email each month?").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your email settings have been saved.")
    screenshot(page, "email-settings-saved")
    cast.officer.refresh_from_db()
    assert cast.officer.email_area_dashboards is True
