"""Sends a person who must use two-factor authentication to set it up before any other page."""

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .two_factor import TOLD_TAG, session_used_two_factor, two_factor_state_for_request

# What a person may still reach before setting up two-factor: setting it up (and the recovery codes it
# creates), confirming who they are again, verifying their email (allauth refuses two-factor until
# it is), signing out, and the pages that are public anyway.
ALLOWED_URL_NAMES = frozenset(
    {
        "mfa_activate_totp",
        "mfa_index",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_reauthenticate",
        "mfa_authenticate",
        "account_reauthenticate",
        "account_request_reauthentication_code",
        "account_confirm_reauthentication_code",
        "account_email",
        "account_email_verification_sent",
        "account_confirm_email",
        "account_logout",
        "healthz",
        "accessibility",
    }
)


class TwoFactorRequiredMiddleware:
    """After allauth's AccountMiddleware; costs nothing unless MFA_REQUIRED is on and someone is signed in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.MFA_REQUIRED or not request.user.is_authenticated:
            return None
        match = request.resolver_match
        if (match and match.view_name in ALLOWED_URL_NAMES) or request.path.startswith(settings.STATIC_URL):
            return None
        state = two_factor_state_for_request(request)
        if state.must_set_up:
            # Said on the page they land on, which may be allauth's password check before the set-up;
            # once, however many pages sent them there before one was shown.
            if not _already_told(request):
                messages.warning(
                    request,
                    f"Your account must use two-factor authentication because {state.reason}. "
                    "Set it up to continue.",
                    extra_tags=TOLD_TAG,
                )
            return redirect("mfa_activate_totp")
        if state.reason is not None and not session_used_two_factor(request):
            return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.get_full_path()})}")
        return None


def _already_told(request) -> bool:
    storage = messages.get_messages(request)
    told = any(TOLD_TAG in message.tags for message in storage)
    # Looking is not showing: keep the messages for the page that shows them (Django's documented way).
    storage.used = False
    return told


# How often a session's "last seen" (and address and browser) is written: allauth's own middleware
# writes it on every request, a database write that every page would pay for.
ACTIVITY_EVERY_SECONDS = 60


class SessionActivityMiddleware:
    """Keeps the sessions page's "last seen" current to the minute, with one write a minute per
    session at most (the cache remembers when it was last written: Redis where it is configured)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user, session = getattr(request, "user", None), getattr(request, "session", None)
        if (
            user is not None
            and user.is_authenticated
            and session is not None
            and session.session_key
            and cache.add(f"session-seen:{session.session_key}", True, ACTIVITY_EVERY_SECONDS)
        ):
            UserSession.objects.create_from_request(request, user=user, session=session)
        return self.get_response(request)
