"""The one way Clusterwork sends email: templates under templates/emails/, sent after commit by a task."""

from django.conf import settings
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from .tasks import deliver, send_email

SUBJECT_PREFIX = "Clusterwork: "


def render_email(template: str, context: dict) -> tuple[str, str, str | None]:
    """Render emails/<template>_subject.txt, _message.txt and (if present) _message.html."""
    context = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    body = render_to_string(f"emails/{template}_message.txt", context)
    try:
        html = render_to_string(f"emails/{template}_message.html", context)
    except TemplateDoesNotExist:
        html = None
    return SUBJECT_PREFIX + subject, body, html


def queue_email(*, to: str, subject: str, body: str, html: str | None = None) -> None:
    """Send once the current transaction commits, so a rolled-back change sends nothing."""
    transaction.on_commit(lambda: send_email.delay(to=[to], subject=subject, body=body, html=html))


def send_templated_email(*, template: str, to: str, context: dict) -> None:
    subject, body, html = render_email(template, context)
    queue_email(to=to, subject=subject, body=body, html=html)


def send_templated_email_now(*, template: str, to: str, context: dict, attachments=()) -> None:
    """Send at once, from a task: for an email that carries a file the task has just made, which is too
    big to pass through the broker. The caller records what it sent, as it retries on OSError."""
    subject, body, html = render_email(template, context)
    deliver(to=[to], subject=subject, body=body, html=html, attachments=attachments)
