"""The daily reminder job: who is reminded of what, the digest, and that each reminder goes once,
however often the job runs (in-process here, and through Redis to real workers in the slow test)."""

import datetime
import os
import subprocess
import time
import uuid
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clusters import leadership, objectives, reminders
from clusters.models import Decision, GovernanceDocument, Objective, Position, Reminder, Vote
from clusters.tasks import send_reminder_digests, send_reminders
from config.celery_app import app as celery_app
from tests.test_stack import WORKER_START_TIMEOUT_SECONDS, _stop, _worker_command

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def document(cluster, title="Memorandum of understanding", review_on=TODAY):
    return GovernanceDocument.objects.create(cluster=cluster, kind="mou", title=title, review_on=review_on)


def objective(cast, owner, title="Cut the verges", next_review_on=TODAY, cluster=None, status="green"):
    return Objective.objects.create(
        cluster=cluster or cast.cluster,
        title=title,
        owner_council=owner,
        measure="Verges cut",
        target="4",
        due_on=TODAY + 300 * DAY,
        next_review_on=next_review_on,
        status=status,
    )


def ratification(cluster, number=1, proposed_days_ago=reminders.RATIFICATION_REMINDER_AFTER_DAYS, **fields):
    values = {
        "title": f"Buy a mower {number}",
        "text": "…",
        "method": "ratification",
        "threshold": "all",
        "proposed_at": timezone.now() - proposed_days_ago * DAY,
        **fields,
    }
    return Decision.objects.create(cluster=cluster, number=number, **values)


def vote(decision, council):
    Vote.objects.create(
        decision=decision, council=council, choice="for", minute_ref="3/27", resolved_on=TODAY
    )


@pytest.fixture(autouse=True)
def _clusters_kinds_only(monkeypatch):
    """The clusters' own kinds: the kinds higher apps register (services) have their own tests, and
    would add their queries to the counts here."""
    monkeypatch.setattr(reminders, "reminder_kinds", [])


def reminded(**filters) -> set[tuple[str, str]]:
    """(recipient's email, kind of item) of every reminder recorded."""
    return {
        (r.user.email, r.key.split(":")[0]) for r in Reminder.objects.filter(**filters).select_related("user")
    }


# Who is reminded of what


def test_a_document_due_for_review_reminds_the_chair_secretary_and_coordinator(cast):
    coordinator = leadership.appoint(
        acting_user=None,
        cluster=cast.cluster,
        kind=Position.Kind.COORDINATOR,
        user=cast.clerk_a,
        council=cast.council_a,
        starts_on=TODAY,
    ).user
    leadership.appoint(
        acting_user=None,
        cluster=cast.cluster,
        kind=Position.Kind.TREASURER,
        user=cast.rfo_a,
        council=cast.council_a,
        starts_on=TODAY,
    )
    due = document(cast.cluster, review_on=TODAY - 3 * DAY)
    document(cast.cluster, title="Not yet", review_on=TODAY + DAY)
    document(cast.cluster, title="No review date", review_on=None)

    reminders.record_due(TODAY)

    assert reminded() == {
        ("chair@example.org", "document"),
        ("secretary@example.org", "document"),
        (coordinator.email, "document"),
    }
    assert set(Reminder.objects.values_list("key", flat=True)) == {
        f"document:{due.pk}:{due.review_on.isoformat()}:{person.pk}"
        for person in (cast.chair, cast.secretary, coordinator)
    }


def test_a_documents_title_is_not_repeated_when_it_is_its_kind(cast):
    document(cast.cluster, title="Memorandum of Understanding")
    document(cast.cluster, title="Upper Eden MoU")
    reminders.record_due(TODAY)
    assert set(Reminder.objects.filter(user=cast.chair).values_list("subject", flat=True)) == {
        "Review the memorandum of understanding",
        "Review the memorandum of understanding “Upper Eden MoU”",
    }


def test_a_former_officer_is_not_reminded(cast):
    leadership.end_position(acting_user=None, position=cast.cluster.positions.get(kind="secretary"))
    document(cast.cluster)
    reminders.record_due(TODAY)
    assert reminded() == {("chair@example.org", "document")}


