"""With MFA_REQUIRED on, a county officer who signs in with a password is told why, sets up an
authenticator app and only then reaches the site's pages."""

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from tests.factories import PASSWORD

from .conftest import totp_code

pytestmark = pytest.mark.e2e

EXPLANATION = "Your account must use two-factor authentication because you are a county officer"


def path_is(path: str):
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")


def test_an_officer_sets_up_two_factor_before_anything_else(page, cast, settings, sign_in, screenshot):
    settings.MFA_REQUIRED = True
    sign_in(page, cast.officer)

    # allauth asks for the password again before two-factor is set up; the page says why.
    expect(page).to_have_url(path_is("/accounts/reauthenticate/"))
    expect(page.get_by_role("region", name="Important")).to_contain_text(EXPLANATION)
    screenshot(page, "told-why")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(path_is("/accounts/2fa/totp/activate/"))
    expect(page.get_by_role("region", name="Important")).to_contain_text(EXPLANATION)
    screenshot(page, "set-up")

    # Every other page leads back here.
    page.goto(f"/areas/{cast.north.slug}/")
    expect(page).to_have_url(path_is("/accounts/2fa/totp/activate/"))
    expect(page.get_by_role("region", name="Important")).to_have_count(1)
    expect(page.get_by_role("region", name="Important")).to_contain_text(EXPLANATION)

    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page).to_have_url(path_is("/accounts/2fa/recovery-codes/"))
    assert Authenticator.objects.filter(user=cast.officer, type=Authenticator.Type.TOTP).exists()

    page.goto(f"/areas/{cast.north.slug}/")
    expect(page).to_have_url(path_is(f"/areas/{cast.north.slug}/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("North")
