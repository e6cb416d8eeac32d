"""With MFA_REQUIRED on, people who chair, see a whole area or are staff set up two-factor before
anything else, and cannot turn it off while they hold such a role."""

import datetime
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.two_factor import two_factor_state
from clusters.models import Position
from parishes import services
from parishes.models import CouncilRole
from tests.factories import PASSWORD, UserFactory

ACTIVATE = reverse("mfa_activate_totp")


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now, by allauth's own algorithm; waits out the last
    second of a period so that the code is still valid when the server checks it."""
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 1:
        time.sleep(1.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def sign_in_with_password(client, user):
    """Through allauth's sign-in form, as a person would."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def open_activation(client):
    """allauth asks for the password again before two-factor is set up, even just after signing in."""
    page = client.get(ACTIVATE)
    if page.status_code == 302 and page.url.startswith(reverse("account_reauthenticate")):
        again = client.post(page.url, {"password": PASSWORD})
        assert again.url == ACTIVATE
        page = client.get(ACTIVATE)
    assert page.status_code == 200
    return page


def activate_totp(client) -> str:
    """Drive allauth's activation form with a real code; returns the secret."""
    secret = open_activation(client).context["form"].secret
    # allauth announces the new authenticator after commit; that is when this session counts as
    # having given a code (accounts.two_factor).
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()
    return secret


def give_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED = True


@pytest.fixture
def people(cast):
    """The cast, with the chair's term around today whatever day the tests run, a vice-chair, and
    a site administrator."""
    today = timezone.localdate()
    Position.objects.filter(user=cast.chair).update(
        starts_on=today - datetime.timedelta(days=100), ends_on=today + datetime.timedelta(days=100)
    )
    cast.vice_chair = UserFactory(email="vice.chair@example.org")
    services.grant_council_role(
        acting_user=None, council=cast.council_a, user=cast.vice_chair, kind=CouncilRole.Kind.COUNCILLOR
    )
    Position.objects.create(
        cluster=cast.cluster,
        kind=Position.Kind.VICE_CHAIR,
        user=cast.vice_chair,
        council=cast.council_a,
        starts_on=today - datetime.timedelta(days=10),
    )
    cast.superuser = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    return cast


def pages(people):
    return [
        reverse("parishes:home"),
        reverse("clusters:list"),
        reverse("clusters:overview", kwargs={"slug": people.cluster.slug}),
        reverse("parishes:council", kwargs={"council_id": people.council_a.pk}),
        reverse("account_change_password"),
        reverse("usersessions_list"),
        "/admin/",
    ]


ROLES = ["chair", "vice_chair", "officer", "admin", "superuser"]


REASONS = {
    "chair": "you chair, vice-chair or co-ordinate a cluster",
    "vice_chair": "you chair, vice-chair or co-ordinate a cluster",
    "officer": "you are a county officer or area administrator",
    "admin": "you are a county officer or area administrator",
    "superuser": "you are a site administrator",
}


@pytest.mark.parametrize("role", ROLES)
def test_a_password_alone_reaches_only_the_two_factor_set_up(client, people, mfa_required, role):
    user = getattr(people, role)
    signed_in = sign_in_with_password(client, user)
    assert client.get(signed_in.url).url == ACTIVATE
    for url in pages(people):
        response = client.get(url)
        assert (response.status_code, response.url) == (302, ACTIVATE), url
        assert client.post(url).url == ACTIVATE, url
    explanation = f"Your account must use two-factor authentication because {REASONS[role]}."

    # allauth asks for the password again before the set-up: that page says why, once.
    asked_again = client.get(ACTIVATE)
    assert asked_again.url.startswith(reverse("account_reauthenticate"))
    assert client.get(asked_again.url).content.decode().count(explanation) == 1
    client.post(asked_again.url, {"password": PASSWORD})
    # The set-up page says it itself, and says it once when another page sent them there.
    assert client.get(ACTIVATE).content.decode().count(explanation) == 1
    sent_back = client.get(reverse("parishes:home"), follow=True)
    assert sent_back.redirect_chain == [(ACTIVATE, 302)]
    assert sent_back.content.decode().count(explanation) == 1