def test_an_objective_due_for_review_reminds_the_people_acting_for_its_owner(cast):
    objective(cast, cast.council_a, next_review_on=TODAY)
    objective(cast, cast.council_b, title="Plant trees", next_review_on=TODAY - 30 * DAY)
    objective(cast, cast.council_a, title="Later", next_review_on=TODAY + DAY)
    objective(cast, cast.council_a, title="Done", next_review_on=TODAY - DAY, status="done")

    reminders.record_due(TODAY)

    assert reminded() == {("clerk.a@example.org", "objective"), ("clerk.b@example.org", "objective")}


def test_a_pending_ratification_reminds_the_councils_that_have_not_voted(cast):
    waiting = ratification(cast.cluster)
    vote(waiting, cast.council_a)
    ratification(cast.cluster, number=2, proposed_days_ago=reminders.RATIFICATION_REMINDER_AFTER_DAYS - 1)
    ratification(cast.cluster, number=3, status="approved")
    ratification(cast.cluster, number=4, method="chair")

    reminders.record_due(TODAY)

    assert reminded() == {("clerk.b@example.org", "ratification")}
    reminder = Reminder.objects.get()
    assert reminder.subject == "Record Brampton’s resolution on decision 1, “Buy a mower 1”"
    assert reminder.path == f"/clusters/{cast.cluster.slug}/decisions/1/"


def test_nothing_of_a_dissolved_cluster_is_reminded(cast):
    document(cast.cluster)
    objective(cast, cast.council_a)
    ratification(cast.cluster)
    cast.cluster.status = "dissolved"
    cast.cluster.save()

    assert reminders.run(TODAY).due == 0
    assert not Reminder.objects.exists()


def test_each_cluster_reminds_its_own_people(cast):
    document(cast.other_cluster)
    objective(cast, cast.council_c, cluster=cast.other_cluster)
    objective(cast, cast.council_d, cluster=cast.south_cluster)

    reminders.record_due(TODAY)

    # Fellside has no officers; its objective goes to its clerk, as Dunmow's to theirs.
    assert reminded() == {("clerk.c@example.org", "objective"), ("clerk.d@example.org", "objective")}


# The digest


def test_one_digest_per_person_lists_their_reminders_with_links(cast, settings):
    settings.SITE_URL = "https://clusterwork.example"
    doc = document(cast.cluster, review_on=TODAY - 2 * DAY)
    objective(cast, cast.council_b, title="Plant trees")
    decision = ratification(cast.cluster)
    vote(decision, cast.council_a)

    outcome = reminders.run(TODAY)

    assert (outcome.due, outcome.sent, outcome.digests, outcome.failed) == (4, 4, 3, 0)
    by_person = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_person) == ["chair@example.org", "clerk.b@example.org", "secretary@example.org"]
    digest = by_person["clerk.b@example.org"]
    assert digest.subject == "Clusterwork: 2 things need your attention"
    assert digest.body.startswith("Hello Clerk B,")
    assert "These are due or overdue for you:" in digest.body
    assert "Eden Valley" in digest.body
    assert "- Review the progress of “Plant trees” for Brampton, due " in digest.body
    assert "- Record Brampton’s resolution on decision 1, “Buy a mower 1”" in digest.body
    assert f"https://clusterwork.example/clusters/{cast.cluster.slug}/decisions/1/" in digest.body
    chair = by_person["chair@example.org"]
    assert chair.subject == "Clusterwork: 1 thing needs your attention"
    assert f"- Review the memorandum of understanding, due {doc.review_on:%-d %B %Y}" in chair.body
    assert f"https://clusterwork.example/clusters/{cast.cluster.slug}/documents/{doc.pk}/" in chair.body


def test_the_job_run_three_times_on_the_same_day_sends_each_reminder_once(cast):
    document(cast.cluster)
    objective(cast, cast.council_a)
    ratification(cast.cluster)

    outcomes = [reminders.run(TODAY) for _ in range(3)]

    assert [(o.due, o.sent, o.digests) for o in outcomes] == [(5, 5, 4), (5, 0, 0), (5, 0, 0)]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "chair@example.org",
        "clerk.a@example.org",
        "clerk.b@example.org",
        "secretary@example.org",
    ]
    assert Reminder.objects.count() == 5
    assert not Reminder.objects.filter(sent_on__isnull=True).exists()


