"""What people do in a real browser: sign in, stay within their councils, invite, secure their account."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from parishes.models import CouncilRole, Invitation
from tests.factories import PASSWORD

from .conftest import totp_code

pytestmark = pytest.mark.e2e

LOGIN_PAGE = re.compile(r"/accounts/login/(\?.*)?$")
SIGN_IN = re.compile(r"^\s*Sign in\s*$")
TURN_ON = "Turn on two-factor authentication"
SIGN_OUT_OTHERS = re.compile(r"^\s*Sign out other sessions\s*$", re.I)


def heading(page):
    return page.get_by_role("heading", level=1)


def path_is(path: str):
    return re.compile(rf"^https?://[^/]+{re.escape(path)}$")


def test_clerk_signs_in_and_sees_only_their_councils(page, cast, sign_in, screenshot):
    sign_in(page, cast.clerk_a)

    expect(page).to_have_url(path_is("/"))
    expect(heading(page)).to_have_text("Your councils")
    councils = page.get_by_role("table", name="Councils where you hold a role")
    rows = councils.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").nth(0)).to_contain_text("Ashby")
    expect(rows.first.locator("td").nth(1)).to_have_text("North")
    expect(rows.first.locator("td").nth(2)).to_have_text("Clerk")
    main = page.locator("main")
    expect(main).not_to_contain_text("Brampton")
    expect(main).not_to_contain_text("Dunmow")
    screenshot(page, "your-councils")

    councils.get_by_role("link", name="Ashby").click()
    expect(page).to_have_url(path_is(f"/councils/{cast.council_a.pk}/"))
    expect(heading(page)).to_have_text("Ashby")
    expect(page.locator(".govuk-summary-list")).to_contain_text("E04000101")
    screenshot(page, "council")

    page.get_by_role("link", name=re.compile(r"^People \(\d+\)$")).click()
    expect(page).to_have_url(path_is(f"/councils/{cast.council_a.pk}/people/"))
    expect(heading(page)).to_have_text("People")
    people = page.get_by_role("table", name="Who holds a role")
    for person in (cast.clerk_a, cast.rfo_a, cast.councillor_a):
        expect(people).to_contain_text(person.email)
    expect(people).not_to_contain_text(cast.clerk_b.email)
    screenshot(page, "people")


def test_outsider_gets_page_not_found(page, new_page, cast, sign_in, screenshot):
    sign_in(page, cast.clerk_c)
    # Their own council opens: the refusal below is about council A, not a broken page.
    assert page.goto(f"/councils/{cast.council_c.pk}/").status == 200
    expect(heading(page)).to_have_text("Brampton")

    response = page.goto(f"/councils/{cast.council_a.pk}/")
    assert response.status == 404
    expect(heading(page)).to_have_text("Page not found")
    expect(page.locator("main")).not_to_contain_text("Ashby")
    screenshot(page, "clerk-of-another-cluster")

    officer_page = new_page()
    sign_in(officer_page, cast.south_officer)
    assert officer_page.goto("/areas/south/").status == 200
    expect(heading(officer_page)).to_contain_text("South")

    response = officer_page.goto("/areas/north/")
    assert response.status == 404
    expect(heading(officer_page)).to_have_text("Page not found")
    expect(officer_page.locator("main")).not_to_contain_text("Ashby")
    screenshot(officer_page, "officer-of-another-area")


def test_invitation_accepted_end_to_end(page, cast, sign_in, sign_out, screenshot, live_server, settings):
    settings.SITE_URL = live_server.url  # the emailed link points at this server
    email = "new.councillor@example.org"
    sign_in(page, cast.clerk_a)
    page.goto(f"/councils/{cast.council_a.pk}/")
    page.get_by_role("link", name=re.compile(r"^People")).click()
    page.get_by_role("link", name="Invite someone").click()
    expect(heading(page)).to_have_text("Invite someone")

    page.get_by_label("Email address").fill(email)
    page.locator("input[name=name]").fill("Nia Jones")
    page.get_by_role("radio", name="Councillor", exact=True).check()
    screenshot(page, "invite-form")
    page.get_by_role("button", name="Send invitation").click()

    expect(page).to_have_url(path_is(f"/councils/{cast.council_a.pk}/people/"))
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text(f"An invitation has been emailed to {email}.")
    expect(page.get_by_role("table", name="Invitations waiting to be accepted")).to_contain_text(email)
    screenshot(page, "invitation-sent")
    sign_out(page)
    expect(page).to_have_url(LOGIN_PAGE)

    # The email went out once the invitation was committed (the live server's database is real);
    # the cast's own set-up emailed others before.
    sent = [message for message in mail.outbox if message.to == [email]]
    assert len(sent) == 1
    found = re.search(r"https?://\S+/invitations/[\w-]+/", sent[0].body)
    assert found, sent[0].body
    link = found.group(0)
    assert link.startswith(live_server.url)

    page.goto(link)
    expect(heading(page)).to_have_text("Accept your invitation")
    expect(page.locator("main")).to_contain_text("invited you to be councillor of Ashby")
    expect(page.get_by_label("Full name")).to_have_value("Nia Jones")
    page.get_by_label("Create a password").fill("a-long-unusual-passphrase")
    page.get_by_label("Confirm password").fill("a-long-unusual-passphrase")
    screenshot(page, "accept-form")
    page.get_by_role("button", name="Accept and create your account").click()

    expect(page).to_have_url(path_is(f"/councils/{cast.council_a.pk}/"))
    expect(heading(page)).to_have_text("Ashby")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "You are now councillor of Ashby"
    )
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, "accepted")
    assert CouncilRole.objects.filter(
        council=cast.council_a, user__email=email, kind=CouncilRole.Kind.COUNCILLOR, ended_on__isnull=True
    ).exists()

    page.goto("/")
    row = page.get_by_role("table", name="Councils where you hold a role").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("Ashby")
    expect(row.first.locator("td").nth(2)).to_have_text("Councillor")

    response = page.goto(link)
    assert response.status == 410
    expect(heading(page)).to_have_text("This invitation cannot be used")
    expect(page.locator("main")).to_contain_text("has already been used")
    screenshot(page, "link-used-again")

    response = page.goto("/invitations/garbage/")
    assert response.status == 410
    expect(heading(page)).to_have_text("This invitation cannot be used")
    expect(page.locator("main")).to_contain_text("This invitation link is not valid")
    assert Invitation.objects.filter(email=email, accepted_at__isnull=False).count() == 1


def test_two_factor_authentication_turned_on_and_used(page, cast, sign_in, sign_out, screenshot):
    person = cast.councillor_a
    sign_in(page, person)
    page.get_by_role("link", name="Two-factor authentication").click()
    expect(heading(page)).to_have_text("Two-factor authentication")
    expect(page.locator("main")).to_contain_text("Two-factor authentication is off.")
    screenshot(page, "two-factor-index")
    page.get_by_role("button", name="Set up an authenticator app").click()
    if "/reauthenticate/" in page.url:  # allauth asks again for the password after a while
        expect(heading(page)).to_have_text("Enter your password again")
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(path_is("/accounts/2fa/totp/activate/"))
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    expect(page.locator("img[src^='data:image/svg+xml']")).to_be_visible()  # the QR code
    screenshot(page, "activate")

    # A wrong code is refused and nothing is activated.
    page.locator("input[name=code]").fill(_wrong_code(secret))
    page.get_by_role("button", name=TURN_ON).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The code is not right")
    expect(page.locator("#authenticator_secret")).to_have_value(secret)

    page.locator("input[name=code]").fill(totp_code(secret))
    page.get_by_role("button", name=TURN_ON).click()
    expect(page).to_have_url(path_is("/accounts/2fa/recovery-codes/"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Two-factor authentication is turned on."
    )
    expect(heading(page)).to_have_text("Recovery codes")
    recovery_codes = page.locator("#recovery_codes").input_value().split()
    assert len(recovery_codes) == 10 and all(re.fullmatch(r"\w{8}", code) for code in recovery_codes)
    screenshot(page, "recovery-codes")
    sign_out(page)
    expect(page).to_have_url(LOGIN_PAGE)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("You have signed out.")
    screenshot(page, "signed-out")

    # Signing in now takes the password and then a code from the app.
    sign_in(page, person)
    expect(page).to_have_url(path_is("/accounts/2fa/authenticate/"))
    expect(heading(page)).to_have_text("Two-factor authentication")
    screenshot(page, "code-prompt")
    _assert_signed_out(page)

    page.locator("input[name=code]").fill(_wrong_code(secret))
    page.get_by_role("button", name=SIGN_IN).click()
    expect(page).to_have_url(path_is("/accounts/2fa/authenticate/"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("The code is not right")
    screenshot(page, "wrong-code")
    _assert_signed_out(page)

    page.locator("input[name=code]").fill(totp_code(secret))
    page.get_by_role("button", name=SIGN_IN).click()
    expect(page).to_have_url(path_is("/"))
    expect(heading(page)).to_have_text("Your councils")
    expect(page.get_by_role("table", name="Councils where you hold a role")).to_contain_text("Ashby")
    sign_out(page)

    # A recovery code works once instead of the app.
    sign_in(page, person)
    expect(page).to_have_url(path_is("/accounts/2fa/authenticate/"))
    page.locator("input[name=code]").fill(recovery_codes[0])
    page.get_by_role("button", name=SIGN_IN).click()
    expect(heading(page)).to_have_text("Your councils")


def _wrong_code(secret: str) -> str:
    """123456, unless (one time in a million) that is the code of the moment."""
    return "123456" if totp_code(secret, margin=0) != "123456" else "654321"


def _assert_signed_out(page) -> None:
    """Between the password and the code, the person is not yet signed in (same cookies, no redirects)."""
    response = page.request.get("/", max_redirects=0)
    assert response.status == 302 and LOGIN_PAGE.search(response.headers["location"]), response.headers


def test_sessions_page_signs_out_other_sessions(page, new_page, cast, sign_in, screenshot):
    other = new_page()
    sign_in(other, cast.clerk_a)
    sign_in(page, cast.clerk_a)

    page.get_by_role("link", name="Sessions").click()
    expect(page).to_have_url(path_is("/accounts/sessions/"))
    expect(heading(page)).to_have_text("Sessions")
    sessions = page.locator("main .govuk-summary-card")
    expect(sessions).to_have_count(2)
    # Named in words, this device first.
    expect(sessions.first.locator("h2")).to_have_text(
        re.compile(r"^\s*HeadlessChrome on Linux\s+This device\s*$")
    )
    expect(sessions.nth(1).locator("h2")).to_have_text(re.compile(r"^\s*HeadlessChrome on Linux\s*$"))
    screenshot(page, "two-sessions")

    page.get_by_role("button", name=SIGN_OUT_OTHERS).click()
    expect(page).to_have_url(path_is("/accounts/sessions/"))
    expect(sessions).to_have_count(1)
    expect(sessions.first).to_contain_text("This device")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "You have signed out of your other sessions."
    )
    expect(page.get_by_role("button", name=SIGN_OUT_OTHERS)).to_have_count(0)
    screenshot(page, "one-session")

    other.goto("/")
    expect(other).to_have_url(LOGIN_PAGE)
    expect(heading(other)).to_have_text("Sign in")

    page.goto("/")
    expect(heading(page)).to_have_text("Your councils")
