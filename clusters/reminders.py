"""The daily reminder scan: what is due or overdue, and one digest email per person per day.

Two steps, each safe to repeat:

1. Record. Every (item, due date, recipient) becomes a Reminder whose unique key names all three.
   For each kind of item one statement does it in the database: INSERT ... SELECT of the items due
   joined with the people to remind, ON CONFLICT DO NOTHING: each key is looked up in the key's
   unique index and skipped if there (recorded by an earlier run, or by a second worker now), so a
   rerun writes nothing. The index, not a NOT EXISTS, makes the anti-join: its cost does not hang
   on the planner's estimate of a table that grows by the day's reminders as the scan runs. On
   PostgreSQL the same statement counts the rows due (a WITH around the INSERT).
2. Send. For a batch of people, one conditional UPDATE claims their unsent reminders for this run
   (WHERE sent_on IS NULL, with this run's claim id), and one task for the batch, in a worker,
   renders the digests of what this claim took and sends them through one mail connection. A run
   that stops between the steps leaves reminders unsent, and the next run sends them.

Recording takes one query a kind on PostgreSQL (two on SQLite), and sending a fixed number a
batch, whatever the number of items. The apps above add kinds of their own (reminder_kinds), built
with the same helpers; a reminder of no cluster is listed in the digest under its own heading.
"""

import logging
import uuid
from collections import namedtuple
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby
from operator import attrgetter

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DateField,
    F,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Left, NullIf, TruncDate
from django.db.models.sql import UpdateQuery
from django.urls import reverse
from django.utils import formats, timezone

from accounts.emails import email_renderer, site_url
from accounts.tasks import send_emails
from parishes.access import acting_for

from .decisions import awaited_resolutions
from .documents import documents_due_for_review
from .models import GovernanceDocument, Position, Reminder
from .objectives import objectives_due_for_review

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# Who is reminded of a governance document's review: the officers who keep the cluster's documents.
DOCUMENT_KEEPERS = (Position.Kind.CHAIR, Position.Kind.SECRETARY, Position.Kind.COORDINATOR)
# Member clerks are emailed when a proposal is put to them; the reminder chases it a week later.
RATIFICATION_REMINDER_AFTER_DAYS = 7
# The columns INSERT ... SELECT writes, each selected from an annotation of the same name. A kind
# of no cluster gives its reminders a `heading` (and cluster_id None); the others leave it out.
COLUMNS = ("key", "user_id", "cluster_id", "subject", "path", "due_on")
OPTIONAL_COLUMNS = ("heading",)


@dataclass
class Outcome:
    due: int = 0  # reminders due today, whether recorded now or by an earlier run
    sent: int = 0  # reminders in this run's digests
    digests: int = 0
    failed: int = 0


def _text(expression) -> Cast:
    return Cast(expression, CharField())


def _key(kind: str, item, due_on, user) -> Concat:
    """The reminder's key, kind:item:due date (ISO):recipient id, made by the database."""
    return Concat(
        Value(f"{kind}:"), item, Value(":"), _text(due_on), Value(":"), _text(user), output_field=CharField()
    )


def _path(url_name: str, *args) -> Concat:
    """The item's path as reverse() makes it, with its arguments (a cluster's slug, an item's
    number...) filled in by the database: reversed once with stand-ins, numbers that a slug's
    pattern accepts too, which the URL patterns cannot otherwise hold."""
    stand_ins = [str(918273645 + n) for n in range(len(args))]
    rest = reverse(url_name, args=stand_ins)
    parts = []
    for stand_in, arg in zip(stand_ins, args, strict=True):
        before, rest = rest.split(stand_in, 1)
        parts += [Value(before), _text(arg)]
    return Concat(*parts, Value(rest), output_field=CharField())


def _subject(*parts) -> Left:
    return Left(Concat(*parts, output_field=CharField()), 300)


def _record(rows: QuerySet, **columns) -> int:
    """Records a reminder for each row (annotated with COLUMNS by `columns`) not recorded yet, in one
    INSERT ... SELECT; returns how many rows are due, recorded now or before."""
    names = (*COLUMNS, *(c for c in OPTIONAL_COLUMNS if c in columns))
    rows = (
        rows.annotate(**{f"reminder_{name}": value for name, value in columns.items()})
        .order_by()
        .values_list(*(f"reminder_{c}" for c in names))
    )
    select, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    insert = f"INSERT INTO {quote(Reminder._meta.db_table)} ({', '.join(quote(c) for c in names)})"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The rows due are read once, for the insert and the count: a rerun's cost is one read.
            cursor.execute(
                # The names are the model's and the SELECT the ORM's, with its values as parameters.
                f"WITH due AS ({select}), recorded AS ({insert} SELECT * FROM due ON CONFLICT DO NOTHING) "  # noqa: S608
                "SELECT count(*) FROM due",
                params,
            )
            return cursor.fetchone()[0]
        # SQLite has no INSERT in a WITH: the rows are counted by a second query.
        cursor.execute(f"{insert} {select} ON CONFLICT DO NOTHING", params)
        return rows.count()


