import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

logger = logging.getLogger(__name__)


def deliver(
    *, to: list[str], subject: str, body: str, html: str | None = None, attachments=(), connection=None
) -> None:
    """Send one email now. `attachments`: (file name, bytes, MIME type) each; `connection`: an open
    mail connection to send it through (a new one otherwise)."""
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, to, connection=connection)
    if html:
        message.attach_alternative(html, "text/html")
    for attachment in attachments:
        message.attach(*attachment)
    message.send()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str, html: str | None = None) -> None:
    deliver(to=to, subject=subject, body=body, html=html)


SEND_ATTEMPTS = 6  # as send_email's first try and its five retries


@shared_task
def send_emails(*, emails: list[dict], attempt: int = 1) -> None:
    """Many emails (each send_email's arguments) through one mail connection: the reminder digests
    of a batch. Those that fail with a network error go again later in a task of their own (not a
    retry of this one, which would send again those that went), backing off as send_email does."""
    failed = []
    with get_connection() as connection:
        for email in emails:
            try:
                deliver(**email, connection=connection)
            except OSError:
                failed.append(email)
    if not failed:
        return
    if attempt >= SEND_ATTEMPTS:
        logger.error("%s emails could not be sent after %s attempts", len(failed), attempt)
        return
    send_emails.apply_async(kwargs={"emails": failed, "attempt": attempt + 1}, countdown=2**attempt)
