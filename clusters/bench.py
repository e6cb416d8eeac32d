"""The daily reminder scan at scale, for the benchmark (`make bench`) and by hand
(`manage.py bench_reminders`): many due items written in bulk, then the scan and its rerun measured.

Not used by the service itself. Everything is written in one transaction that is rolled back at the
end, so the measurement leaves the database as it found it (the national data the pages are
measured against stays as it was); the scan also covers whatever due items that data holds.
"""

import datetime
import logging
import resource
import time
import tracemalloc
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.tasks import send_emails
from config.celery_app import app as celery_app
from parishes import services as parish_services
from parishes.models import Area, Council, CouncilRole

from . import reminders, tasks
from .models import Cluster, Decision, GovernanceDocument, Membership, Objective, Position, Reminder, Vote

BATCH = 1000
# The shape of one cluster of the bench: its councils (one clerk each), and the items due in it.
# Every item reminds: an objective its owner's clerk, a document the chair and the secretary, a
# decision each member council that has not voted (all but the proposer's) through its clerk.
COUNCILS_A_CLUSTER = 5
OBJECTIVES_A_COUNCIL = 4
DOCUMENTS_A_CLUSTER = 10
RATIFICATIONS_A_CLUSTER = 5
# Items due in one cluster: objectives, documents, and (decision, council not yet voted) pairs.
ITEMS_A_CLUSTER = (
    COUNCILS_A_CLUSTER * OBJECTIVES_A_COUNCIL
    + DOCUMENTS_A_CLUSTER
    + RATIFICATIONS_A_CLUSTER * (COUNCILS_A_CLUSTER - 1)
)
DOCUMENT_KINDS = [kind for kind, _ in GovernanceDocument.Kind.choices]


@dataclass
class DueItems:
    area: Area
    clusters: int
    items: int
    people: int


