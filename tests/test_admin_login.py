"""Django's admin signs in through allauth, so its rate limits and two-factor apply to site
administrators too; with MFA_REQUIRED on, /admin/ cannot be reached without a code."""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from tests.accounts.test_two_factor_required import totp_code
from tests.factories import PASSWORD, UserFactory

LOGIN = reverse("account_login")


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.org", is_staff=True, is_superuser=True)


def next_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["next"][0]


def test_the_admin_sign_in_sends_people_to_allauths(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert urlsplit(response.url).path == LOGIN
    assert next_of(response.url) == "/admin/login/"
    response = client.get("/admin/login/?next=/admin/auth/group/")
    assert next_of(response.url) == "/admin/auth/group/"


def test_the_admin_index_leads_to_allauths_sign_in(client, db):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert response.request["PATH_INFO"] == LOGIN


def test_a_password_posted_to_the_admin_sign_in_signs_nobody_in(client, superuser):
    response = client.post("/admin/login/", {"username": superuser.email, "password": PASSWORD})
    assert response.status_code == 302 and urlsplit(response.url).path == LOGIN
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_allauths_sign_in_leads_a_superuser_on_to_the_admin(client, superuser):
    response = client.post(f"{LOGIN}?next=/admin/", {"login": superuser.email, "password": PASSWORD})
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    # Signed in, the admin's sign-in page leads on to the admin.
    assert client.get("/admin/login/").url == "/admin/"


def test_a_signed_in_person_who_is_not_staff_is_refused_the_admin(client, db):
    client.force_login(UserFactory())
    assert client.get("/admin/login/").status_code == 403
    assert client.get("/admin/", follow=True).status_code == 403


def test_with_mfa_required_a_password_alone_does_not_reach_the_admin(client, superuser, settings):
    settings.MFA_REQUIRED = True
    response = client.post(f"{LOGIN}?next=/admin/", {"login": superuser.email, "password": PASSWORD})
    assert response.url == "/admin/"
    for url in ("/admin/", "/admin/accounts/user/", "/admin/login/"):
        assert client.get(url).url == reverse("mfa_activate_totp"), url


def test_with_two_factor_the_admin_needs_the_code(client, superuser, settings):
    settings.MFA_REQUIRED = True
    secret = generate_totp_secret()
    TOTP.activate(superuser, secret)
    response = client.post(f"{LOGIN}?next=/admin/", {"login": superuser.email, "password": PASSWORD})
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    # The admin leads back to the sign-in, which asks for the code still owed.
    assert client.get("/admin/", follow=True).request["PATH_INFO"] == reverse("mfa_authenticate")
    wrong = client.post(
        reverse("mfa_authenticate"), {"code": "000000" if totp_code(secret) != "000000" else "1"}
    )
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
