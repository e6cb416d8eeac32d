import logging
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand
from django.test import override_settings

from parishes.demo import DEFAULT_PASSWORD, seed_demo

# Without a broker (the quick start) the demo's tasks, its emails and annual reports, run in this
# process: Celery logs every task's success and kombu warns that the in-memory broker has no host.
# Those hundreds of lines would bury the sign-in table, which is what this command is for; a real
# worker's logging is not touched.
IN_PROCESS_NOISE = {"celery.app.trace": logging.WARNING, "kombu.connection": logging.ERROR}


@contextmanager
def _quiet_in_process_tasks():
    loggers = (
        [logging.getLogger(name) for name in IN_PROCESS_NOISE] if settings.CELERY_TASK_ALWAYS_EAGER else []
    )
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(IN_PROCESS_NOISE[logger.name])
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = "Build the demo areas, councils and people. Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="Password of new demo people")

    def handle(self, *args, password, **options):
        # The demo's people have .example addresses: the emails its invitations, decisions and
        # appointments would send go nowhere. Only while it runs, so that a process calling the
        # command (the tests) keeps its own email backend afterwards.
        dummy = "django.core.mail.backends.dummy.EmailBackend"
        with override_settings(EMAIL_BACKEND=dummy), _quiet_in_process_tasks():
            sign_ins = seed_demo(password=password)
        width = max(len(s.email) for s in sign_ins)
        role_width = max(len(s.role) for s in sign_ins)
        self.stdout.write(f"{'Email'.ljust(width)}  {'Role'.ljust(role_width)}  Council or area")
        for s in sign_ins:
            self.stdout.write(f"{s.email.ljust(width)}  {s.role.ljust(role_width)}  {s.place}")
        self.stdout.write(f"\nPassword of every demo person: {password}")
