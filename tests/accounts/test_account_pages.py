"""django-allauth's account pages, as templates/account/, mfa/ and usersessions/ override them, speak
in the service's voice: sentence-case headings, plain words, GOV.UK banners, a natural tab order, and
a sessions page that names browsers in words."""

import re
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags

from accounts.templatetags.user_agents import browser_and_system
from tests.factories import PASSWORD, UserFactory

from .test_two_factor_required import (
    activate_totp,
    give_totp,
    open_activation,
    sign_in_with_password,
    totp_code,
)

CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
FIREFOX_ON_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0"
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)

# Words that keep their capital inside a sentence-case heading.
PROPER_NOUNS = {"Clusterwork"}
OVERRIDES = Path(settings.BASE_DIR) / "templates"


def h1_of(response) -> str:
    headings = re.findall(r"<h1\b[^>]*>(.*?)</h1>", response.content.decode(), re.S)
    assert len(headings) == 1, headings
    return " ".join(strip_tags(headings[0]).split())


def title_of(response) -> str:
    (title,) = re.findall(r"<title>(.*?)</title>", response.content.decode(), re.S)
    return " ".join(title.split()).removesuffix(" – Clusterwork")


def is_sentence_case(text: str) -> bool:
    words = re.findall(r"[A-Za-z][\w'’]*", text)
    return (
        bool(words)
        and words[0][0].isupper()
        and not any(word[0].isupper() for word in words[1:] if word not in PROPER_NOUNS)
    )


def success_banners(response) -> list[str]:
    html = response.content.decode()
    return [
        " ".join(heading.split())
        for heading in re.findall(
            r'govuk-notification-banner--success.*?<p class="govuk-notification-banner__heading">(.*?)</p>',
            html,
            re.S,
        )
    ]


@pytest.fixture
def walk(db):
    """Every overridden page as a person meets it: {name: response}, each answered 200."""
    pages = {}

    def visit(name, client, url):
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code, getattr(response, "url", ""))
        pages[name] = response

    anonymous = Client()
    visit("sign in", anonymous, reverse("account_login"))
    visit("sign up", anonymous, reverse("account_signup"))
    visit("password reset", anonymous, reverse("account_reset_password"))
    visit("password reset sent", anonymous, reverse("account_reset_password_done"))
    visit(
        "password reset link that does not work",
        anonymous,
        reverse("account_reset_password_from_key", kwargs={"uidb36": "0", "key": "not-a-key"}),
    )
    visit("password reset done", anonymous, reverse("account_reset_password_from_key_done"))
    visit(
        "email confirmation link that does not work", anonymous, reverse("account_confirm_email", args=["x"])
    )
    visit("email confirmation sent", anonymous, reverse("account_email_verification_sent"))

    person = Client()
    someone = UserFactory()
    sign_in_with_password(person, someone)
    visit("sign out", person, reverse("account_logout"))
    visit("change password", person, reverse("account_change_password"))
    visit("email", person, reverse("account_email"))
    visit("two-factor", person, reverse("mfa_index"))
    # allauth asks for the password again before two-factor is set up, even just after signing in.
    visit("password again", person, reverse("account_reauthenticate"))
    visit("code by email", person, reverse("account_request_reauthentication_code"))
    sent = person.post(reverse("account_request_reauthentication_code"), {"recipient": someone.email})
    visit("code from the email", person, sent.url)
    # Said once, by the page: no banner repeats it.
    assert success_banners(pages["code from the email"]) == []
    assert person.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    visit("set up two-factor", person, reverse("mfa_activate_totp"))
    visit("sessions", person, reverse("usersessions_list"))

    without_password = UserFactory()
    without_password.set_unusable_password()
    without_password.save()
    new_person = Client()
    new_person.force_login(without_password)
    visit("set password", new_person, reverse("account_set_password"))

    secured = UserFactory()
    secret = give_totp(secured)
    RecoveryCodes.activate(secured)
    with_code = Client()
    sign_in_with_password(with_code, secured)
    visit("code at sign-in", with_code, reverse("mfa_authenticate"))
    assert with_code.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}).status_code == 302
    visit("code again", with_code, reverse("mfa_reauthenticate"))
    assert with_code.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    visit("turn off two-factor", with_code, reverse("mfa_deactivate_totp"))
    visit("recovery codes", with_code, reverse("mfa_view_recovery_codes"))
    visit("new recovery codes", with_code, reverse("mfa_generate_recovery_codes"))
    return pages


