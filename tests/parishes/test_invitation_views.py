import pytest
from django.core import mail
from django.urls import reverse

from parishes import invitations
from parishes.models import CouncilRole, Invitation
from tests.parishes.test_invitations import token_from


@pytest.fixture
def link(cast, django_capture_on_commit_callbacks):
    def send(email="new.person@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            invitations.invite(
                acting_user=cast.clerk_a,
                area=cast.north,
                council=cast.council_a,
                email=email,
                role="councillor",
            )
        return reverse("parishes:invitation_accept", args=[token_from(mail.outbox[-1])])

    return send


def test_a_new_person_accepts_sets_a_password_and_is_signed_in(cast, client, link):
    target = link()
    assert "Accept your invitation" in client.get(target).content.decode()
    response = client.post(
        target, {"name": "New Person", "password1": "a-long-password", "password2": "a-long-password"}
    )
    assert response.status_code == 302
    assert response.url == reverse("parishes:council", args=[cast.council_a.pk])
    assert client.get(response.url).status_code == 200
    assert CouncilRole.objects.get(user__email="new.person@example.org").kind == "councillor"


def test_a_reused_link_grants_nothing(cast, client, link):
    target = link()
    client.post(
        target, {"name": "New Person", "password1": "a-long-password", "password2": "a-long-password"}
    )
    client.logout()
    response = client.get(target)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    response = client.post(
        target, {"name": "Someone", "password1": "a-long-password", "password2": "a-long-password"}
    )
    assert response.status_code == 410
    assert CouncilRole.objects.filter(user__email="new.person@example.org").count() == 1


def test_a_bad_password_is_explained_and_creates_nothing(cast, client, link):
    target = link()
    response = client.post(target, {"name": "", "password1": "short", "password2": "other"})
    assert set(response.context["form"].errors) == {"name", "password2"}
    response = client.post(target, {"name": "N", "password1": "password", "password2": "password"})
    assert "password1" in response.context["form"].errors
    assert not CouncilRole.objects.filter(user__email="new.person@example.org").exists()


def test_an_expired_link_is_refused(cast, client, link):
    target = link()
    Invitation.objects.update(expires_at="2000-01-01T00:00Z")
    response = client.get(target)
    assert response.status_code == 410 and "expired" in response.content.decode()


def test_someone_with_an_account_signs_in_first(cast, client, link):
    target = link(email=cast.clerk_b.email)
    page = client.get(target).content.decode()
    assert "Sign in to accept" in page
    client.force_login(cast.clerk_b)
    assert client.post(target).status_code == 302
    assert CouncilRole.objects.filter(user=cast.clerk_b, council=cast.council_a).exists()


def test_the_wrong_person_signed_in_is_told_and_nothing_granted(cast, client, link):
    target = link()
    client.force_login(cast.clerk_b)
    response = client.post(target)
    assert response.status_code == 403
    assert "for someone else" in response.content.decode()
    assert not CouncilRole.objects.filter(user=cast.clerk_b, council=cast.council_a).exists()
