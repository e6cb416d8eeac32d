"""Decisions of a cluster: proposing, deciding by the chair or by every member council's vote,
withdrawing, correcting, and the register's reads.

A decision is numbered in order within its cluster. Once approved or rejected it is never changed:
a correction is a new decision that points to the one it corrects. Deciding and voting lock the
decision's row and check its status inside the transaction, so two clicks at the same moment
produce one decision, not two.
"""

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.emails import send_templated_email
from config.dates import not_before
from parishes.models import Council

from . import audit
from .access import ClusterPermissions, deciders, people_of_members
from .models import Cluster, Decision, DecisionAttachment, Membership, Vote
from .uploads import UploadError, check_upload


class DecisionError(Exception):
    """A change the rules refuse; its message is shown to the person, next to the field it is about
    when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def check_vote_date(decision: Decision, resolved_on: datetime.date) -> None:
    """A council cannot have resolved on a proposal before it was made (VoteForm asks this too)."""
    proposed = timezone.localdate(decision.proposed_at)
    if message := not_before(resolved_on, proposed, "when the decision was proposed"):
        raise DecisionError(message, "resolved_on")


@dataclass(frozen=True)
class Tally:
    """The votes of the current member councils on a decision put to ratification."""

    members: int
    votes_for: int = 0
    against: int = 0
    abstain: int = 0
    agree_to_differ: int = 0

    @classmethod
    def count(cls, choices: Iterable[str], members: int) -> "Tally":
        counts = Counter(choices)
        return cls(
            members=members,
            votes_for=counts[Vote.Choice.FOR],
            against=counts[Vote.Choice.AGAINST],
            abstain=counts[Vote.Choice.ABSTAIN],
            agree_to_differ=counts[Vote.Choice.AGREE_TO_DIFFER],
        )

    @property
    def voted(self) -> int:
        return self.votes_for + self.against + self.abstain + self.agree_to_differ

    def __str__(self) -> str:
        return (
            f"For {self.votes_for}, against {self.against}, abstain {self.abstain}, "
            f"agree to differ {self.agree_to_differ} ({self.voted} of {self.members} member councils voted)"
        )


def settle(threshold: str, tally: Tally) -> str | None:
    """The outcome the votes settle (Decision.Status.APPROVED or REJECTED), or None while it is open.

    Only the votes of councils that are members now count, against the number of members now.

    ALL (every member council): rejected as soon as one council votes against; approved once every
    member council has voted and none against. Abstaining and agreeing to differ do not block: a
    council that agrees to differ lets the others go ahead without taking part itself.

    MAJORITY: approved as soon as the votes for exceed half of the member councils; rejected as soon
    as the votes against reach half of them (the votes for can then no longer exceed half), or once
    every member council has voted without a majority for.
    """
    if threshold == Cluster.Threshold.ALL:
        if tally.against:
            return Decision.Status.REJECTED
        if tally.voted >= tally.members:
            return Decision.Status.APPROVED
        return None
    if tally.votes_for * 2 > tally.members:
        return Decision.Status.APPROVED
    if tally.against * 2 >= tally.members or tally.voted >= tally.members:
        return Decision.Status.REJECTED
    return None


def member_council_ids(cluster: Cluster) -> set[int]:
    return set(
        cluster.memberships.filter(status=Membership.Status.MEMBER).values_list("council_id", flat=True)
    )


def tally_of(decision: Decision, members: set[int]) -> Tally:
    choices = decision.votes.filter(council_id__in=members).values_list("choice", flat=True).order_by()
    return Tally.count(choices, len(members))


# Emails


def _tell_people(people: Iterable, template: str, context: dict, skip=None) -> None:
    """One email per person, however many of the councils concerned they act for."""
    seen = set()
    for person in people:
        if person is None or person.pk in seen or (skip is not None and person.pk == skip.pk):
            continue
        seen.add(person.pk)
        send_templated_email(template=template, to=person.email, context={**context, "user": person})


def _asked(decision: Decision) -> list:
    """The people a proposal asks to act: the chair, or the people of every member council."""
    if decision.method == Decision.Method.CHAIR:
        return list(deciders(decision.cluster))
    return people_of_members(decision.cluster)


# Proposing


@transaction.atomic
def propose_decision(
    *,
    acting_user,
    cluster: Cluster,
    title: str,
    text: str,
    method: str,
    proposing_council: Council | None,
    attachments: Sequence = (),
    corrects: Decision | None = None,
) -> Decision:
    """A new proposal, numbered next in the cluster, for a member council or by a cluster officer.

    Attachments are uploaded files; each is checked by content (clusters.uploads) before it is kept.
    """
    permissions = ClusterPermissions(acting_user, cluster)
    # Locking the cluster's row makes numbering one proposal at a time: two proposals made at the
    # same moment get consecutive numbers instead of failing on the unique number. The status and
    # the threshold are read from the locked row, not from the caller's copy.
    status, threshold = (
        Cluster.objects.select_for_update().values_list("status", "ratification_threshold").get(pk=cluster.pk)
    )
    if status == Cluster.Status.DISSOLVED:
        raise DecisionError("The cluster has been dissolved: it makes no more decisions.")
    if method not in Decision.Method.values:
        raise DecisionError("Select how the decision will be made.")
    if proposing_council is None:
        if not permissions.may_propose_without_council():
            raise DecisionError("Only the cluster's officers propose without a member council.")
    elif proposing_council.pk not in permissions.member_council_ids:
        raise DecisionError(f"{proposing_council} is not a member of {cluster}, so it cannot propose.")
    elif not permissions.may_act_for(proposing_council):
        raise DecisionError(f"You do not act for {proposing_council}.")
    if corrects is not None and (corrects.cluster_id != cluster.pk or not corrects.is_decided):
        raise DecisionError("Only a decision of this cluster that has been decided can be corrected.")
    try:
        checked = [(upload, *check_upload(upload)) for upload in attachments]
    except UploadError as error:
        raise DecisionError(str(error)) from error

    number = (cluster.decisions.aggregate(last=Max("number"))["last"] or 0) + 1
    decision = Decision.objects.create(
        cluster=cluster,
        number=number,
        title=title.strip(),
        text=text.strip(),
        method=method,
        threshold=threshold,
        proposed_by=acting_user,
        proposing_council=proposing_council,
        corrects=corrects,
    )
    for upload, kind, safe_name in checked:
        DecisionAttachment.objects.create(
            decision=decision, file=upload, file_name=safe_name, file_type=kind, uploaded_by=acting_user
        )
    audit.record(
        actor=acting_user,
        cluster=cluster,
        action="decision.proposed",
        summary=f"Decision {number} proposed: {decision.title}",
        after={
            "number": number,
            "title": decision.title,
            "method": decision.get_method_display(),
            "threshold": decision.get_threshold_display(),
            "proposing council": str(proposing_council or "the cluster's officers"),
            "attachments": ", ".join(name for _, _, name in checked),
            "corrects": corrects.number if corrects else "",
        },
    )
    template = "decision_for_chair" if method == Decision.Method.CHAIR else "decision_ratification_needed"
    _tell_people(_asked(decision), template, {"decision": decision, "cluster": cluster}, skip=acting_user)
    return decision


# Deciding


def _lock(decision: Decision) -> Decision:
    """The decision's row, locked until the transaction ends, as it is now (not as the caller saw it)."""
    return Decision.objects.select_for_update(of=("self",)).select_related("cluster").get(pk=decision.pk)