HEADINGS = {
    "sign in": "Sign in",
    "sign up": "You need an invitation to join",
    "password reset": "Reset your password",
    "password reset sent": "Check your email",
    "password reset link that does not work": "This link does not work",
    "password reset done": "Your password has been changed",
    "email confirmation link that does not work": "This link does not work",
    "email confirmation sent": "Check your email",
    "sign out": "Sign out",
    "change password": "Change your password",
    "email": "Email addresses",
    "two-factor": "Two-factor authentication",
    "set up two-factor": "Set up an authenticator app",
    "password again": "Enter your password again",
    "sessions": "Sessions",
    "set password": "Choose a password",
    "code by email": "Get a code by email",
    "code from the email": "Enter the code we emailed you",
    "code at sign-in": "Two-factor authentication",
    "code again": "Enter a code from your authenticator app",
    "turn off two-factor": "Turn off two-factor authentication",
    "recovery codes": "Recovery codes",
    "new recovery codes": "Get new recovery codes",
}


def test_each_page_has_its_heading(walk):
    assert {name: h1_of(response) for name, response in walk.items()} == HEADINGS


def test_no_heading_or_title_is_in_title_case(walk):
    not_sentence_case = [
        (name, text)
        for name, response in walk.items()
        for text in (h1_of(response), title_of(response))
        if not is_sentence_case(text)
    ]
    assert not not_sentence_case


def test_sentence_case_is_what_the_check_tells_apart():
    assert is_sentence_case("Two-factor authentication")
    assert is_sentence_case("Sign in to Clusterwork")
    assert not is_sentence_case("Two-Factor Authentication")
    assert not is_sentence_case("Confirm Access")


def test_the_walk_covers_every_overridden_page(walk):
    """A new override with a heading must join the walk, or this fails."""
    rendered = {template.name for response in walk.values() for template in response.templates}
    overridden = {
        str(path.relative_to(OVERRIDES))
        for folder in ("account", "mfa", "usersessions")
        for path in (OVERRIDES / folder).rglob("*.html")
        if re.search(r"<h1|element h1", path.read_text())
    }
    assert overridden and not overridden - rendered, overridden - rendered


def test_allauth_wording_is_gone(walk):
    html = "".join(response.content.decode() for response in walk.values())
    for phrase in (
        "Please reauthenticate",
        "Confirm Access",
        "Two-Factor",
        "Authenticator App",
        "Recovery Codes",
    ):
        assert phrase not in html, phrase


# allauth says so after commit: in a test's own transaction, that would be after the response.
@pytest.mark.django_db(transaction=True)
def test_turning_two_factor_on_shows_a_success_banner(client):
    user = UserFactory()
    sign_in_with_password(client, user)
    activate_totp(client)
    page = client.get(reverse("mfa_view_recovery_codes"))
    # One banner: the first recovery codes come with it, and the page says what they are.
    assert success_banners(page) == ["Two-factor authentication is turned on."]
    assert h1_of(page) == "Recovery codes"
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    # Said once: the next page has no banner.
    assert success_banners(client.get(reverse("mfa_index"))) == []


def test_a_wrong_code_turns_nothing_on_and_says_why_beside_the_field(client, db):
    user = UserFactory()
    sign_in_with_password(client, user)
    open_activation(client)
    page = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "govuk-error-summary" in html and 'id="id_code_error"' in html
    assert "Two-factor authentication is turned on." not in success_banners(page)
    assert not Authenticator.objects.filter(user=user).exists()


@pytest.mark.django_db(transaction=True)  # said after commit, as above
def test_new_recovery_codes_say_the_old_ones_stopped_working(client):
    user = UserFactory()
    secret = give_totp(user)
    old_codes = RecoveryCodes.activate(user).get_unused_codes()
    sign_in_with_password(client, user)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.post(reverse("mfa_generate_recovery_codes")).status_code == 302
    page = client.get(reverse("mfa_view_recovery_codes"))
    assert "You have new recovery codes. The ones you had before no longer work." in success_banners(page)
    assert not set(old_codes) & set(page.context["unused_codes"])