def test_the_task_takes_a_day_or_today(cast):
    document(cast.cluster, review_on=TODAY + 2 * DAY)
    nothing = {"due": 0, "sent": 0, "digests": 0, "failed": 0}

    assert send_reminders.delay((TODAY + DAY).isoformat()).get() == nothing
    assert send_reminders.delay((TODAY + 2 * DAY).isoformat()).get() == {
        **nothing,
        "due": 2,
        "sent": 2,
        "digests": 2,
    }
    assert send_reminders.delay().get() == nothing


def test_an_overdue_item_is_not_reminded_again_the_next_day_but_its_next_review_is(cast):
    item = objective(cast, cast.council_a, next_review_on=TODAY - DAY)
    reminders.run(TODAY - DAY)
    reminders.run(TODAY)
    assert len(mail.outbox) == 1

    objectives.record_progress(
        acting_user=cast.clerk_a, objective=item, status="green", progress=50, note="On track"
    )
    item.refresh_from_db()
    reminders.run(item.next_review_on)

    assert len(mail.outbox) == 2
    assert Reminder.objects.filter(due_on=item.next_review_on).count() == 1


def test_what_becomes_due_after_todays_digest_waits_for_tomorrows(cast):
    objective(cast, cast.council_a)
    reminders.run(TODAY)
    objective(cast, cast.council_a, title="Set later today")

    assert reminders.run(TODAY).digests == 0
    assert len(mail.outbox) == 1

    assert reminders.run(TODAY + DAY).digests == 1
    assert "Set later today" in mail.outbox[-1].body
    assert "Cut the verges" not in mail.outbox[-1].body


def test_reminders_recorded_by_a_run_that_stopped_are_sent_by_the_next(cast):
    objective(cast, cast.council_a)
    reminders.record_due(TODAY)  # ... and the run stopped here
    assert not mail.outbox

    assert reminders.run(TODAY).digests == 1
    assert len(mail.outbox) == 1


def test_a_digest_that_could_not_be_queued_is_given_back_for_the_next_run(cast, monkeypatch):
    objective(cast, cast.council_a)

    def broker_down(**kwargs):
        raise ConnectionError("no broker")

    monkeypatch.setattr(send_reminder_digests, "delay", broker_down)
    outcome = reminders.run(TODAY)
    assert (outcome.digests, outcome.failed) == (0, 1)
    assert Reminder.objects.get().sent_on is None

    monkeypatch.undo()
    assert reminders.run(TODAY).digests == 1
    assert len(mail.outbox) == 1


def test_someone_no_longer_active_is_not_emailed(cast):
    objective(cast, cast.council_a)
    reminders.record_due(TODAY)
    cast.clerk_a.is_active = False
    cast.clerk_a.save()

    assert reminders.run(TODAY).digests == 0
    assert not mail.outbox


def test_deleting_a_person_or_a_cluster_deletes_their_reminders(cast, django_user_model):
    """The reminder's foreign keys have no constraint in the database: Django's cascade still runs."""
    document(cast.cluster)
    objective(cast, cast.council_c, cluster=cast.other_cluster)
    reminders.record_due(TODAY)
    leaving = django_user_model.objects.create_user(email="leaving@example.org", password=None)
    Reminder.objects.create(key="x", user=leaving, cluster=cast.cluster, subject="x", due_on=TODAY)

    leaving.delete()
    cast.other_cluster.delete()

    assert reminded() == {("chair@example.org", "document"), ("secretary@example.org", "document")}


def test_a_reminder_whose_person_is_gone_is_not_sent(cast):
    objective(cast, cast.council_a)
    reminders.record_due(TODAY)
    # As a person deleted while the scan was recording would leave it.
    Reminder.objects.update(user_id=cast.clerk_a.pk + 10_000)

    assert reminders.run(TODAY).digests == 0
    assert not mail.outbox


