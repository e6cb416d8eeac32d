"""Clicks at the same moment, in real concurrent transactions: two people deciding one decision
produce one decision, two councils' last votes settle it, two proposals get two numbers.

Each test holds one thread back inside its transaction, just after the status check, so that the
other arrives while the first has not committed: without the row locks they would both pass.
These need PostgreSQL (CI sets DATABASE_URL): SQLite serialises every write to the whole database,
so it cannot show what the row locks do.
"""

import time

import pytest
from django.core import mail
from django.utils import timezone

from clusters import decisions
from clusters.decisions import DecisionError
from clusters.models import ClusterEvent, Decision
from tests.concurrency import at_once, postgresql_only

pytestmark = postgresql_only

HOLD = 0.5  # seconds the first transaction keeps its lock after checking the status


@pytest.fixture
def slow_check(monkeypatch):
    """Every transaction pauses just after it has checked that the decision is open."""
    check = decisions.refuse_unless_open

    def check_then_wait(decision):
        check(decision)
        time.sleep(HOLD)

    monkeypatch.setattr(decisions, "refuse_unless_open", check_then_wait)


def test_two_clicks_to_decide_at_the_same_moment_produce_one_decision(cast, slow_check):
    decision = decisions.propose_decision(
        acting_user=cast.clerk_a,
        cluster=cast.cluster,
        title="Buy a mower",
        text="…",
        method="chair",
        proposing_council=cast.council_a,
    )
    # The chair, in two tabs: approving in one, rejecting in the other.
    mail.outbox.clear()
    results = at_once(
        lambda: decisions.decide(
            acting_user=cast.chair, decision=Decision.objects.get(pk=decision.pk), approve=True
        ),
        lambda: decisions.decide(
            acting_user=cast.chair,
            decision=Decision.objects.get(pk=decision.pk),
            approve=False,
            reasons="Too dear",
        ),
    )
    decided = [r for r in results if isinstance(r, Decision)]
    refused = [r for r in results if isinstance(r, DecisionError)]
    assert len(decided) == 1 and len(refused) == 1, results
    assert "has already been" in str(refused[0])
    decision.refresh_from_db()
    assert decision.status == decided[0].status
    assert ClusterEvent.objects.filter(action__in=["decision.approved", "decision.rejected"]).count() == 1
    # One "decided" email to each member council's clerk, not two.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.clerk_a.email, cast.clerk_b.email])


def test_the_last_two_votes_at_the_same_moment_settle_the_decision(cast, slow_check):
    decision = decisions.propose_decision(
        acting_user=cast.clerk_a,
        cluster=cast.cluster,
        title="Share a clerk",
        text="…",
        method="ratification",
        proposing_council=cast.council_a,
    )

    def vote(user, council):
        return lambda: decisions.record_vote(
            acting_user=user,
            decision=Decision.objects.get(pk=decision.pk),
            council=council,
            choice="for",
            minute_ref="26/1",
            resolved_on=timezone.localdate(),
        )

    results = at_once(vote(cast.clerk_a, cast.council_a), vote(cast.clerk_b, cast.council_b))
    assert not [r for r in results if isinstance(r, DecisionError)], results
    decision.refresh_from_db()
    # Without the lock each vote would count only itself and the decision would never be decided.
    assert decision.status == Decision.Status.APPROVED
    assert decision.votes.count() == 2


def test_two_proposals_at_the_same_moment_get_consecutive_numbers(cast):
    def proposal(title):
        return lambda: decisions.propose_decision(
            acting_user=cast.clerk_a,
            cluster=cast.cluster,
            title=title,
            text="…",
            method="chair",
            proposing_council=cast.council_a,
        )

    results = at_once(proposal("One"), proposal("Two"))
    assert all(isinstance(r, Decision) for r in results), results
    assert sorted(r.number for r in results) == [1, 2]
