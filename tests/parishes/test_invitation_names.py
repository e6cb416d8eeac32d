"""Names that reach an email: an invitation's name and the name an invited person gives themselves
read as a name, never as a message or a link."""

import pytest
from django.core import mail
from django.urls import reverse

from parishes import invitations
from parishes.invitations import InvitationError
from parishes.models import Invitation
from tests.parishes.test_invitations import token_from

BAD_NAMES = [
    ("N" * 101, "The name must be 100 characters or fewer"),
    ("Visit www.prizes.example now", "Enter a person's name, not a web address"),
    ("claim.prizes", "Enter a person's name, not a web address"),
    (
        "Jo https://evil.example/x",
        "The name can only contain letters, spaces, hyphens, apostrophes and full stops",
    ),
    ("Jo <b>Bloggs</b>", "The name can only contain letters, spaces, hyphens, apostrophes and full stops"),
    ("Jo\x00Bloggs", "Null characters are not allowed."),
    ("Jo\u202eBloggs", "The name can only contain letters, spaces, hyphens, apostrophes and full stops"),
    ("Call 0800 123456", "The name can only contain letters, spaces, hyphens, apostrophes and full stops"),
    ("--- ...", "Enter a name with letters in it"),
]
GOOD_NAMES = [
    ("Siân Lloyd-Jones", "Siân Lloyd-Jones"),
    ("J.R.R. Tolkien", "J.R.R. Tolkien"),
    ("Seán  O’Neill", "Seán O’Neill"),
    ("Jo\nBloggs", "Jo Bloggs"),
    ("Ng Wei", "Ng Wei"),
]


def invite_url(cast):
    return reverse("parishes:council_invite", args=[cast.council_a.pk])


def invite(cast, client_for, **data):
    fields = {"email": "new@example.org", "role": "councillor", "name": "", **data}
    return client_for(cast.clerk_a).post(invite_url(cast), fields)


@pytest.mark.parametrize(("name", "message"), BAD_NAMES)
def test_the_invitation_form_refuses_a_name_that_is_not_a_name(cast, client_for, name, message):
    response = invite(cast, client_for, name=name)
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [message]
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_an_email_address_longer_than_the_column_is_refused_by_the_form(cast, client_for):
    response = invite(cast, client_for, email="a" * 64 + "@" + ("b" * 60 + ".") * 4 + "org")
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(("name", "stored"), GOOD_NAMES)
def test_real_names_are_accepted_and_tidied(
    cast, client_for, django_capture_on_commit_callbacks, name, stored
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(cast, client_for, name=name)
    assert response.status_code == 302
    assert Invitation.objects.get().name == stored
    assert mail.outbox[-1].body.startswith(f"Hello {stored},")


@pytest.mark.parametrize(("name", "message"), [n for n in BAD_NAMES if "Null" not in n[1]])
def test_the_service_refuses_such_names_too(cast, name, message):
    with pytest.raises(InvitationError, match=message.split(",")[0]):
        invitations.invite(
            acting_user=cast.clerk_a,
            area=cast.north,
            council=cast.council_a,
            email="x@example.org",
            role="rfo",
            name=name,
        )
    assert not Invitation.objects.exists()


@pytest.fixture
def link(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invite(
            acting_user=cast.clerk_a,
            area=cast.north,
            council=cast.council_a,
            email="new@example.org",
            role="councillor",
        )
    return reverse("parishes:invitation_accept", args=[token_from(mail.outbox[-1])])


@pytest.mark.parametrize(("name", "message"), BAD_NAMES[:3])
def test_an_invited_person_cannot_give_themselves_such_a_name(cast, client, link, name, message):
    response = client.post(
        link, {"name": name, "password1": "a-long-password", "password2": "a-long-password"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [message]
    assert not Invitation.objects.get().accepted_at
    assert "_auth_user_id" not in client.session


def test_the_service_refuses_such_a_name_for_a_new_person(cast, link):
    invitation = Invitation.objects.get()
    with pytest.raises(InvitationError, match="not a web address"):
        invitations.accept_invitation_as_new_person(
            invitation=invitation, name="evil.example", password="a-long-pw-1"
        )
    invitation.refresh_from_db()
    assert not invitation.accepted_at