def build_due_items(n: int, *, today: datetime.date | None = None) -> DueItems:
    """At least n items due for review or ratification today, in bulk, in a new area of clusters of
    five councils: objectives, documents and ratifications as ITEMS_A_CLUSTER says, each overdue by
    a few days (spread, so that digests list several due dates)."""
    today = today or timezone.localdate()
    clusters_needed = -(-n // ITEMS_A_CLUSTER)
    tag = uuid.uuid4().hex[:8]
    area = Area.objects.create(name=f"Reminder bench {tag}", slug=f"reminder-bench-{tag}")
    started_on = today - datetime.timedelta(days=365)

    Council.objects.bulk_create(
        [
            Council(area=area, name=f"Bench {c:05d}-{m}")
            for c in range(clusters_needed)
            for m in range(COUNCILS_A_CLUSTER)
        ],
        batch_size=BATCH,
    )
    councils = list(Council.objects.filter(area=area).order_by("name"))
    User = get_user_model()
    password = make_password(None)
    User.objects.bulk_create(
        [
            User(
                email=f"clerk.{tag}.{council.pk}@bench.example",
                name=f"Clerk of {council.name}",
                password=password,
            )
            for council in councils
        ],
        batch_size=BATCH,
    )
    clerk_of = {
        int(email.split(".")[2].split("@")[0]): pk
        for email, pk in User.objects.filter(email__startswith=f"clerk.{tag}.").values_list("email", "pk")
    }
    roles = [
        CouncilRole(
            council=council, user_id=clerk_of[council.pk], kind=CouncilRole.Kind.CLERK, started_on=started_on
        )
        for council in councils
    ]
    CouncilRole.objects.bulk_create(roles, batch_size=BATCH)
    parish_services.grant_role_permissions_in_bulk(roles)

    groups = [councils[i : i + COUNCILS_A_CLUSTER] for i in range(0, len(councils), COUNCILS_A_CLUSTER)]
    Cluster.objects.bulk_create(
        [
            Cluster(
                area=area,
                name=f"Bench cluster {c:05d}",
                slug=f"bench-{tag}-{c:05d}",
                purpose="Measured by the benchmark",
                status=Cluster.Status.ACTIVE,
                lead_council=group[0],
                active_since=started_on,
            )
            for c, group in enumerate(groups)
        ],
        batch_size=BATCH,
    )
    clusters = list(Cluster.objects.filter(area=area).order_by("name"))
    memberships, positions, objectives, documents, decisions = [], [], [], [], []
    for cluster, group in zip(clusters, groups, strict=True):
        memberships += [
            Membership(
                cluster=cluster, council=council, status=Membership.Status.MEMBER, joined_on=started_on
            )
            for council in group
        ]
        positions += [
            Position(
                cluster=cluster,
                kind=kind,
                user_id=clerk_of[council.pk],
                council=council,
                starts_on=started_on,
            )
            for kind, council in ((Position.Kind.CHAIR, group[0]), (Position.Kind.SECRETARY, group[1]))
        ]
        objectives += [
            Objective(
                cluster=cluster,
                title=f"Objective {o + 1} of {council.name}",
                owner_council=council,
                measure="Done",
                target="All",
                due_on=today + datetime.timedelta(days=180),
                next_review_on=today - datetime.timedelta(days=o),
            )
            for council in group
            for o in range(OBJECTIVES_A_COUNCIL)
        ]
        documents += [
            GovernanceDocument(
                cluster=cluster,
                kind=DOCUMENT_KINDS[d % len(DOCUMENT_KINDS)],
                title=f"Document {d + 1}",
                review_on=today - datetime.timedelta(days=d),
            )
            for d in range(DOCUMENTS_A_CLUSTER)
        ]
        decisions += [
            Decision(
                cluster=cluster,
                number=d + 1,
                title=f"Proposal {d + 1}",
                text="Measured by the benchmark",
                method=Decision.Method.RATIFICATION,
                threshold=Cluster.Threshold.ALL,
                proposing_council=group[0],
                proposed_at=timezone.now()
                - datetime.timedelta(days=reminders.RATIFICATION_REMINDER_AFTER_DAYS + d),
            )
            for d in range(RATIFICATIONS_A_CLUSTER)
        ]
    for rows in (memberships, positions, objectives, documents, decisions):
        type(rows[0]).objects.bulk_create(rows, batch_size=BATCH)
    # The proposing council has voted on each proposal: the others are waiting.
    Vote.objects.bulk_create(
        [
            Vote(
                decision_id=pk,
                council_id=lead,
                choice=Vote.Choice.FOR,
                minute_ref="1/1",
                resolved_on=today,
            )
            for pk, lead in Decision.objects.filter(cluster__area=area).values_list(
                "pk", "cluster__lead_council"
            )
        ],
        batch_size=BATCH,
    )
    return DueItems(
        area=area, clusters=len(clusters), items=len(clusters) * ITEMS_A_CLUSTER, people=len(councils)
    )


class RenderingEmailBackend(BaseEmailBackend):
    """Builds each message as SMTP would send it, then drops it: the bench measures the scan, not a
    mail server, and must not fill an outbox in memory."""

    def send_messages(self, email_messages):
        for message in email_messages:
            message.message().as_bytes()
        return len(email_messages)


@contextmanager
def _counting_queries():
    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        yield count


def _measure(today: datetime.date, *, trace_memory: bool = False) -> dict:
    """The scan (recording, claiming each batch of people and queuing its task) runs until every
    batch is queued, as with a broker; the batch tasks, which workers run beside it (reading the
    claimed reminders, rendering the digests and sending them), are timed after it
    (batches_seconds), and delivery alone within them (delivery_seconds)."""
    queued: list[tuple] = []
    if trace_memory:
        tracemalloc.start()
    with (
        _counting_queries() as queries,
        mock.patch.object(tasks.send_reminder_digests, "delay", lambda *args: queued.append(args)),
    ):
        started = time.perf_counter()
        outcome = reminders.run(today)
        seconds = time.perf_counter() - started
    delivery = [0.0]

    def timed_send_emails(**kwargs):
        started = time.perf_counter()
        send_emails(**kwargs)
        delivery[0] += time.perf_counter() - started

    started = time.perf_counter()
    with mock.patch.object(reminders, "send_emails", timed_send_emails):
        for args in queued:
            tasks.send_reminder_digests(*args)
    figures = {
        "seconds": round(seconds, 2),
        "batches_seconds": round(time.perf_counter() - started, 2),
        "delivery_seconds": round(delivery[0], 2),
        "queries": queries[0],
        "outcome": outcome,
    }
    if trace_memory:
        figures["peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    return figures


MEASURED = (
    "seconds: the scan (recording every reminder due, then claiming each batch of people's and "
    "queuing its task); batches_seconds: the batch tasks, run after it as workers would beside it "
    "(the claimed reminders read, the digests rendered and sent); delivery_seconds: sending alone, "
    "within them; rerun_seconds: the scan again, finding nothing new"
)


class _RolledBack(Exception):
    pass


def reminder_scan(n: int = 100_000) -> dict:
    """Build n due items, run the daily scan over them, then run it again (which must find nothing
    new), and give the figures. Peak memory is taken in a third run under tracemalloc, after the
    reminders are cleared, because tracing slows Python down too much to time the same run.
    The database is left as it was."""
    today = timezone.localdate()
    figures: dict = {}
    # Each digest's task would log a line in-process: the console is not what is measured.
    logging.disable(logging.INFO)
    try:
        # Tasks run in-process and email goes to a backend that only builds it, the same with or
        # without a broker configured.
        with (
            override_settings(EMAIL_BACKEND=f"{__name__}.RenderingEmailBackend"),
            _eager_tasks(),
            transaction.atomic(),
        ):
            started = time.perf_counter()
            built = build_due_items(n, today=today)
            figures["build_seconds"] = round(time.perf_counter() - started, 1)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # Statistics as the daily job finds them on a database in use, and foreign keys
                    # checked at each statement, as they are when each statement commits.
                    cursor.execute("ANALYZE")
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            figures["items"] = built.items
            figures["measured"] = MEASURED
            first = _measure(today)
            rerun = _measure(today)
            Reminder.objects.all().delete()
            traced = _measure(today, trace_memory=True)
            figures.update(
                seconds=first["seconds"],
                batches_seconds=first["batches_seconds"],
                delivery_seconds=first["delivery_seconds"],
                queries=first["queries"],
                reminders=first["outcome"].due,
                sent=first["outcome"].sent,
                digests=first["outcome"].digests,
                failed=first["outcome"].failed,
                rerun_seconds=rerun["seconds"],
                rerun_queries=rerun["queries"],
                rerun_sent=rerun["outcome"].sent,
                peak_mb=traced["peak_mb"],
                max_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            )
            raise _RolledBack
    except _RolledBack:
        pass
    finally:
        logging.disable(logging.NOTSET)
    return figures


@contextmanager
def _eager_tasks():
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = saved