def refuse_unless_open(decision: Decision) -> None:
    if decision.status != Decision.Status.PROPOSED:
        raise DecisionError(
            f"Decision {decision.number} has already been {decision.get_status_display().lower()}: "
            "it cannot be changed."
        )


def _close(decision: Decision, *, status: str, acting_user, reasons: str) -> None:
    decision.status = status
    decision.decided_at = timezone.now()
    decision.decided_by = acting_user
    decision.reasons = reasons
    decision.save(update_fields=["status", "decided_at", "decided_by", "reasons"])
    audit.record(
        actor=acting_user,
        cluster=decision.cluster,
        action=f"decision.{status}",
        summary=f"Decision {decision.number} {decision.get_status_display().lower()}: {decision.title}",
        before={"status": Decision.Status.PROPOSED.label},
        after={"status": decision.get_status_display(), "reasons": reasons},
    )
    recipients = people_of_members(decision.cluster) + [decision.proposed_by]
    _tell_people(recipients, "decision_decided", {"decision": decision, "cluster": decision.cluster})


def settle_open_ratifications(*, cluster: Cluster) -> None:
    """Count the open ratifications again after a member council left: the councils still in may
    all have voted already. Called inside the leaving council's transaction."""
    members = member_council_ids(cluster)
    for decision in cluster.decisions.filter(
        status=Decision.Status.PROPOSED, method=Decision.Method.RATIFICATION
    ):
        decision = _lock(decision)
        outcome = settle(decision.threshold, tally_of(decision, members))
        if outcome:
            _close(
                decision,
                status=outcome,
                acting_user=None,
                reasons="Settled by the votes of the councils still members",
            )


