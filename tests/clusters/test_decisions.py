"""The decision services: proposing, the chair's path, ratification and its thresholds, withdrawal,
corrections, and the pending ratifications the reminders chase."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from clusters import decisions, membership
from clusters.decisions import DecisionError, Tally, settle
from clusters.models import Cluster, ClusterEvent, Decision, DecisionAttachment, Vote
from parishes import services as parish_services
from parishes.models import CouncilRole

TODAY = timezone.localdate()
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"


def propose(cast, method="chair", user=None, council="a", **fields):
    council = {"a": cast.council_a, "b": cast.council_b, None: None}[council]
    return decisions.propose_decision(
        acting_user=user or cast.clerk_a,
        cluster=cast.cluster,
        title=fields.pop("title", "Buy a verge mower"),
        text=fields.pop("text", "Buy one mower for the cluster's verges, up to £4,000."),
        method=method,
        proposing_council=council,
        **fields,
    )


def vote(cast, decision, council, choice, user=None, **fields):
    clerk = {cast.council_a.pk: cast.clerk_a, cast.council_b.pk: cast.clerk_b}.get(council.pk)
    return decisions.record_vote(
        acting_user=user or clerk,
        decision=decision,
        council=council,
        choice=choice,
        minute_ref=fields.get("minute_ref", "26/41"),
        resolved_on=fields.get("resolved_on", TODAY),
    )


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


# Proposing


def test_proposals_are_numbered_in_order_and_keep_the_threshold_of_the_day(cast):
    first = propose(cast, "ratification")
    Cluster.objects.filter(pk=cast.cluster.pk).update(ratification_threshold=Cluster.Threshold.MAJORITY)
    cast.cluster.refresh_from_db()
    second = propose(cast, "ratification")
    assert (first.number, second.number) == (1, 2)
    assert (first.threshold, second.threshold) == ("all", "majority")
    assert first.status == Decision.Status.PROPOSED and first.proposing_council == cast.council_a
    event = ClusterEvent.objects.get(cluster=cast.cluster, action="decision.proposed", summary__contains="1")
    assert event.actor == cast.clerk_a and event.after["method"] == "Ratification by every member council"


def test_numbers_are_per_cluster(cast):
    propose(cast)
    other = decisions.propose_decision(
        acting_user=cast.clerk_c,
        cluster=cast.other_cluster,
        title="Fellside's first",
        text="…",
        method="chair",
        proposing_council=cast.council_c,
    )
    assert other.number == 1


def test_a_ratification_proposal_emails_every_member_councils_clerk(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        propose(cast, "ratification")
    # The proposer acts for council A but is not emailed about their own proposal.
    assert recipients() == [cast.clerk_b.email]
    assert "asks its member councils to ratify decision 1" in mail.outbox[0].subject
    assert "/clusters/north-eden-valley/decisions/1/" in mail.outbox[0].body


def test_a_chair_proposal_emails_the_chair_only(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        propose(cast, "chair")
    assert recipients() == [cast.chair.email]
    assert "waiting for the chair" in mail.outbox[0].subject


def test_a_cluster_officer_proposes_for_the_cluster(cast):
    decision = propose(cast, user=cast.secretary, council=None)
    assert decision.proposing_council is None and decision.proposed_by == cast.secretary


@pytest.mark.parametrize(
    ("who", "council", "message"),
    [
        ("clerk_a", "b", "You do not act for Brampton"),
        ("clerk_a", None, "Only the cluster's officers propose without a member council"),
        ("councillor_a", "a", "You do not act for Ashby"),
    ],
)
def test_proposals_need_a_member_council_the_person_acts_for_or_an_officer(cast, who, council, message):
    with pytest.raises(DecisionError, match=message):
        propose(cast, user=getattr(cast, who), council=council)
    assert not Decision.objects.exists()


def test_a_council_that_is_not_a_member_cannot_propose(cast):
    # The clerk of A also clerks council C, which is not in Eden Valley.
    parish_services.grant_council_role(
        acting_user=None, council=cast.council_c, user=cast.clerk_a, kind=CouncilRole.Kind.CLERK
    )
    with pytest.raises(DecisionError, match="Brampton is not a member of Eden Valley"):
        decisions.propose_decision(
            acting_user=cast.clerk_a,
            cluster=cast.cluster,
            title="X",
            text="Y",
            method="chair",
            proposing_council=cast.council_c,
        )
    assert not Decision.objects.exists()


def test_a_dissolved_cluster_makes_no_decisions(cast):
    membership.move_status(
        acting_user=cast.chair,
        cluster=cast.cluster,
        to="dissolved",
        reason="Merged",
        minute_ref="Decision 9",
        resolved_on=TODAY,
    )
    with pytest.raises(DecisionError, match="dissolved"):
        propose(cast)


def test_attachments_are_checked_and_stored_under_generated_names(cast):
    decision = propose(cast, attachments=[SimpleUploadedFile("../Quote <2026>.pdf", PDF)])
    attachment = decision.attachments.get()
    assert (attachment.file_name, attachment.file_type) == ("Quote _2026_.pdf", "pdf")
    assert "Quote" not in attachment.file.name and attachment.file.read() == PDF


def test_a_bad_attachment_refuses_the_whole_proposal(cast):
    good = SimpleUploadedFile("quote.pdf", PDF)
    renamed = SimpleUploadedFile("quote.pdf", b"MZ\x90\x00 an executable")
    with pytest.raises(DecisionError, match="must be a PDF, DOCX or ODT"):
        propose(cast, attachments=[good, renamed])
    assert not Decision.objects.exists() and not DecisionAttachment.objects.exists()
    assert propose(cast).number == 1


# The chair's path


def test_the_chair_approves_and_every_member_clerk_is_told(cast, django_capture_on_commit_callbacks):
    decision = propose(cast)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decisions.decide(acting_user=cast.chair, decision=decision, approve=True)
    decision.refresh_from_db()
    assert decision.status == Decision.Status.APPROVED and decision.decided_by == cast.chair
    assert decision.decided_at is not None
    assert recipients() == sorted([cast.clerk_a.email, cast.clerk_b.email])
    assert "has been approved" in mail.outbox[0].subject
    assert ClusterEvent.objects.filter(action="decision.approved", actor=cast.chair).count() == 1


def test_rejecting_needs_reasons(cast):
    decision = propose(cast)
    with pytest.raises(DecisionError, match="Enter the reasons"):
        decisions.decide(acting_user=cast.chair, decision=decision, approve=False, reasons="  ")
    decision.refresh_from_db()
    assert decision.status == Decision.Status.PROPOSED
    decisions.decide(acting_user=cast.chair, decision=decision, approve=False, reasons="Too dear")
    decision.refresh_from_db()
    assert (decision.status, decision.reasons) == ("rejected", "Too dear")


def test_only_the_chair_decides_and_only_on_the_chairs_path(cast):
    decision = propose(cast)
    with pytest.raises(DecisionError, match="Only the chair"):
        decisions.decide(acting_user=cast.secretary, decision=decision, approve=True)
    ratification = propose(cast, "ratification")
    with pytest.raises(DecisionError, match="for the member councils to ratify"):
        decisions.decide(acting_user=cast.chair, decision=ratification, approve=True)
    assert set(Decision.objects.values_list("status", flat=True)) == {"proposed"}


def test_a_decided_decision_cannot_be_changed(cast):
    decision = propose(cast)
    # Copies read before the decision, as a second tab would hold them: they still say "proposed",
    # whatever the service does to the object it is given, so only a fresh read of the row refuses.
    stale, stale_too = Decision.objects.get(pk=decision.pk), Decision.objects.get(pk=decision.pk)
    decisions.decide(acting_user=cast.chair, decision=decision, approve=True)
    assert stale.status == Decision.Status.PROPOSED
    with pytest.raises(DecisionError, match="already been approved"):
        decisions.decide(acting_user=cast.chair, decision=stale, approve=False, reasons="Changed my mind")
    with pytest.raises(DecisionError, match="already been approved"):
        decisions.withdraw_decision(acting_user=cast.clerk_a, decision=stale_too)
    decision.refresh_from_db()
    assert (decision.status, decision.reasons) == ("approved", "")


# Ratification


def test_every_member_for_approves_under_all_and_everyone_is_told(cast, django_capture_on_commit_callbacks):
    decision = propose(cast, "ratification")
    vote(cast, decision, cast.council_a, "for")
    decision.refresh_from_db()
    assert decision.status == Decision.Status.PROPOSED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        vote(cast, decision, cast.council_b, "agree_to_differ", minute_ref="B/7")
    decision.refresh_from_db()
    assert decision.status == Decision.Status.APPROVED and decision.decided_by is None
    assert decision.reasons.startswith("For 1, against 0, abstain 0, agree to differ 1")
    assert recipients() == sorted([cast.clerk_a.email, cast.clerk_b.email])
    assert ClusterEvent.objects.filter(action="decision.voted").count() == 2
    assert ClusterEvent.objects.filter(action="decision.approved").count() == 1
    with pytest.raises(DecisionError, match="already been approved"):
        vote(cast, decision, cast.council_a, "against")


def test_one_vote_against_rejects_under_all(cast):
    decision = propose(cast, "ratification")
    vote(cast, decision, cast.council_b, "against")
    decision.refresh_from_db()
    assert decision.status == Decision.Status.REJECTED


def test_a_vote_from_a_council_that_is_not_a_member_is_refused(cast):
    decision = propose(cast, "ratification")
    parish_services.grant_council_role(
        acting_user=None, council=cast.council_c, user=cast.clerk_a, kind=CouncilRole.Kind.CLERK
    )
    with pytest.raises(DecisionError, match="Brampton is not a member of Eden Valley, so it cannot vote"):
        vote(cast, decision, cast.council_c, "for", user=cast.clerk_a)
    assert not Vote.objects.exists() and not ClusterEvent.objects.filter(action="decision.voted").exists()


def test_a_council_that_has_left_no_longer_votes(cast):
    decision = propose(cast, "ratification")
    left = cast.cluster.memberships.get(council=cast.council_b)
    membership.leave_cluster(acting_user=cast.clerk_b, membership=left, minute_ref="B/9", resolved_on=TODAY)
    with pytest.raises(DecisionError, match="Brampton is not a member of Eden Valley"):
        vote(cast, decision, cast.council_b, "for")
    # The remaining member's vote is now every member's vote.
    vote(cast, decision, cast.council_a, "for")
    decision.refresh_from_db()
    assert decision.status == Decision.Status.APPROVED


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"resolved_on": TODAY + datetime.timedelta(days=1)}, "cannot be in the future"),
        ({"minute_ref": " "}, "Enter the minute reference"),
    ],
)
def test_a_vote_needs_a_real_resolution(cast, fields, message):
    decision = propose(cast, "ratification")
    with pytest.raises(DecisionError, match=message):
        vote(cast, decision, cast.council_a, "for", **fields)
    assert not Vote.objects.exists()


def test_a_council_votes_once_and_only_its_own_people_vote_for_it(cast):
    decision = propose(cast, "ratification")
    with pytest.raises(DecisionError, match="You do not act for Ashby"):
        vote(cast, decision, cast.council_a, "for", user=cast.clerk_b)
    with pytest.raises(DecisionError, match="You do not act for Ashby"):
        vote(cast, decision, cast.council_a, "for", user=cast.councillor_a)
    vote(cast, decision, cast.council_a, "abstain")
    with pytest.raises(DecisionError, match="Ashby has already recorded"):
        vote(cast, decision, cast.council_a, "for")
    assert list(Vote.objects.values_list("choice", flat=True)) == ["abstain"]


def test_the_chairs_path_takes_no_votes(cast):
    decision = propose(cast, "chair")
    with pytest.raises(DecisionError, match="for the chair to decide"):
        vote(cast, decision, cast.council_a, "for")


def T(members, f=0, a=0, ab=0, d=0):
    return Tally(members=members, votes_for=f, against=a, abstain=ab, agree_to_differ=d)


@pytest.mark.parametrize(
    ("threshold", "tally", "outcome"),
    [
        ("all", T(3, f=2), None),
        ("all", T(3, f=2, ab=1), "approved"),
        ("all", T(3, d=3), "approved"),
        ("all", T(3, a=1), "rejected"),
        ("all", T(3, f=2, a=1), "rejected"),
        ("majority", T(3, f=1), None),
        ("majority", T(3, f=2), "approved"),
        ("majority", T(4, f=2), None),
        ("majority", T(4, f=2, a=1), None),
        ("majority", T(4, f=3), "approved"),
        ("majority", T(4, a=2), "rejected"),
        ("majority", T(3, a=1), None),
        ("majority", T(3, a=2), "rejected"),
        ("majority", T(3, f=1, ab=1, d=1), "rejected"),
        ("majority", T(5, f=2, ab=2), None),
        ("majority", T(1, f=1), "approved"),
    ],
)
def test_thresholds(threshold, tally, outcome):
    assert settle(threshold, tally) == outcome


def test_a_majority_ratification_end_to_end(cast):
    Cluster.objects.filter(pk=cast.cluster.pk).update(ratification_threshold=Cluster.Threshold.MAJORITY)
    cast.cluster.refresh_from_db()
    decision = propose(cast, "ratification")
    vote(cast, decision, cast.council_a, "for")
    decision.refresh_from_db()
    # One of two is not more than half.
    assert decision.status == Decision.Status.PROPOSED
    vote(cast, decision, cast.council_b, "abstain")
    decision.refresh_from_db()
    assert decision.status == Decision.Status.REJECTED


# Withdrawing and correcting


def test_the_proposer_or_the_chair_withdraws(cast, django_capture_on_commit_callbacks):
    first, second = propose(cast, "ratification"), propose(cast)
    with pytest.raises(DecisionError, match="Only the person who proposed it or the chair"):
        decisions.withdraw_decision(acting_user=cast.clerk_b, decision=first)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decisions.withdraw_decision(acting_user=cast.clerk_a, decision=first)
    assert recipients() == [cast.clerk_b.email]
    decisions.withdraw_decision(acting_user=cast.chair, decision=second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.withdrawn_by, second.withdrawn_by) == ("withdrawn", cast.clerk_a, cast.chair)
    assert first.decided_at is None
    with pytest.raises(DecisionError, match="already been withdrawn"):
        vote(cast, first, cast.council_b, "for")
    assert ClusterEvent.objects.filter(action="decision.withdrawn").count() == 2


def test_a_correction_is_a_new_decision_pointing_to_the_old(cast):
    old = propose(cast)
    with pytest.raises(DecisionError, match="Only a decision of this cluster that has been decided"):
        propose(cast, corrects=old)
    decisions.decide(acting_user=cast.chair, decision=old, approve=True)
    old.refresh_from_db()
    correction = propose(cast, title="Buy a verge mower (corrected price)", corrects=old)
    assert (correction.number, correction.corrects) == (2, old)
    assert list(old.corrections.all()) == [correction]
    old.refresh_from_db()
    assert old.status == "approved" and old.title == "Buy a verge mower"


def test_a_decision_of_another_cluster_is_not_corrected_here(cast):
    other = decisions.propose_decision(
        acting_user=cast.clerk_c,
        cluster=cast.other_cluster,
        title="Fellside's",
        text="…",
        method="chair",
        proposing_council=cast.council_c,
    )
    Decision.objects.filter(pk=other.pk).update(status="approved", decided_at=timezone.now())
    other.refresh_from_db()
    with pytest.raises(DecisionError, match="Only a decision of this cluster"):
        propose(cast, corrects=other)


# What the reminders chase


def awaited(day):
    return [
        (d.number, d.awaited_council_id)
        for d in decisions.awaited_resolutions(day).order_by("proposed_at", "pk", "awaited_council_id")
    ]


def test_awaited_resolutions_pair_open_decisions_with_councils_yet_to_vote(cast):
    waiting = propose(cast, "ratification")
    vote(cast, waiting, cast.council_a, "for")
    untouched = propose(cast, "ratification")
    propose(cast, "chair")
    decided = propose(cast, "ratification")
    vote(cast, decided, cast.council_a, "against")
    later = propose(cast, "ratification")
    Decision.objects.filter(pk=later.pk).update(proposed_at=timezone.now() + datetime.timedelta(days=3))
    a, b = sorted([cast.council_a.pk, cast.council_b.pk])
    assert awaited(TODAY) == [
        (waiting.number, cast.council_b.pk),
        (untouched.number, a),
        (untouched.number, b),
    ]
    assert len(awaited(TODAY + datetime.timedelta(days=3))) == 5


def test_awaited_resolutions_are_one_query(cast, django_assert_num_queries):
    for _ in range(3):
        propose(cast, "ratification")
    with django_assert_num_queries(1):
        assert len(awaited(TODAY)) == 6