@pytest.mark.parametrize("role", ["chair", "officer", "superuser"])
def test_the_way_out_and_the_public_pages_stay_open(client, people, mfa_required, role):
    sign_in_with_password(client, getattr(people, role))
    for name in ("accessibility", "account_logout", "mfa_index", "account_email"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("healthz")).status_code in (200, 503)
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_a_clerk_who_holds_none_of_those_roles_is_not_sent_to_set_it_up(client, people, mfa_required):
    signed_in = sign_in_with_password(client, people.clerk_a)
    assert client.get(signed_in.url).status_code == 200
    for url in pages(people)[:4]:
        assert client.get(url).status_code == 200, url
    assert "must use two-factor" not in open_activation(client).content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_after_setting_up_two_factor_the_pages_open(client, people, mfa_required, role):
    user = getattr(people, role)
    sign_in_with_password(client, user)
    activate_totp(client)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("parishes:home")).status_code == 200
    assert client.get(reverse("clusters:overview", kwargs={"slug": people.cluster.slug})).status_code in (
        200,
        404,  # the superuser and the vice-chair's area roles aside, not everyone sees the cluster
    )
    if user.is_staff:
        assert client.get("/admin/").status_code == 200
    else:
        assert client.get("/admin/", follow=True).status_code == 403


def test_the_cluster_page_opens_for_the_chair_once_set_up(client, people, mfa_required):
    sign_in_with_password(client, people.chair)
    assert client.get(reverse("clusters:overview", kwargs={"slug": people.cluster.slug})).url == ACTIVATE
    activate_totp(client)
    assert client.get(reverse("clusters:overview", kwargs={"slug": people.cluster.slug})).status_code == 200


@pytest.mark.parametrize("role", ["chair", "officer", "superuser"])
def test_turning_off_the_last_authenticator_is_refused_while_the_role_is_held(
    client, people, mfa_required, role
):
    user = getattr(people, role)
    sign_in_with_password(client, user)
    activate_totp(client)
    deactivate = reverse("mfa_deactivate_totp")
    page = client.get(deactivate)
    assert "You cannot turn off two-factor authentication" in page.content.decode()
    response = client.post(deactivate)
    assert response.status_code == 200
    assert "You cannot turn off two-factor authentication" in response.content.decode()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_a_clerk_may_turn_it_on_and_off_again(client, people, mfa_required):
    sign_in_with_password(client, people.clerk_a)
    activate_totp(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=people.clerk_a).exists()


def test_a_former_officer_may_turn_it_off(client, people, mfa_required):
    sign_in_with_password(client, people.officer)
    activate_totp(client)
    people.officer.area_roles.update(ended_on=timezone.localdate())
    assert client.post(reverse("mfa_deactivate_totp")).status_code == 302
    assert not Authenticator.objects.filter(user=people.officer).exists()


def test_with_the_setting_off_a_chair_may_turn_it_off(client, people):
    sign_in_with_password(client, people.chair)
    activate_totp(client)
    assert client.post(reverse("mfa_deactivate_totp")).status_code == 302
    assert not Authenticator.objects.filter(user=people.chair).exists()


def test_a_chair_whose_term_has_ended_is_not_required(client, people, mfa_required):
    today = timezone.localdate()
    Position.objects.filter(user=people.chair).update(
        starts_on=today - datetime.timedelta(days=400), ends_on=today - datetime.timedelta(days=1)
    )
    assert two_factor_state(people.chair).reason is None
    sign_in_with_password(client, people.chair)
    assert client.get(reverse("parishes:home")).status_code == 200