@transaction.atomic
def decide(*, acting_user, decision: Decision, approve: bool, reasons: str = "") -> Decision:
    """The chair approves or rejects under delegated authority; rejecting needs reasons."""
    decision = _lock(decision)
    refuse_unless_open(decision)
    if decision.method != Decision.Method.CHAIR:
        raise DecisionError("This decision is for the member councils to ratify, not for the chair.")
    if not ClusterPermissions(acting_user, decision.cluster).may_decide():
        raise DecisionError("Only the chair decides under delegated authority.")
    reasons = reasons.strip()
    if not approve and not reasons:
        raise DecisionError("Enter the reasons for rejecting the decision.")
    status = Decision.Status.APPROVED if approve else Decision.Status.REJECTED
    _close(decision, status=status, acting_user=acting_user, reasons=reasons)
    return decision


def _open_ratification(decision: Decision) -> Decision:
    decision = _lock(decision)
    refuse_unless_open(decision)
    if decision.method != Decision.Method.RATIFICATION:
        raise DecisionError("This decision is for the chair to decide: member councils do not vote on it.")
    return decision


def _add_vote(
    *,
    acting_user,
    decision: Decision,
    permissions: ClusterPermissions,
    council: Council,
    choice: str,
    minute_ref: str,
    resolved_on: datetime.date,
) -> Vote:
    """One council's vote on an open ratification locked by the caller, with its audit record; the
    caller settles the outcome."""
    cluster = decision.cluster
    if council.pk not in permissions.member_council_ids:
        raise DecisionError(
            f"{council} is not a member of {cluster}, so it cannot vote on the cluster's decisions."
        )
    if not permissions.may_act_for(council):
        raise DecisionError(f"You do not act for {council}.")
    if choice not in Vote.Choice.values:
        raise DecisionError("Select the council's resolution.")
    if not minute_ref.strip():
        raise DecisionError("Enter the minute reference of the council's resolution.")
    if resolved_on > timezone.localdate():
        raise DecisionError("The date of the resolution cannot be in the future.", "resolved_on")
    check_vote_date(decision, resolved_on)
    if decision.votes.filter(council=council).exists():
        raise DecisionError(f"{council} has already recorded its resolution on this decision.")
    vote = Vote.objects.create(
        decision=decision,
        council=council,
        choice=choice,
        minute_ref=minute_ref.strip(),
        resolved_on=resolved_on,
        recorded_by=acting_user,
    )
    audit.record(
        actor=acting_user,
        cluster=cluster,
        action="decision.voted",
        summary=f"{council} voted {vote.get_choice_display().lower()} on decision {decision.number}",
        after={
            "decision": decision.number,
            "council": council.name,
            "vote": vote.get_choice_display(),
            "minute_ref": vote.minute_ref,
            "resolved_on": resolved_on.isoformat(),
        },
    )
    return vote


def _settle_votes(decision: Decision, permissions: ClusterPermissions) -> None:
    tally = tally_of(decision, permissions.member_council_ids)
    outcome = settle(decision.threshold, tally)
    if outcome is not None:
        # Decided by the councils' votes, not by a person: decided_by stays empty.
        _close(decision, status=outcome, acting_user=None, reasons=str(tally))


@transaction.atomic
def record_vote(
    *,
    acting_user,
    decision: Decision,
    council: Council,
    choice: str,
    minute_ref: str,
    resolved_on: datetime.date,
) -> Vote:
    """A member council's resolution on a decision put to ratification; the vote that settles the
    outcome (see settle) decides the decision."""
    decision = _open_ratification(decision)
    permissions = ClusterPermissions(acting_user, decision.cluster)
    vote = _add_vote(
        acting_user=acting_user,
        decision=decision,
        permissions=permissions,
        council=council,
        choice=choice,
        minute_ref=minute_ref,
        resolved_on=resolved_on,
    )
    _settle_votes(decision, permissions)
    return vote


@dataclass(frozen=True)
class CouncilVote:
    """One row of a submission for several councils."""

    council: Council
    choice: str
    minute_ref: str
    resolved_on: datetime.date


class VoteRefused(DecisionError):
    """One council's vote of a submission for several, refused: nothing of the submission is kept,
    and the message is shown in that council's row."""

    def __init__(self, message: str, field: str | None, council: Council):
        super().__init__(message, field)
        self.council = council


@transaction.atomic
def record_votes(*, acting_user, decision: Decision, votes: Sequence[CouncilVote]) -> list[Vote]:
    """The resolutions of several member councils on one ratification, recorded together by a
    person who acts for them all: each under record_vote's rules, with its audit record; all or none.

    The outcome is settled once, after every vote is in. Settled vote by vote, a ratification that
    the first rows already decide (one council against, where every member must agree) would close
    and refuse the rows after it, though those councils had resolved too; and the outcome would hang
    on the order of the rows.
    """
    if not votes:
        raise DecisionError("Record the resolution of at least one council.")
    decision = _open_ratification(decision)
    permissions = ClusterPermissions(acting_user, decision.cluster)
    recorded = []
    for vote in votes:
        try:
            recorded.append(
                _add_vote(
                    acting_user=acting_user,
                    decision=decision,
                    permissions=permissions,
                    council=vote.council,
                    choice=vote.choice,
                    minute_ref=vote.minute_ref,
                    resolved_on=vote.resolved_on,
                )
            )
        except DecisionError as error:
            raise VoteRefused(str(error), error.field, vote.council) from error
    _settle_votes(decision, permissions)
    return recorded


