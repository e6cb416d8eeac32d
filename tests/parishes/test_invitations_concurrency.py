"""One invitation link used by two requests at the same moment (a double click, two tabs): one
account, one role, and the other request told plainly that the invitation has been used.

The first transaction is held inside, after it has created the account, so that the second arrives
while the first has not committed. These need PostgreSQL (CI sets DATABASE_URL): SQLite serialises
every write to the whole database, so it cannot show what the row lock does.
"""

import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from parishes import invitations, services
from parishes.invitations import InvitationError
from parishes.models import AuditEvent, CouncilRole, Invitation
from tests.concurrency import at_once, postgresql_only
from tests.parishes.test_invitations import token_from

pytestmark = postgresql_only

HOLD = 0.5  # seconds the first transaction waits after creating the account, before committing


@pytest.fixture
def slow_grant(monkeypatch):
    """Granting the role pauses: the account exists, uncommitted, while the other request arrives."""
    grant = services.grant_council_role

    def grant_then_wait(**kwargs):
        result = grant(**kwargs)
        time.sleep(HOLD)
        return result

    monkeypatch.setattr(services, "grant_council_role", grant_then_wait)


def test_one_link_accepted_twice_at_once_makes_one_account(cast, slow_grant):
    invitations.invite(
        acting_user=cast.clerk_a, area=cast.north, council=cast.council_a, email="new@example.org", role="rfo"
    )
    token = token_from(mail.outbox[-1])

    def accept(name):
        return lambda: invitations.accept_invitation_as_new_person(
            invitation=invitations.find_invitation(token), name=name, password="a-long-password"
        )

    results = at_once(accept("New Person"), accept("New Person Again"))

    users = [r for r in results if isinstance(r, get_user_model())]
    refused = [r for r in results if isinstance(r, InvitationError)]
    assert len(users) == 1 and len(refused) == 1, results
    assert "already been used" in str(refused[0])
    assert get_user_model().objects.filter(email="new@example.org").count() == 1
    assert CouncilRole.objects.filter(user__email="new@example.org", kind="rfo").count() == 1
    assert Invitation.objects.get().accepted_by == users[0]
    assert AuditEvent.objects.filter(action="invitation.accepted").count() == 1