def test_a_chair_whose_position_has_ended_or_not_yet_started_is_not_required(people, mfa_required):
    today = timezone.localdate()
    position = Position.objects.get(user=people.chair)
    position.ended_on = today
    position.save()
    assert two_factor_state(people.chair).reason is None
    Position.objects.filter(pk=position.pk).update(
        ended_on=None, starts_on=today + datetime.timedelta(days=1)
    )
    assert two_factor_state(people.chair).reason is None
    Position.objects.filter(pk=position.pk).update(starts_on=today, ends_on=today)
    assert two_factor_state(people.chair).reason == "you chair, vice-chair or co-ordinate a cluster"


def test_a_secretary_and_a_former_area_administrator_are_not_required(people, mfa_required):
    assert two_factor_state(people.secretary).reason is None
    people.admin.area_roles.update(ended_on=timezone.localdate())
    assert two_factor_state(people.admin).reason is None
    assert two_factor_state(people.officer).reason == "you are a county officer or area administrator"
    assert two_factor_state(people.superuser).reason == "you are a site administrator"


@pytest.mark.parametrize("role", ROLES)
def test_with_the_setting_off_nobody_is_sent_to_set_it_up(client, people, role):
    sign_in_with_password(client, getattr(people, role))
    assert client.get(reverse("parishes:home")).status_code == 200
    assert client.get(reverse("clusters:list")).status_code == 200


def test_a_chair_with_two_factor_signs_in_with_a_code(client, people, mfa_required):
    secret = give_totp(people.chair)
    response = sign_in_with_password(client, people.chair)
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("parishes:home")).status_code == 200


@pytest.mark.parametrize("role", ["chair", "superuser"])
def test_a_session_signed_in_with_a_password_alone_gives_a_code_once_there_is_an_authenticator(
    client, people, mfa_required, role
):
    """Someone who signed in with the password before the person set up two-factor elsewhere (or
    through the old admin sign-in) does not ride on the new authenticator: they must give a code."""
    user = getattr(people, role)
    sign_in_with_password(client, user)
    assert client.get(reverse("parishes:home")).url == ACTIVATE
    secret = give_totp(user)  # on the person's own device, in another session
    for url in (reverse("parishes:home"), "/admin/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{reverse('mfa_reauthenticate')}?next={url.replace('/', '%2F')}", url
    response = client.post(reverse("mfa_reauthenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("parishes:home")).status_code == 200
    if role == "superuser":
        assert client.get("/admin/").status_code == 200


def test_the_check_adds_at_most_one_query_to_a_page_of_a_person_who_needs_no_two_factor(
    client, people, settings, django_assert_max_num_queries
):
    client.force_login(people.clerk_a)
    home = reverse("parishes:home")
    client.get(home)
    with CaptureQueriesContext(connection) as off:
        assert client.get(home).status_code == 200
    settings.MFA_REQUIRED = True
    with django_assert_max_num_queries(len(off) + 1):
        assert client.get(home).status_code == 200


def test_the_check_is_one_query_cached_on_the_request(client, people, mfa_required):
    with CaptureQueriesContext(connection) as queries:
        assert two_factor_state(people.chair).must_set_up
    assert len(queries) == 1
    sign_in_with_password(client, people.chair)
    open_activation(client)
    for url in (reverse("parishes:home"), ACTIVATE):
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        # The check reads the person's row with their authenticators and roles as EXISTS columns.
        checks = [q for q in queries if '"has_authenticator"' in q["sql"]]
        assert len(checks) == 1, [q["sql"] for q in queries]


def test_a_co_ordinator_leads_a_cluster_so_must_use_two_factor(people, mfa_required):
    from clusters import leadership

    leadership.appoint(
        acting_user=None,
        cluster=people.cluster,
        kind="coordinator",
        user=people.clerk_b,
        council=people.council_b,
        starts_on=timezone.localdate(),
    )
    assert two_factor_state(people.clerk_b).reason == "you chair, vice-chair or co-ordinate a cluster"