def _record_documents(today: date) -> int:
    # One row per (document, keeper): a person who holds two of the positions is reminded once.
    keepers = (
        Position.objects.current(today)
        .filter(
            kind__in=DOCUMENT_KEEPERS,
            cluster__documents__in=Subquery(documents_due_for_review(today).order_by().values("pk")),
        )
        .values("cluster__documents", "user_id")
        .distinct()
    )
    kind_label = {kind: label.lower() for kind, label in GovernanceDocument.Kind.choices}
    title = F("cluster__documents__title")
    # "Review the memorandum of understanding", with its title after it unless that is its kind.
    subject = Case(
        *(
            When(
                cluster__documents__kind=kind,
                then=Case(
                    When(
                        **{"cluster__documents__title__iexact": label},
                        then=Value(f"Review the {label}"),
                    ),
                    default=_subject(Value(f"Review the {label} “"), title, Value("”")),
                ),
            )
            for kind, label in kind_label.items()
        ),
        output_field=CharField(),
    )
    return _record(
        keepers,
        key=_key("document", _text("cluster__documents"), F("cluster__documents__review_on"), F("user_id")),
        user_id=F("user_id"),
        cluster_id=F("cluster_id"),
        subject=subject,
        path=_path("clusters:document", F("cluster__slug"), F("cluster__documents")),
        due_on=F("cluster__documents__review_on"),
    )


def _record_objectives(today: date) -> int:
    people = "owner_council__counciluserobjectpermission"
    rows = objectives_due_for_review(today).filter(acting_for(people))
    return _record(
        rows,
        key=_key("objective", _text("pk"), F("next_review_on"), F(f"{people}__user_id")),
        user_id=F(f"{people}__user_id"),
        cluster_id=F("cluster_id"),
        subject=_subject(
            Value("Review the progress of “"), F("title"), Value("” for "), F("owner_council__name")
        ),
        path=_path("clusters:objective", F("cluster__slug"), F("pk")),
        due_on=F("next_review_on"),
    )


def _record_ratifications(today: date) -> int:
    people = "cluster__memberships__council__counciluserobjectpermission"
    proposed_by = today - timedelta(days=RATIFICATION_REMINDER_AFTER_DAYS)
    rows = awaited_resolutions(proposed_by, acting_for(people))
    # A week after the day (here) it was proposed.
    due_on = Cast(
        TruncDate("proposed_at") + Value(timedelta(days=RATIFICATION_REMINDER_AFTER_DAYS)),
        DateField(),
    )
    return _record(
        rows,
        key=_key(
            "ratification",
            Concat(_text("pk"), Value("-"), _text("awaited_council_id")),
            due_on,
            F(f"{people}__user_id"),
        ),
        user_id=F(f"{people}__user_id"),
        cluster_id=F("cluster_id"),
        subject=_subject(
            Value("Record "),
            F("cluster__memberships__council__name"),
            Value("’s resolution on decision "),
            _text("number"),
            Value(", “"),
            F("title"),
            Value("”"),
        ),
        path=_path("clusters:decision", F("cluster__slug"), F("number")),
        due_on=due_on,
    )


# The kinds of reminder of the apps above (services: reviews, training, pace, requests), registered
# from their AppConfig.ready(): each records its reminders due on the day, in a fixed number of
# queries, and returns how many are due. They build them with these helpers, as the kinds above do.
reminder_kinds: list[Callable[[date], int]] = []
record, key, subject, text, path = _record, _key, _subject, _text, _path


def record_due(today: date) -> int:
    """Step 1: record a reminder for everything due or overdue today. Returns how many are due."""
    built_in = _record_documents(today) + _record_objectives(today) + _record_ratifications(today)
    return built_in + sum(kind(today) for kind in reminder_kinds)


def _people_with_unsent() -> Iterator[list[int]]:
    last = 0
    while batch := list(
        Reminder.objects.filter(sent_on__isnull=True, user_id__gt=last, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()[:BATCH_SIZE]
    ):
        yield batch
        last = batch[-1]


def _claim(user_ids: list[int], today: date) -> tuple[uuid.UUID, list[int]]:
    """Claim these people's unsent reminders for this run, except for anyone who has already had
    today's digest (what became due since waits for tomorrow's: one digest per person per day).
    Returns the claim and the recipient of each reminder it took."""
    claim = uuid.uuid4()
    had_digest_today = Reminder.objects.filter(user_id__in=user_ids, sent_on=today).values("user_id")
    claimed = Reminder.objects.filter(user_id__in=user_ids, sent_on__isnull=True).exclude(
        user_id__in=had_digest_today
    )
    # One statement: a second worker's update waits for this one's rows, then finds them sent. Its
    # RETURNING (which update() does not offer) counts what it took without reading it again.
    update = claimed.query.chain(UpdateQuery)
    update.add_update_values({"sent_on": today, "claim": claim})
    statement, params = update.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"{statement} RETURNING {connection.ops.quote_name('user_id')}", params)
        return claim, [user_id for (user_id,) in cursor.fetchall()]


