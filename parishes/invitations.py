"""Invitations: the only way in. An emailed, single-use link that grants the role it carries."""

import hashlib
import re
import secrets
import unicodedata
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.emails import send_templated_email

from . import audit, services
from .models import Area, AreaRole, Council, CouncilRole, Invitation


class InvitationError(Exception):
    """Why an invitation cannot be made or used; the message is shown to the person."""


# A person's name goes into emails ("Hello …", "… has invited you"): it must read as a name, not as
# a message or a link. Letters of any script, spaces, hyphens, apostrophes and full stops only.
NAME_MAX_LENGTH = 100
_NAME_PUNCTUATION = frozenset(" '’-.")
# "evil.com", "www.example.org": a full stop between letters, then two or more letters.
_DOMAIN_LIKE = re.compile(r"[^\W\d_]\.[^\W\d_]{2,}")


def clean_person_name(name: str) -> str:
    """The name tidied (NFC, single spaces), or ValueError saying what is wrong with it."""
    name = " ".join(unicodedata.normalize("NFC", name or "").split())
    if len(name) > NAME_MAX_LENGTH:
        raise ValueError(f"The name must be {NAME_MAX_LENGTH} characters or fewer")
    if any(
        not (ch.isalpha() or ch in _NAME_PUNCTUATION or unicodedata.category(ch).startswith("M"))
        for ch in name
    ):
        raise ValueError("The name can only contain letters, spaces, hyphens, apostrophes and full stops")
    if name and not any(ch.isalpha() for ch in name):
        raise ValueError("Enter a name with letters in it")
    if _DOMAIN_LIKE.search(name):
        raise ValueError("Enter a person's name, not a web address")
    return name


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _holds_role(email: str, area: Area, council: Council | None, role: str) -> bool:
    if council is not None:
        roles = CouncilRole.objects.filter(council=council)
    else:
        roles = AreaRole.objects.filter(area=area)
    return roles.filter(user__email__iexact=email, kind=role, ended_on__isnull=True).exists()


@transaction.atomic
def invite(
    *, acting_user, area: Area, council: Council | None = None, email: str, role: str, name: str = ""
) -> Invitation:
    email = email.strip().lower()
    try:
        name = clean_person_name(name)
    except ValueError as error:
        raise InvitationError(f"{error}.") from None
    if council is not None and council.area_id != area.pk:
        raise InvitationError("That council is not in this area.")
    allowed = CouncilRole.Kind.values if council is not None else AreaRole.Kind.values
    if role not in allowed:
        raise InvitationError("Choose a role that fits where the person is invited.")
    place = council or area
    if _holds_role(email, area, council, role):
        raise InvitationError(f"{email} already holds that role in {place}.")
    # A new invitation replaces any unused one for the same person and role.
    Invitation.objects.filter(
        area=area,
        council=council,
        role=role,
        email=email,
        accepted_at__isnull=True,
        withdrawn_at__isnull=True,
    ).update(withdrawn_at=timezone.now())
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        area=area,
        council=council,
        role=role,
        email=email,
        name=name,
        token_hash=_hash(token),
        invited_by=acting_user,
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    audit.record(
        actor=acting_user,
        action="invitation.sent",
        area=area,
        council=council,
        summary=f"{email} invited as {invitation.get_role_display().lower()}",
        after={"email": email, "role": role, "expires_at": invitation.expires_at.isoformat()},
    )
    send_templated_email(
        template="invitation",
        to=email,
        context={
            "invitation": invitation,
            "place": place,
            "inviter": acting_user,
            "link": settings.SITE_URL.rstrip("/") + reverse("parishes:invitation_accept", args=[token]),
        },
    )
    return invitation


def find_invitation(token: str) -> Invitation:
    """The invitation behind a link, or InvitationError saying plainly why it cannot be used."""
    invitation = (
        Invitation.objects.select_related("area", "council", "invited_by")
        .filter(token_hash=_hash(token))
        .first()
    )
    if invitation is None:
        raise InvitationError(
            "This invitation link is not valid. Check you copied the whole link from the email."
        )
    if invitation.accepted_at:
        raise InvitationError("This invitation has already been used. Sign in to use Clusterwork.")
    if invitation.withdrawn_at:
        raise InvitationError(
            "This invitation was withdrawn. Ask the person who invited you to send a new one."
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationError(
            "This invitation has expired. Ask the person who invited you to send a new one: "
            f"invitations last {settings.INVITATION_VALID_DAYS} days."
        )
    return invitation


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user) -> None:
    """Grant the invitation's role to the signed-in person it was sent to. Single use."""
    # Locking the row makes a second, simultaneous use of the same link wait and then fail.
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("area", "council")
        .get(pk=invitation.pk)
    )
    if not invitation.is_pending:
        raise InvitationError("This invitation can no longer be used.")
    if user.email.lower() != invitation.email:
        raise InvitationError(f"This invitation was sent to {invitation.email}: sign in with that address.")
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    already = _holds_role(user.email, invitation.area, invitation.council, invitation.role)
    if not already:
        if invitation.council is not None:
            services.grant_council_role(
                acting_user=invitation.invited_by, council=invitation.council, user=user, kind=invitation.role
            )
        else:
            services.grant_area_role(
                acting_user=invitation.invited_by, area=invitation.area, user=user, kind=invitation.role
            )
    audit.record(
        actor=user,
        action="invitation.accepted",
        area=invitation.area,
        council=invitation.council,
        summary=f"{user.email} accepted the invitation to be {invitation.get_role_display().lower()}",
        after={"email": user.email, "role": invitation.role},
    )


@transaction.atomic
def accept_invitation_as_new_person(*, invitation: Invitation, name: str, password: str):
    """Create the invited person's account (their email is verified by the link) and accept."""
    try:
        name = clean_person_name(name)
    except ValueError as error:
        raise InvitationError(f"{error}.") from None
    if not name:
        raise InvitationError("Enter your full name.")
    # The invitation's row is locked before anything else: the same link used twice at once (a
    # double click, two tabs) waits here, then finds the invitation used rather than racing to
    # create the same account.
    invitation = Invitation.objects.select_for_update(of=("self",)).get(pk=invitation.pk)
    if invitation.accepted_at:
        raise InvitationError("This invitation has already been used. Sign in to use Clusterwork.")
    if not invitation.is_pending:
        raise InvitationError("This invitation can no longer be used.")
    User = get_user_model()
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationError(f"There is already an account for {invitation.email}: sign in to accept.")
    try:
        # Another invitation to the same address may be accepted at the same moment.
        with transaction.atomic():
            user = User.objects.create_user(invitation.email, password, name=name)
    except IntegrityError:
        raise InvitationError(
            f"There is already an account for {invitation.email}: sign in to accept."
        ) from None
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    accept_invitation(invitation=invitation, user=user)
    return user


@transaction.atomic
def withdraw_invitation(*, acting_user, invitation: Invitation) -> None:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("area", "council")
        .get(pk=invitation.pk)
    )
    if not invitation.is_pending:
        raise InvitationError("This invitation can no longer be withdrawn.")
    invitation.withdrawn_at = timezone.now()
    invitation.save(update_fields=["withdrawn_at"])
    audit.record(
        actor=acting_user,
        action="invitation.withdrawn",
        area=invitation.area,
        council=invitation.council,
        summary=f"Invitation to {invitation.email} withdrawn",
        before={"email": invitation.email, "role": invitation.role},
    )
