from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from parishes import invitations
from parishes.invitations import InvitationError
from parishes.models import CouncilRole, Invitation


def token_from(message):
    link = next(line for line in message.body.splitlines() if "/invitations/" in line)
    return link.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def invite_councillor(cast, django_capture_on_commit_callbacks):
    def send(email="new.person@example.org", role="councillor", council=None):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invitations.invite(
                acting_user=cast.clerk_a,
                area=cast.north,
                council=council or cast.council_a,
                email=email,
                role=role,
            )
        return invitation, token_from(mail.outbox[-1])

    return send


def test_an_invitation_is_emailed_with_a_single_use_link(cast, invite_councillor):
    invitation, token = invite_councillor("New.Person@Example.org")
    assert invitation.email == "new.person@example.org"
    assert mail.outbox[-1].to == ["new.person@example.org"]
    assert "councillor of Ashby" in mail.outbox[-1].subject
    assert token not in invitation.token_hash
    assert invitations.find_invitation(token) == invitation
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)


def test_accepting_as_a_new_person_grants_the_role_once(cast, invite_councillor):
    invitation, token = invite_councillor()
    user = invitations.accept_invitation_as_new_person(
        invitation=invitations.find_invitation(token), name="New Person", password="a-long-password"
    )
    assert user.check_password("a-long-password")
    assert user.emailaddress_set.get().verified
    assert CouncilRole.objects.get(user=user).kind == "councillor"
    with pytest.raises(InvitationError, match="already been used"):
        invitations.find_invitation(token)
    with pytest.raises(InvitationError):
        invitations.accept_invitation(invitation=invitation, user=user)
    assert CouncilRole.objects.filter(user=user).count() == 1


def test_expired_and_withdrawn_links_are_refused(cast, invite_councillor):
    invitation, token = invite_councillor()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(InvitationError, match="expired"):
        invitations.find_invitation(token)
    second, token = invite_councillor("other@example.org")
    invitations.withdraw_invitation(acting_user=cast.clerk_a, invitation=second)
    with pytest.raises(InvitationError, match="withdrawn"):
        invitations.find_invitation(token)


def test_an_unknown_link_is_refused(db):
    with pytest.raises(InvitationError, match="not valid"):
        invitations.find_invitation("made-up")


def test_a_new_invitation_replaces_the_unused_one(cast, invite_councillor):
    _, first = invite_councillor()
    _, second = invite_councillor()
    with pytest.raises(InvitationError, match="withdrawn"):
        invitations.find_invitation(first)
    assert invitations.find_invitation(second)


def test_someone_else_cannot_accept(cast, invite_councillor):
    invitation, _ = invite_councillor()
    with pytest.raises(InvitationError, match="sign in with that address"):
        invitations.accept_invitation(invitation=invitation, user=cast.clerk_b)
    assert not CouncilRole.objects.filter(user=cast.clerk_b, council=cast.council_a).exists()


def test_inviting_someone_who_holds_the_role_is_refused(cast):
    with pytest.raises(InvitationError, match="already holds"):
        invitations.invite(
            acting_user=cast.clerk_a,
            area=cast.north,
            council=cast.council_a,
            email=cast.clerk_a.email,
            role="clerk",
        )


def test_an_area_role_cannot_be_given_by_a_council_invitation(cast):
    with pytest.raises(InvitationError, match="Choose a role"):
        invitations.invite(
            acting_user=cast.clerk_a,
            area=cast.north,
            council=cast.council_a,
            email="x@example.org",
            role="officer",
        )
    with pytest.raises(InvitationError, match="not in this area"):
        invitations.invite(
            acting_user=cast.admin,
            area=cast.north,
            council=cast.council_d,
            email="x@example.org",
            role="clerk",
        )
    assert not Invitation.objects.exists()


def test_an_existing_person_accepts_with_their_account(cast, invite_councillor):
    invitation, token = invite_councillor(email=cast.clerk_b.email)
    invitations.accept_invitation(invitation=invitations.find_invitation(token), user=cast.clerk_b)
    assert CouncilRole.objects.filter(user=cast.clerk_b, council=cast.council_a, kind="councillor").exists()