# What the digest's templates read: a light row for each claimed reminder, not a model instance.
Person = namedtuple("Person", "pk email name")
# A cluster, or for a reminder of no cluster (pk None) its heading: the council's or the area's name.
ClusterName = namedtuple("ClusterName", "pk name")
Item = namedtuple("Item", "cluster subject due_on due path")


def _claimed(claim: uuid.UUID, user_ids: list[int], today: date) -> QuerySet:
    # Looked up by the people and day (the index on both), not by the claim, which has no index.
    return Reminder.objects.filter(user_id__in=user_ids, sent_on=today, claim=claim)


def _give_back(claim: uuid.UUID, user_ids: list[int], today: date) -> None:
    """Unclaim, so that the next run sends them."""
    _claimed(claim, user_ids, today).update(sent_on=None, claim=None)


def _digests(claim: uuid.UUID, user_ids: list[int], today: date) -> Iterator[tuple[Person, list[Item]]]:
    """The reminders this run claimed, by person, in one query read in chunks; each under its
    cluster's name, or the heading of a reminder of no cluster (None for neither: its cluster was
    deleted during the scan, and it is left out)."""
    claimed = (
        _claimed(claim, user_ids, today)
        .annotate(group=Coalesce("cluster__name", NullIf("heading", Value(""))))
        .filter(group__isnull=False)
        .order_by("user_id", "group", "cluster_id", "due_on", "subject")
        .values_list(
            "user_id", "user__email", "user__name", "cluster_id", "group", "subject", "due_on", "path"
        )
        .iterator(chunk_size=BATCH_SIZE)
    )
    clusters: dict[tuple[int | None, str], ClusterName] = {}
    # The date filter costs more than all the rest of a digest: each due date is written once a batch.
    due: dict[date, str] = {}
    for _, group in groupby(claimed, key=lambda row: row[0]):
        rows = list(group)
        items = []
        for *_, cluster_id, cluster_name, subject, due_on, path in rows:
            cluster = clusters.setdefault((cluster_id, cluster_name), ClusterName(cluster_id, cluster_name))
            if due_on not in due:
                due[due_on] = formats.date_format(due_on, "j F Y")
            items.append(Item(cluster, subject, due_on, due[due_on], path))
        yield Person(*rows[0][:3]), items


def _listing(items: list[Item], base_url: str) -> str:
    """The digest's reminders by cluster, as its template shows them: written here because the
    template engine's loop cost more per line than all the rest of a digest."""
    return "".join(
        f"\n{cluster.name}\n"
        + "".join(f"\n- {item.subject}, due {item.due}\n  {base_url}{item.path}\n" for item in group)
        for cluster, group in groupby(items, key=attrgetter("cluster"))
    )


def send_claimed(claim: uuid.UUID, user_ids: list[int], today: date) -> None:
    """A batch's digests, in a worker (clusters.tasks.send_reminder_digests): each person's claimed
    reminders rendered, and all sent through one mail connection. If they cannot be rendered, the
    claim is given back for the next run."""
    try:
        render = email_renderer("reminder_digest")
        base_url = site_url()
        emails = []
        for person, items in _digests(claim, user_ids, today):
            subject, body, html = render(
                {"user": person, "reminders": items, "listing": _listing(items, base_url)}
            )
            emails.append({"to": [person.email], "subject": subject, "body": body, "html": html})
    except Exception:
        _give_back(claim, user_ids, today)
        raise
    # In this worker, not queued again: send_emails sends them and retries the failed ones itself.
    send_emails(emails=emails)


def send_digests(today: date) -> tuple[int, int, int]:
    """Step 2: for each batch of people with unsent reminders, claim them and queue a task that
    renders and sends the batch's digests (send_claimed), so that the scan does not wait for them.
    Returns (reminders claimed, digests queued, digests that could not be queued)."""
    # Imported here: the tasks module imports this one.
    from .tasks import send_reminder_digests

    sent = digests = failed = 0
    for user_ids in _people_with_unsent():
        claim, recipients = _claim(user_ids, today)
        people = len(set(recipients))
        if not people:
            continue
        try:
            send_reminder_digests.delay(str(claim), user_ids, today.isoformat())
        except Exception:
            # Not queued: give the batch's reminders back, so that the next run sends them.
            logger.exception("The reminder digests of a batch could not be queued")
            failed += people
            _give_back(claim, user_ids, today)
            continue
        sent += len(recipients)
        digests += people
    return sent, digests, failed


def run(today: date | None = None) -> Outcome:
    """The daily job: record what is due, then send the digests."""
    today = today or timezone.localdate()
    outcome = Outcome(due=record_due(today))
    outcome.sent, outcome.digests, outcome.failed = send_digests(today)
    logger.info("Reminders for %s: %s", today, outcome)
    return outcome