def test_signing_out_says_you_have_signed_out(client, db):
    sign_in_with_password(client, UserFactory())
    page = client.post(reverse("account_logout"), follow=True)
    assert page.request["PATH_INFO"] == reverse("account_login")
    assert "You have signed out." in success_banners(page)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("name", "password_field"),
    [
        ("account_login", "password"),
        ("account_change_password", "oldpassword"),
        ("account_reauthenticate", "password"),
    ],
)
def test_forgot_your_password_comes_after_the_password_box(client, db, name, password_field):
    if name != "account_login":
        sign_in_with_password(client, UserFactory())
    html = client.get(reverse(name)).content.decode()
    box = html.index(f'name="{password_field}"')
    assert html.count("Forgot your password?") == 1
    assert box < html.index("Forgot your password?")
    # Not a hint above the box either: the box describes nothing that says it.
    assert f'id="id_{password_field}_helptext"' not in html


def test_the_password_form_labels_are_in_sentence_case(client, db):
    sign_in_with_password(client, UserFactory())
    html = client.get(reverse("account_change_password")).content.decode()
    labels = [
        " ".join(strip_tags(label).split())
        for label in re.findall(r"<label\b[^>]*>(.*?)</label>", html, re.S)
    ]
    assert labels == ["Current password", "New password", "Confirm new password"]


def test_a_wrong_current_password_changes_nothing_and_says_so_beside_the_field(client, db):
    user = UserFactory()
    sign_in_with_password(client, user)
    page = client.post(
        reverse("account_change_password"),
        {"oldpassword": "not-it", "password1": "another-long-password", "password2": "another-long-password"},
    )
    assert page.status_code == 200
    assert 'id="id_oldpassword_error"' in page.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("user_agent", "words"),
    [
        (CHROME_ON_WINDOWS, "Chrome on Windows"),
        (FIREFOX_ON_MAC, "Firefox on macOS"),
        (SAFARI_ON_IPHONE, "Mobile Safari on iOS"),
        ("curl/8.5.0", "curl"),
        ("", "An unknown browser"),
    ],
)
def test_a_browser_is_named_in_words(user_agent, words):
    assert browser_and_system(user_agent) == words


def test_the_sessions_page_names_browsers_and_puts_this_device_first(db):
    user = UserFactory()
    # The other browser signs in first: allauth lists sessions oldest first.
    other = Client(HTTP_USER_AGENT=FIREFOX_ON_MAC)
    sign_in_with_password(other, user)
    this = Client(HTTP_USER_AGENT=CHROME_ON_WINDOWS)
    sign_in_with_password(this, user)

    html = this.get(reverse("usersessions_list")).content.decode()
    cards = [
        " ".join(strip_tags(title).split())
        for title in re.findall(r'<h2 class="govuk-summary-card__title">(.*?)</h2>', html, re.S)
    ]
    assert cards == ["Chrome on Windows This device", "Firefox on macOS"]
    assert CHROME_ON_WINDOWS not in html
    assert "Sign out other sessions" in html

    # From the other browser, that one is this device.
    html = other.get(reverse("usersessions_list")).content.decode()
    assert "Firefox on macOS <strong" in " ".join(html.split())
    assert html.index("Firefox on macOS") < html.index("Chrome on Windows")


def test_signing_out_other_sessions_says_so_and_ends_them(db):
    user = UserFactory()
    other = Client(HTTP_USER_AGENT=FIREFOX_ON_MAC)
    sign_in_with_password(other, user)
    this = Client(HTTP_USER_AGENT=CHROME_ON_WINDOWS)
    sign_in_with_password(this, user)

    page = this.post(reverse("usersessions_list"), follow=True)
    html = page.content.decode()
    assert "You have signed out of your other sessions." in html
    assert "Firefox on macOS" not in html and "Sign out other sessions" not in html
    assert other.get(reverse("parishes:home")).status_code == 302