def test_only_what_this_run_claimed_is_in_its_digest(cast):
    """A second worker's claim on the same people takes nothing: the rows are no longer unsent."""
    objective(cast, cast.council_a)
    reminders.record_due(TODAY)
    people = [cast.clerk_a.pk]

    (first, taken), (second, none) = reminders._claim(people, TODAY), reminders._claim(people, TODAY)

    assert Reminder.objects.filter(claim=first).count() == 1
    assert not Reminder.objects.filter(claim=second).exists()
    assert (taken, none) == ([cast.clerk_a.pk], [])


# Queries per batch


RECORDING_QUERIES = 3 if connection.vendor == "postgresql" else 6


def _queries(work) -> int:
    with CaptureQueriesContext(connection) as captured:
        work()
    return len(captured)


def test_each_step_takes_the_same_queries_for_a_few_items_as_for_many(cast):
    counts = []
    for size in (20, 200):
        Reminder.objects.all().delete()
        Objective.objects.all().delete()
        GovernanceDocument.objects.all().delete()
        Decision.objects.all().delete()
        for n in range(size):
            objective(cast, [cast.council_a, cast.council_b][n % 2], title=f"Objective {n}")
            document(cast.cluster, title=f"Document {n}")
            ratification(cast.cluster, number=n + 1)
        counts.append(
            (_queries(lambda: reminders.record_due(TODAY)), _queries(lambda: reminders.send_digests(TODAY)))
        )
    assert counts[0] == counts[1], counts
    # Recording: for each of the three kinds an INSERT ... SELECT that counts the rows due, or on
    # SQLite (no INSERT in a WITH) an INSERT ... SELECT and a count.
    assert counts[0][0] == RECORDING_QUERIES
    # Each document to the chair and the secretary, each objective to one clerk, each ratification to two.
    assert Reminder.objects.count() == 200 * 2 + 200 + 200 * 2


def test_a_rerun_records_nothing_and_sends_nothing(cast):
    document(cast.cluster)
    objective(cast, cast.council_a)
    ratification(cast.cluster)
    reminders.run(TODAY)
    recorded = set(Reminder.objects.values_list("pk", "key", "sent_on", "claim"))
    sent = len(mail.outbox)

    with CaptureQueriesContext(connection) as captured:
        outcome = reminders.run(TODAY)

    assert (outcome.due, outcome.sent, outcome.digests, outcome.failed) == (5, 0, 0, 0)
    assert set(Reminder.objects.values_list("pk", "key", "sent_on", "claim")) == recorded
    assert len(mail.outbox) == sent
    # Three inserts that find nothing new (and their counts), and one look for people with unsent reminders.
    assert len(captured) == RECORDING_QUERIES + 1


def test_someone_holding_two_of_the_keepers_positions_is_reminded_once(cast):
    leadership.end_position(acting_user=None, position=cast.cluster.positions.get(kind="secretary"))
    leadership.appoint(
        acting_user=None,
        cluster=cast.cluster,
        kind=Position.Kind.SECRETARY,
        user=cast.chair,
        council=cast.cluster.positions.get(kind="chair").council,
        starts_on=TODAY,
    )
    document(cast.cluster)

    assert reminders.run(TODAY).due == 1
    assert reminded() == {("chair@example.org", "document")}


def test_a_ratification_is_due_a_week_after_the_day_it_was_proposed_where_the_cluster_is(cast):
    # 23:30 UTC on a summer evening is already the next day in London.
    proposed_at = datetime.datetime(2026, 6, 10, 23, 30, tzinfo=datetime.UTC)
    ratification(cast.cluster, proposed_at=proposed_at)
    due_on = datetime.date(2026, 6, 11) + reminders.RATIFICATION_REMINDER_AFTER_DAYS * DAY

    assert reminders.record_due(due_on - DAY) == 0
    assert reminders.record_due(due_on) == 2
    assert set(Reminder.objects.values_list("due_on", flat=True)) == {due_on}
    assert {key.split(":")[2] for key in Reminder.objects.values_list("key", flat=True)} == {"2026-06-18"}


