from allauth.account.adapter import DefaultAccountAdapter

from .emails import queue_email, render_email


class AccountAdapter(DefaultAccountAdapter):
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
