import logging

from django.conf import settings
from django.core.management.base import BaseCommand

from parishes.demo import DEFAULT_PASSWORD, seed_demo

# Without a broker (the quick start) the demo's tasks, its emails and annual reports, run in this
# process: Celery logs every task's success and kombu warns that the in-memory broker has no host.
# Those hundreds of lines would bury the sign-in table, which is what this command is for; a real
# worker's logging is not touched.
IN_PROCESS_NOISE = {"celery.app.trace": logging.WARNING, "kombu.connection": logging.ERROR}


class Command(BaseCommand):
    help = "Build the demo areas, councils and people. Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="Password of new demo people")

    def handle(self, *args, password, **options):
        # The demo's people have .example addresses: the emails its invitations, decisions and
        # appointments would send go nowhere (this command's process only).
        settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
        if settings.CELERY_TASK_ALWAYS_EAGER:
            for name, level in IN_PROCESS_NOISE.items():
                logging.getLogger(name).setLevel(level)
        sign_ins = seed_demo(password=password)
        width = max(len(s.email) for s in sign_ins)
        role_width = max(len(s.role) for s in sign_ins)
        self.stdout.write(f"{'Email'.ljust(width)}  {'Role'.ljust(role_width)}  Council or area")
        for s in sign_ins:
            self.stdout.write(f"{s.email.ljust(width)}  {s.role.ljust(role_width)}  {s.place}")
        self.stdout.write(f"\nPassword of every demo person: {password}")
