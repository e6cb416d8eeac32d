"""Many emails through one connection (the reminder digests of a batch): one that fails with a
network error is tried again on its own, and none that went is sent twice."""

from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from accounts.tasks import send_emails

OPENED = []


class FlakyBackend(EmailBackend):
    """Refuses mail to down@example.org the first time, as an SMTP server that drops a message."""

    refused: set = set()

    def open(self):
        OPENED.append(self)
        return super().open()

    def send_messages(self, messages):
        for message in messages:
            if message.to == ["down@example.org"] and "down" not in self.refused:
                self.refused.add("down")
                raise ConnectionResetError("dropped")
        return super().send_messages(messages)


def email(to):
    return {"to": [to], "subject": f"To {to}", "body": "Hello", "html": None}


def test_a_batch_goes_through_one_connection_and_a_failed_email_alone_is_tried_again(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.refused = set()
    OPENED.clear()

    send_emails.delay(emails=[email("one@example.org"), email("down@example.org"), email("two@example.org")])

    assert sorted(m.to[0] for m in mail.outbox) == ["down@example.org", "one@example.org", "two@example.org"]
    # One connection for the batch, one for the retry of the email that failed.
    assert len(OPENED) == 2


class DownBackend(EmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("no mail server")


def test_emails_that_never_go_are_given_up_after_six_attempts(settings, caplog):
    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
    send_emails.delay(emails=[email("one@example.org")])
    assert not mail.outbox
    assert "1 emails could not be sent after 6 attempts" in caplog.text
