import math

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from django import forms

from .emails import queue_email, render_email

_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def lockout_minutes() -> int:
    """The longest window of the failed sign-in limits (ACCOUNT_RATE_LIMITS["login_failed"], e.g.
    "10/m/ip,5/5m/key"): after it, the oldest failure no longer counts and a try is allowed again."""
    longest = 60
    for rate in (app_settings.RATE_LIMITS.get("login_failed") or "").split(","):
        parts = rate.strip().split("/")
        if len(parts) < 2 or not parts[1]:
            continue
        duration, unit = parts[1][:-1], parts[1][-1]
        if unit in _SECONDS:
            longest = max(longest, (float(duration) if duration else 1) * _SECONDS[unit])
    return math.ceil(longest / 60)


class AccountAdapter(DefaultAccountAdapter):
    # allauth's wording, in the service's own voice (GOV.UK style: say what to do).
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": "Enter the email address and password of your account",
        "enter_current_password": "Enter your current password",
        "incorrect_code": "The code is not right: enter the code shown now",
        "incorrect_password": "The password is not right",
        "invalid_or_expired_key": "This link has expired or has already been used",
    }

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError as error:
            if error.code != "too_many_login_attempts":
                raise
            minutes = lockout_minutes()
            # The sign-in page reads this to offer the password reset beside the message.
            request.sign_in_locked_for = minutes
            when = "1 minute" if minutes == 1 else f"{minutes} minutes"
            raise forms.ValidationError(
                f"Too many failed attempts to sign in. Try again in {when}, or reset your password "
                "if you have forgotten it.",
                code="too_many_login_attempts",
            ) from None

    def is_open_for_signup(self, request):
        # Nobody signs up uninvited: people join through parishes' invitations.
        return False

    def send_mail(self, template_prefix, email, context):
        # allauth's emails (password reset, verification, MFA notices) come from templates/emails/
        # like every other, and go out through the same task.
        context = {**context, "email": email}
        name = template_prefix.rsplit("/", 1)[-1]
        subject, body, html = render_email(name, context)
        queue_email(to=email, subject=subject, body=body, html=html)
