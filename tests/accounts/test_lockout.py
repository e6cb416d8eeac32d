"""After too many failed sign-ins the page says when to try again and offers the password reset."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.adapters import lockout_minutes
from tests.factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _fresh_limits():
    # allauth keeps its counts in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


def sign_in(client, password):
    return client.post(reverse("account_login"), {"login": "clerk@example.org", "password": password})


def test_the_lockout_says_when_to_try_again_and_links_to_the_password_reset(client, db, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,3/5m/key"}
    UserFactory(email="clerk@example.org")
    for _ in range(3):
        page = sign_in(client, "wrong").content.decode()
        assert "Too many failed" not in page

    response = sign_in(client, PASSWORD)

    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors() == [
        "Too many failed attempts to sign in. Try again in 5 minutes, or reset your password "
        "if you have forgotten it."
    ]
    page = response.content.decode()
    assert "Try again in 5 minutes" in page
    assert f'<a class="govuk-link" href="{reverse("account_reset_password")}">Reset your password</a>' in page


def test_a_wrong_password_alone_does_not_show_the_lockout(client, db, settings):
    UserFactory(email="clerk@example.org")
    page = sign_in(client, "wrong").content.decode()
    assert "Try again in" not in page and 'id="locked-out"' not in page


@pytest.mark.parametrize(
    ("rates", "minutes"),
    [("10/m/ip,5/5m/key", 5), ("3/m/key", 1), ("5/30s/key", 1), ("10/m/ip,5/1h/key", 60), ("", 1)],
)
def test_the_wait_is_the_longest_window_of_the_limits(settings, rates, minutes):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": rates}
    assert lockout_minutes() == minutes


def test_the_projects_limits_lock_out_for_five_minutes(settings):
    # The test settings turn the limits off; the project's own are in base.
    from config.settings import base

    settings.ACCOUNT_RATE_LIMITS = base.ACCOUNT_RATE_LIMITS
    assert lockout_minutes() == 5