def test_sending_takes_a_fixed_number_of_queries_a_batch(cast, monkeypatch):
    # Six people: the chair and the secretary (a document), and the clerks of four councils.
    document(cast.cluster)
    objective(cast, cast.council_a)
    objective(cast, cast.council_b)
    objective(cast, cast.council_c, cluster=cast.other_cluster)
    objective(cast, cast.council_d, cluster=cast.south_cluster)
    reminders.record_due(TODAY)
    counts, digests = [], []
    for size in (3, 6):
        Reminder.objects.update(sent_on=None, claim=None)
        monkeypatch.setattr(reminders, "BATCH_SIZE", size)
        counts.append(_queries(lambda: digests.append(reminders.send_digests(TODAY)[1])))

    assert digests == [6, 6]
    # Each batch: its people, the claim and (the task, run here) the claimed reminders;
    # the last, empty, batch is one query.
    two_batches, one_batch = counts
    assert two_batches - one_batch == one_batch - 1


# The schedule


def test_the_job_runs_daily_at_half_past_six_london_time(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["cluster-reminders"]
    assert entry["task"] == send_reminders.name == "clusters.tasks.send_reminders"
    schedule = entry["schedule"]
    assert (schedule.hour, schedule.minute, schedule.day_of_week) == ({6}, {30}, set(range(7)))
    assert settings.CELERY_TIMEZONE == "Europe/London"


# Through Redis to real workers


def _worker_database_url() -> str:
    """DATABASE_URL naming the test database, for worker processes: they must see the rows the
    test has committed. Only the name changes, so the host, socket or options stay as configured."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path="/" + quote(connection.settings_dict["NAME"])))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_three_runs_through_redis_on_two_real_workers_send_each_reminder_once(
    cast, settings, monkeypatch, tmp_path
):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: there is no broker to send the job through")
    if connection.vendor != "postgresql":
        pytest.skip(
            "DATABASE_URL is not PostgreSQL: worker processes cannot share an in-memory test database"
        )
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    document(cast.cluster)
    objective(cast, cast.council_a)
    objective(cast, cast.council_b, title="Plant trees")
    ratification(cast.cluster)
    day = TODAY.isoformat()
    queue = f"reminders-check-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _worker_database_url(),
    }

    workers, logs = [], []
    for n in range(2):
        logs.append(tmp_path / f"worker-{n}.log")
        command = [
            f"--hostname={queue}-{n}@%h" if a.startswith("--hostname=") else a for a in _worker_command(queue)
        ]
        with logs[-1].open("wb") as log:
            workers.append(
                subprocess.Popen(  # noqa: S603 (a fixed command line, no outside input)
                    command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
                )
            )
    try:
        # Three runs of the same day at once, for two workers to share.
        results = [send_reminders.apply_async(args=[day], queue=queue) for _ in range(3)]
        deadline = time.monotonic() + WORKER_START_TIMEOUT_SECONDS
        while not all(result.ready() for result in results):
            output = "\n".join(log.read_text() for log in logs)
            assert all(worker.poll() is None for worker in workers), f"a worker stopped:\n{output}"
            assert time.monotonic() < deadline, f"no results in time:\n{output}"
            time.sleep(0.2)
        outcomes = [result.get(timeout=5) for result in results]
        for result in results:
            result.forget()
    finally:
        for worker in workers:
            _stop(worker)
        # Leave the shared Redis as it was (see tests/test_stack.py).
        with celery_app.connection_for_write() as broker:
            declared = celery_app.amqp.queues[queue].bind(broker.default_channel)
            declared.declare()
            declared.delete()

    # The workers' emails went to their own outboxes: what was sent shows in the reminders' rows.
    assert sum(o["sent"] for o in outcomes) == 6, outcomes
    assert sum(o["digests"] for o in outcomes) == 4, outcomes
    assert not any(o["failed"] for o in outcomes), outcomes
    assert Reminder.objects.count() == 6
    assert set(Reminder.objects.values_list("sent_on", flat=True)) == {TODAY}
    # One claim, so one digest, for each person; the clerks' each lists an objective and a ratification.
    claims = set(Reminder.objects.values_list("user__email", "claim"))
    assert sorted(email for email, _ in claims) == [
        "chair@example.org",
        "clerk.a@example.org",
        "clerk.b@example.org",
        "secretary@example.org",
    ]
