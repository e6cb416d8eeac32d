"""Who must use two-factor authentication, and refusing to let them turn it off.

`accounts` knows nothing of councils or clusters, so the apps that hold roles register rules here
from their `AppConfig.ready()` (as they register panels with parishes): each rule is a function in
that app's access.py returning the person's current roles that need two-factor, and a reason to
show them. Staff are this app's own rule. Everything applies only while `MFA_REQUIRED` is on.
"""

from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, QuerySet
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from .access import is_site_administrator

STAFF_REASON = "you are a site administrator"
# The tag of the message that says why a person was sent to set up two-factor.
TOLD_TAG = "two-factor-required"


@dataclass(frozen=True)
class TwoFactorRule:
    # Finishes "Your account must use two-factor authentication because …".
    reason: str
    # The person's current roles that need two-factor: a queryset, empty when they hold none.
    current_roles: Callable[..., QuerySet]


requirement_rules: list[TwoFactorRule] = []


def require_two_factor_for(current_roles: Callable[..., QuerySet], *, reason: str) -> None:
    requirement_rules.append(TwoFactorRule(reason=reason, current_roles=current_roles))


@dataclass(frozen=True)
class TwoFactorState:
    has_authenticator: bool
    # Why the person must use two-factor, or None when nothing they hold needs it.
    reason: str | None

    @property
    def must_set_up(self) -> bool:
        return self.reason is not None and not self.has_authenticator


def _authenticators(user) -> QuerySet[Authenticator]:
    # Recovery codes alone are not a second factor: they only back one up.
    return Authenticator.objects.filter(user_id=user.pk).exclude(type=Authenticator.Type.RECOVERY_CODES)


def two_factor_state(user) -> TwoFactorState:
    """Whether the person has an authenticator and why they need one, in one query."""
    if not getattr(settings, "MFA_REQUIRED", False) or not user.is_authenticated:
        return TwoFactorState(has_authenticator=False, reason=None)
    rules = list(requirement_rules)
    annotations = {"has_authenticator": Exists(_authenticators(user))}
    annotations.update({f"rule_{i}": Exists(rule.current_roles(user)) for i, rule in enumerate(rules)})
    row = get_user_model().objects.filter(pk=user.pk).order_by().values(**annotations).first() or {}
    reason = STAFF_REASON if is_site_administrator(user) else None
    if reason is None:
        reason = next((rule.reason for i, rule in enumerate(rules) if row.get(f"rule_{i}")), None)
    return TwoFactorState(has_authenticator=bool(row.get("has_authenticator")), reason=reason)


def session_used_two_factor(request) -> bool:
    """Whether this session gave a code: at sign-in, when asked again, or by setting two-factor up.
    Having an authenticator is not enough: a session signed in with a password alone before the
    authenticator was added (or through the old admin sign-in) must give a code before it goes on."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


@receiver(authenticator_added)
def _setting_up_counts_as_using(sender, request, user, authenticator, **kwargs) -> None:
    # Activating TOTP proves the person holds the authenticator; allauth records only codes given
    # at sign-in or reauthentication, so record this one the same way (its own internal helper).
    if request is not None and authenticator.type != Authenticator.Type.RECOVERY_CODES:
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
        # allauth sends the signal after commit, which is after the response wherever the request
        # runs inside an outer transaction (the tests do): save, so that the record is not lost.
        request.session.save()


def two_factor_state_for_request(request) -> TwoFactorState:
    """The state for the request's person, looked up at most once per request."""
    state = getattr(request, "_two_factor_state", None)
    if state is None:
        state = request._two_factor_state = two_factor_state(request.user)
    return state


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _("The code is not right: enter the 6-digit code your authenticator app shows now"),
        "cannot_delete_authenticator": _(
            "You cannot turn off two-factor authentication while you chair, vice-chair or co-ordinate "
            "a cluster, are a county officer or area administrator, or are a site administrator."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Refuse to remove the last authenticator of a person who must use two-factor."""
        if authenticator.type == Authenticator.Type.RECOVERY_CODES:
            return super().can_delete_authenticator(authenticator)
        user = authenticator.user
        state = two_factor_state(user)
        if state.reason is not None and not _authenticators(user).exclude(pk=authenticator.pk).exists():
            return False
        return super().can_delete_authenticator(authenticator)
