"""The daily reminder scan: what is due or overdue, and one digest email per person per day.

Two steps, each safe to repeat:

1. Record. Every (item, due date, recipient) becomes a Reminder whose unique key names all three,
   inserted with ON CONFLICT DO NOTHING: a rerun, a retry or a second worker records nothing new.
2. Send. For a batch of people, one conditional UPDATE claims their unsent reminders for this run
   (WHERE sent_on IS NULL, with this run's claim id); only what this run claimed goes in its digests.
   A run that stops between the steps leaves reminders unsent, and the next run sends them.

Each step works in batches with a fixed number of queries per batch, whatever the number of items.
"""

import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby, islice

from django.urls import reverse
from django.utils import timezone

from accounts.emails import render_email
from accounts.tasks import send_email
from parishes.access import people_acting_for

from .decisions import pending_ratifications
from .documents import documents_due_for_review
from .models import Position, Reminder
from .objectives import objectives_due_for_review

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# Who is reminded of a governance document's review: the officers who keep the cluster's documents.
DOCUMENT_KEEPERS = (Position.Kind.CHAIR, Position.Kind.SECRETARY, Position.Kind.COORDINATOR)
# Member clerks are emailed when a proposal is put to them; the reminder chases it a week later.
RATIFICATION_REMINDER_AFTER_DAYS = 7


@dataclass
class Outcome:
    due: int = 0  # reminders due today, whether recorded now or by an earlier run
    sent: int = 0  # reminders in this run's digests
    digests: int = 0
    failed: int = 0


def _batches(items: Iterable) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, BATCH_SIZE)):
        yield batch


def _key(kind: str, object_id, due_on: date, user_id: int) -> str:
    return f"{kind}:{object_id}:{due_on.isoformat()}:{user_id}"


def _record(reminders: list[Reminder]) -> int:
    """Insert what is new; a key already recorded (by an earlier run, or another worker now) is skipped.
    Returns how many are due."""
    Reminder.objects.bulk_create(reminders, ignore_conflicts=True)
    return len(reminders)


def _by_pk(queryset) -> Iterator[list]:
    """Batches of a queryset walked by primary key, so that each batch is one indexed query."""
    last = 0
    while batch := list(queryset.filter(pk__gt=last).order_by("pk")[:BATCH_SIZE]):
        yield batch
        last = batch[-1].pk


def _document_subject(document) -> str:
    kind = document.get_kind_display().lower()
    if document.title.lower() == kind:
        return f"Review the {kind}"
    return f"Review the {kind} “{document.title}”"[:300]


def _record_documents(today: date) -> int:
    due = 0
    for documents in _by_pk(documents_due_for_review(today)):
        keepers: dict[int, list] = {}
        for position in (
            Position.objects.current(today)
            .filter(cluster_id__in={d.cluster_id for d in documents}, kind__in=DOCUMENT_KEEPERS)
            .select_related("user")
            .order_by("pk")
        ):
            people = keepers.setdefault(position.cluster_id, [])
            if position.user not in people:
                people.append(position.user)
        due += _record(
            [
                Reminder(
                    key=_key("document", document.pk, document.review_on, person.pk),
                    user=person,
                    cluster_id=document.cluster_id,
                    subject=_document_subject(document),
                    path=reverse("clusters:document", args=[document.cluster.slug, document.pk]),
                    due_on=document.review_on,
                )
                for document in documents
                for person in keepers.get(document.cluster_id, [])
            ]
        )
    return due


def _record_objectives(today: date) -> int:
    due = 0
    for objectives in _by_pk(objectives_due_for_review(today)):
        people = people_acting_for({o.owner_council_id for o in objectives})
        due += _record(
            [
                Reminder(
                    key=_key("objective", objective.pk, objective.next_review_on, person.pk),
                    user=person,
                    cluster_id=objective.cluster_id,
                    subject=f"Review the progress of “{objective.title}” for {objective.owner_council.name}"[
                        :300
                    ],
                    path=reverse("clusters:objective", args=[objective.cluster.slug, objective.pk]),
                    due_on=objective.next_review_on,
                )
                for objective in objectives
                for person in people.get(objective.owner_council_id, [])
            ]
        )
    return due


def _record_ratifications(today: date) -> int:
    due = 0
    proposed_by = today - timedelta(days=RATIFICATION_REMINDER_AFTER_DAYS)
    for pending in _batches(pending_ratifications(proposed_by)):
        people = people_acting_for({council.pk for _, council in pending})
        reminders = []
        for decision, council in pending:
            due_on = timezone.localdate(decision.proposed_at) + timedelta(
                days=RATIFICATION_REMINDER_AFTER_DAYS
            )
            reminders += [
                Reminder(
                    key=_key("ratification", f"{decision.pk}-{council.pk}", due_on, person.pk),
                    user=person,
                    cluster_id=decision.cluster_id,
                    subject=f"Record {council.name}’s resolution on decision {decision.number}, "
                    f"“{decision.title}”"[:300],
                    path=reverse("clusters:decision", args=[decision.cluster.slug, decision.number]),
                    due_on=due_on,
                )
                for person in people.get(council.pk, [])
            ]
        due += _record(reminders)
    return due


def record_due(today: date) -> int:
    """Step 1: record a reminder for everything due or overdue today. Returns how many are due."""
    return _record_documents(today) + _record_objectives(today) + _record_ratifications(today)


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


def _claim(user_ids: list[int], today: date) -> uuid.UUID:
    """Claim these people's unsent reminders for this run, except for anyone who has already had
    today's digest (what became due since waits for tomorrow's: one digest per person per day)."""
    claim = uuid.uuid4()
    had_digest_today = Reminder.objects.filter(user_id__in=user_ids, sent_on=today).values("user_id")
    # One statement: a second worker's update waits for this one's rows, then finds them sent.
    Reminder.objects.filter(user_id__in=user_ids, sent_on__isnull=True).exclude(
        user_id__in=had_digest_today
    ).update(sent_on=today, claim=claim)
    return claim


def _send_digest(person, reminders: list[Reminder], claim: uuid.UUID) -> bool:
    subject, body, html = render_email("reminder_digest", {"user": person, "reminders": reminders})
    try:
        # Straight to the email task, not after a commit: the claim has been committed already.
        send_email.delay(to=[person.email], subject=subject, body=body, html=html)
    except Exception:
        # Not sent: give the reminders back, so that the next run sends them.
        logger.exception("The reminder digest for user %s could not be queued", person.pk)
        Reminder.objects.filter(claim=claim, user=person).update(sent_on=None, claim=None)
        return False
    return True


def send_digests(today: date) -> tuple[int, int, int]:
    """Step 2: one digest for each person with unsent reminders.
    Returns (reminders sent, digests sent, digests that failed)."""
    sent = digests = failed = 0
    for user_ids in _people_with_unsent():
        claim = _claim(user_ids, today)
        claimed = (
            Reminder.objects.filter(claim=claim)
            .select_related("user", "cluster")
            .order_by("user_id", "cluster__name", "cluster_id", "due_on", "subject")
        )
        for _, group in groupby(claimed, key=lambda r: r.user_id):
            reminders = list(group)
            if _send_digest(reminders[0].user, reminders, claim):
                sent += len(reminders)
                digests += 1
            else:
                failed += 1
    return sent, digests, failed


def run(today: date | None = None) -> Outcome:
    """The daily job: record what is due, then send the digests."""
    today = today or timezone.localdate()
    outcome = Outcome(due=record_due(today))
    outcome.sent, outcome.digests, outcome.failed = send_digests(today)
    logger.info("Reminders for %s: %s", today, outcome)
    return outcome
