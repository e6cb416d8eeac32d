"""The one way Clusterwork sends email: templates under templates/emails/, sent after commit by a task."""

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from .tasks import deliver, send_email

SUBJECT_PREFIX = "Clusterwork: "


def site_url() -> str:
    """The site's address without a trailing slash, for links in emails: site_url + a path."""
    return settings.SITE_URL.rstrip("/")


def email_renderer(template: str) -> Callable[[dict], tuple[str, str, str | None]]:
    """Looks emails/<template>_subject.txt, _message.txt and (if present) _message.html up once, and
    renders them for each context given: for many emails of one kind (a batch of reminder digests)."""
    subject_template = get_template(f"emails/{template}_subject.txt")
    body_template = get_template(f"emails/{template}_message.txt")
    try:
        html_template = get_template(f"emails/{template}_message.html")
    except TemplateDoesNotExist:
        html_template = None
    base_url = site_url()

    def render(context: dict) -> tuple[str, str, str | None]:
        context = {"site_url": base_url, **context}
        subject = " ".join(subject_template.render(context).split())
        body = body_template.render(context)
        html = html_template.render(context) if html_template else None
        return SUBJECT_PREFIX + subject, body, html

    return render


def render_email(template: str, context: dict) -> tuple[str, str, str | None]:
    """Render emails/<template>_subject.txt, _message.txt and (if present) _message.html."""
    return email_renderer(template)(context)


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