@transaction.atomic
def withdraw_decision(*, acting_user, decision: Decision) -> Decision:
    """The proposer or the chair takes back a proposal that has not been decided."""
    decision = _lock(decision)
    refuse_unless_open(decision)
    if not ClusterPermissions(acting_user, decision.cluster).may_withdraw(decision):
        raise DecisionError("Only the person who proposed it or the chair can withdraw a proposal.")
    decision.status = Decision.Status.WITHDRAWN
    decision.withdrawn_at = timezone.now()
    decision.withdrawn_by = acting_user
    decision.save(update_fields=["status", "withdrawn_at", "withdrawn_by"])
    audit.record(
        actor=acting_user,
        cluster=decision.cluster,
        action="decision.withdrawn",
        summary=f"Decision {decision.number} withdrawn: {decision.title}",
        before={"status": Decision.Status.PROPOSED.label},
        after={"status": decision.get_status_display()},
    )
    _tell_people(
        _asked(decision),
        "decision_withdrawn",
        {"decision": decision, "cluster": decision.cluster},
        skip=acting_user,
    )
    return decision


# Reads


def register(cluster: Cluster, *, search: str = "", status: str = "", year: int | None = None) -> QuerySet:
    """The cluster's decisions, newest first, filtered as the register and its CSV are."""
    decisions = cluster.decisions.select_related("proposing_council", "corrects")
    if search:
        decisions = decisions.filter(Q(title__icontains=search) | Q(text__icontains=search))
    if status:
        decisions = decisions.filter(status=status)
    if year:
        start = timezone.make_aware(datetime.datetime(year, 1, 1))
        decisions = decisions.filter(proposed_at__gte=start, proposed_at__lt=start.replace(year=year + 1))
    return decisions.order_by("-number")


def with_progress(decisions: QuerySet) -> QuerySet:
    """Each decision's number of votes, in the page's one query.

    A subquery rather than a join: the paginator's count then leaves it out.
    """
    votes = Vote.objects.filter(decision=OuterRef("pk")).order_by().values("decision")
    return decisions.annotate(votes_count=Coalesce(Subquery(votes.annotate(n=Count("pk")).values("n")), 0))


def mark_corrected(decisions: list[Decision]) -> list[Decision]:
    """Sets `is_corrected` on each of these decisions (a page of the register), in one query that
    reads only their corrections, through the index on `corrects`. As an EXISTS in the page's own
    query, once a cluster has a few hundred decisions PostgreSQL reads every decision in the
    country to hash their corrections, before the page's 25 are picked."""
    corrected = set(
        Decision.objects.filter(corrects__in=[d.pk for d in decisions])
        .order_by()
        .values_list("corrects_id", flat=True)
    )
    for decision in decisions:
        decision.is_corrected = decision.pk in corrected
    return decisions


def register_years(cluster: Cluster) -> list[int]:
    """The years in which the cluster has proposed decisions, newest first, for the year filter."""
    return [day.year for day in cluster.decisions.dates("proposed_at", "year", order="DESC")]


def awaited_resolutions(proposed_by: datetime.date, *also: Q) -> QuerySet[Decision]:
    """Every decision put to ratification by the end of `proposed_by` and still open, once for each
    member council of its cluster that has not voted on it (`awaited_council_id`): what the
    reminders chase. `also`: conditions on those member councils, through
    `cluster__memberships__council`, held in the same join (so that, for example, the people who
    act for each council can be joined in: one row per decision, council and person)."""
    tomorrow = timezone.make_aware(
        datetime.datetime.combine(proposed_by + datetime.timedelta(days=1), datetime.time())
    )
    voted = Vote.objects.filter(decision=OuterRef("pk"), council=OuterRef("awaited_council_id"))
    return (
        Decision.objects.filter(
            *also,
            status=Decision.Status.PROPOSED,
            method=Decision.Method.RATIFICATION,
            proposed_at__lt=tomorrow,
            cluster__memberships__status=Membership.Status.MEMBER,
        )
        .exclude(cluster__status=Cluster.Status.DISSOLVED)
        # The annotation reuses the filter's join: one row per (decision, member council).
        .annotate(awaited_council_id=F("cluster__memberships__council_id"))
        .filter(~Exists(voted))
    )
