from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives


def deliver(*, to: list[str], subject: str, body: str, html: str | None = None, attachments=()) -> None:
    """Send one email now. `attachments`: (file name, bytes, MIME type) each."""
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    if html:
        message.attach_alternative(html, "text/html")
    for attachment in attachments:
        message.attach(*attachment)
    message.send()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str, html: str | None = None) -> None:
    deliver(to=to, subject=subject, body=body, html=html)
