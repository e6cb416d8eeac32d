import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory


def test_sign_up_is_closed(client, db):
    response = client.get(reverse("account_signup"))
    assert "invitation" in response.content.decode()
    client.post(
        reverse("account_signup"),
        {"email": "me@example.org", "password1": "a-long-password", "password2": "a-long-password"},
    )
    assert not get_user_model().objects.exists()


def test_the_sign_in_page_offers_no_sign_up(client, db):
    page = client.get(reverse("account_login")).content.decode()
    assert reverse("account_signup") not in page
    assert reverse("account_reset_password") in page


def test_signing_in_with_email_and_password(client, db):
    user = UserFactory(email="clerk@example.org")
    response = client.post(reverse("account_login"), {"login": "Clerk@Example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("parishes:home")
    assert client.get(reverse("parishes:home")).context["user"] == user


def test_a_wrong_password_is_refused_without_saying_whether_the_account_exists(client, db):
    UserFactory(email="clerk@example.org")
    known = client.post(reverse("account_login"), {"login": "clerk@example.org", "password": "wrong"})
    unknown = client.post(reverse("account_login"), {"login": "nobody@example.org", "password": "wrong"})
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].errors == unknown.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_password_reset_does_not_reveal_accounts(client, db, django_capture_on_commit_callbacks):
    UserFactory(email="clerk@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("account_reset_password"), {"email": "clerk@example.org"})
        unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    reset = next(m for m in mail.outbox if m.to == ["clerk@example.org"])
    assert reset.subject.startswith("Clusterwork: ")
    assert "/accounts/password/reset/key/" in reset.body


def test_failed_sign_ins_are_rate_limited(client, db, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/key"}
    UserFactory(email="clerk@example.org")
    for _ in range(3):
        client.post(reverse("account_login"), {"login": "clerk@example.org", "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": "clerk@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Too many failed" in response.content.decode()


def test_the_account_pages_need_a_sign_in(client, db):
    for name in ("account_change_password", "mfa_index", "usersessions_list"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_the_account_pages_answer_the_signed_in_person(client, db):
    client.force_login(UserFactory())
    for name in ("account_change_password", "account_email", "mfa_index", "usersessions_list"):
        assert client.get(reverse(name)).status_code == 200, name


def test_changing_the_password(client, db):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "another-long-password", "password2": "another-long-password"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-long-password")


def test_email_is_unique_whatever_its_case(db):
    UserFactory(email="clerk@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        get_user_model().objects.create(email="CLERK@example.org", name="Twin")
