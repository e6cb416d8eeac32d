"""The clusters of the demo, in the order things happen: each cluster formed months or years ago, its
councils invited and joining by resolution, its first chair (a councillor of a member council) and its
secretary chosen at its first meeting, then its documents, a year of decisions and its objectives,
each dated after what it depends on. What each cluster decides and aims at is in
parishes/data/demo_clusters.json. Upper Eden has a rotating chair; Howgate's chair's term has run out.
A cluster that already exists is left as it is, so running the demo again changes nothing.

The services stamp "now" on some of what they record (a proposal, a version, an adoption's recording,
the audit trail) and take no date for it, because in use now is when it happens. The demo records a
past all at once, so it moves those stamps back with queryset updates straight after each call;
dates the services do take (resolutions, terms) are given to them.
"""

import datetime
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from parishes.demo import AREA_SLUGS, chair_email, load_demo
from parishes.models import Area, Council

from . import decisions, documents, leadership, membership, objectives, reports
from .leadership import add_months
from .models import (
    Adoption,
    Cluster,
    ClusterEvent,
    Decision,
    DocumentVersion,
    GovernanceDocument,
    Membership,
    Objective,
    ObjectiveUpdate,
    Position,
    Vote,
)

FORMALITY = {"Upper Eden": "mou", "Witney & District Services": "constitution", "Chipping Norton Area": "cic"}
# The founding document follows the cluster's formality.
FOUNDING_DOCUMENT = {
    "informal": ("mou", "memorandum of understanding"),
    "mou": ("mou", "memorandum of understanding"),
    "constitution": ("constitution", "constitution"),
    "cic": ("cic_articles", "articles of the community interest company"),
}
ROTATING_CHAIR = "Upper Eden"
ROTA_MONTHS = 12
DAY = datetime.timedelta(days=1)


def _person(email):
    return get_user_model().objects.get(email=email)


def past_moment(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment of a past day, never later than now (so that a stamp on today stays in the past)."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
    return min(moment, timezone.now())


@contextmanager
def _dated(moment: datetime.datetime, after: dict | None = None):
    """The audit records written inside the block are dated `moment` instead of now; `after`
    corrects values in them that the service worked out from today (an objective's next review)."""
    last = ClusterEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    yield
    events = ClusterEvent.objects.filter(pk__gt=last)
    events.update(created_at=moment)
    for event in events if after else ():
        if event.after and after.keys() & event.after.keys():
            event.after = {
                **event.after,
                **{key: value for key, value in after.items() if key in event.after},
            }
            event.save(update_fields=["after"])


def seed_clusters() -> None:
    for area_data in load_demo()["areas"]:
        area = Area.objects.get(slug=AREA_SLUGS.get(area_data["name"], slugify(area_data["name"])))
        for data in area_data["clusters"]:
            if not Cluster.objects.filter(area=area, name=data["name"]).exists():
                _seed_cluster(area, data)


class _Cast:
    """The people who act in one demo cluster, and which clerk records each council's resolutions."""

    def __init__(self, data: dict, lead: Council):
        self.lead = lead
        self.lead_clerk = _person(f"clerk@{slugify(lead.name)}.example")
        self.secretary = _person(f"clerk@{slugify(data['name'])}.example")
        self.chair = _person(chair_email(data["name"]))

    def clerk_of(self, council: Council):
        return self.lead_clerk if council == self.lead else self.secretary


def minute_ref_of(day: datetime.date) -> str:
    return f"{day:%y}/{day.timetuple().tm_yday:03d}"


def _seed_cluster(area: Area, data: dict) -> None:
    today = timezone.localdate()
    councils = {c.gss_code: c for c in Council.objects.filter(gss_code__in=data["members"])}
    lead = councils[data["lead"]]
    others = [councils[code] for code in data["members"] if code != data["lead"]]
    cast = _Cast(data, lead)
    formed_on = add_months(today, -data["formed_months_ago"])

    with _dated(past_moment(formed_on)):
        cluster = membership.start_cluster(
            acting_user=cast.lead_clerk,
            area=area,
            lead_council=lead,
            name=data["name"],
            purpose=data["purpose"],
            priorities="\n".join(objective["title"] for objective in data["objectives"]),
            formality=FORMALITY.get(data["name"], "informal"),
            formed_on=formed_on,
        )
    # The lead council is a member from the start; the service dates its membership now.
    Membership.objects.filter(cluster=cluster).update(invited_at=past_moment(formed_on))
    # Each council resolves to join at its own next meeting, two to eight weeks after the invitation;
    # its clerk records the resolution the next morning.
    invited_at = past_moment(formed_on, 11)
    joined = [formed_on]
    for i, council in enumerate(others):
        with _dated(invited_at):
            invitation = membership.invite_council(
                acting_user=cast.lead_clerk, cluster=cluster, council=council
            )
        Membership.objects.filter(pk=invitation.pk).update(invited_at=invited_at)
        resolved_on = formed_on + datetime.timedelta(days=14 + (i * 11) % 43)
        with _dated(past_moment(resolved_on + DAY, 9, 30)):
            membership.answer_invitation(
                acting_user=cast.secretary,
                membership=invitation,
                accept=True,
                minute_ref=minute_ref_of(resolved_on),
                resolved_on=resolved_on,
            )
        joined.append(resolved_on)
    active_since = max(joined) + DAY
    with _dated(past_moment(active_since)):
        membership.move_status(acting_user=cast.lead_clerk, cluster=cluster, to="active")
    # The service makes a cluster active today.
    Cluster.objects.filter(pk=cluster.pk).update(active_since=active_since)

    first_meeting = active_since + datetime.timedelta(days=7)
    _seed_officers(cluster, data, cast, councils, others, first_meeting)
    _seed_documents(cluster, cast, others, first_meeting)
    _seed_decisions(cluster, data["decisions"], cast, others, first_meeting)
    _seed_objectives(cluster, data["objectives"], cast, councils, first_meeting)
    reports.request_report(acting_user=cast.secretary, cluster=cluster, year=reports.financial_year_of(today))
    if ended_days_ago := data["chair"].get("term_ended_days_ago"):
        _end_the_chairs_term(cluster, ended_days_ago)


def _seed_officers(cluster, data, cast, councils, others, first_meeting) -> None:
    """A new cluster has no chair: the lead council's clerk records the meeting that chose one, a
    councillor of a member council; the chair then appoints the secretary, the clerk most councils share."""
    rotating = data["name"] == ROTATING_CHAIR
    with _dated(past_moment(first_meeting, 20)):
        leadership.fill_vacancy(
            acting_user=cast.lead_clerk,
            cluster=cluster,
            kind=Position.Kind.CHAIR,
            user=cast.chair,
            council=councils[data["chair"]["council"]],
            starts_on=first_meeting,
            # A rotating chair holds a turn of the rota; any other, the longest term the rules allow.
            ends_on=add_months(first_meeting, ROTA_MONTHS) - DAY if rotating else None,
            chosen_at=f"The cluster's first meeting, {first_meeting:%-d %B %Y}",
        )
        leadership.appoint(
            acting_user=cast.chair,
            cluster=cluster,
            kind=Position.Kind.SECRETARY,
            user=cast.secretary,
            council=others[0],
            starts_on=first_meeting,
        )
        if rotating:
            leadership.set_rota(
                acting_user=cast.chair,
                cluster=cluster,
                councils=[cast.lead, *others[:4]],
                term_months=ROTA_MONTHS,
            )


def _end_the_chairs_term(cluster, days_ago: int) -> None:
    """The chair's term ended `days_ago` days ago and the daily job has ended the position since."""
    position = cluster.positions.get(kind="chair", ended_on__isnull=True)
    last_day = timezone.localdate() - datetime.timedelta(days=days_ago)
    # Stands in for the passing of time: appointments refuse a term that has already ended.
    Position.objects.filter(pk=position.pk).update(ends_on=last_day)
    with _dated(past_moment(last_day + DAY, 6)):
        leadership.vacate(
            acting_user=None,
            position=position,
            cause=f"the term ended on {last_day:%-d %B %Y}",
            ended_on=last_day + DAY,
        )


def _adopt(version: DocumentVersion, council: Council, clerk, resolved_on: datetime.date) -> None:
    recorded_at = past_moment(resolved_on + DAY, 9, 30)
    with _dated(recorded_at):
        adoption = documents.record_adoption(
            acting_user=clerk,
            version=version,
            council=council,
            minute_ref=minute_ref_of(resolved_on),
            resolved_on=resolved_on,
        )
    Adoption.objects.filter(pk=adoption.pk).update(recorded_at=recorded_at)


def _seed_documents(cluster, cast, others, first_meeting) -> None:
    today = timezone.localdate()
    kind, name = FOUNDING_DOCUMENT[cluster.formality]
    drafted_on = first_meeting + datetime.timedelta(days=14)
    drafted_at = past_moment(drafted_on)
    with _dated(drafted_at):
        founding = documents.create_document(
            acting_user=cast.secretary,
            cluster=cluster,
            kind=kind,
            title=f"{cluster.name} {name}",
            review_on=today + datetime.timedelta(days=90),
            text="The member councils agree to work together on the services they choose, to share costs "
            "fairly, and to take decisions as set out in the terms of reference.",
        )
        terms = documents.create_document(
            acting_user=cast.secretary,
            cluster=cluster,
            kind="terms_of_reference",
            title="Terms of reference",
            review_on=today,
            text="The cluster meets four times a year. The chair may decide matters under £500 on the "
            "cluster's behalf; other matters go to every member council.",
        )
    GovernanceDocument.objects.filter(pk__in=[founding.pk, terms.pk]).update(created_at=drafted_at)
    DocumentVersion.objects.filter(document__in=[founding, terms]).update(created_at=drafted_at)
    # A review that fell due last week, as if the demo had been running: the reminders show it.
    GovernanceDocument.objects.filter(pk=terms.pk).update(review_on=today - datetime.timedelta(days=7))

    # Every member council adopts the first version at its next meeting.
    first = founding.versions.get()
    for i, council in enumerate([cast.lead, *others]):
        _adopt(
            first, council, cast.clerk_of(council), drafted_on + datetime.timedelta(days=10 + (i * 7) % 30)
        )
    # Later the cluster revises it, and half the councils have adopted the revision so far.
    revised_on = drafted_on + (today - drafted_on) * 3 // 5
    revised_at = past_moment(revised_on)
    with _dated(revised_at):
        version = documents.add_version(
            acting_user=cast.secretary,
            document=founding,
            notes="Adds the sharing of costs by population",
            text="The member councils agree to work together on the services they choose, and to share "
            "their costs in proportion to population unless they agree otherwise.",
        )
    DocumentVersion.objects.filter(pk=version.pk).update(created_at=revised_at)
    for i, council in enumerate([cast.lead, *others[: max(1, len(others) // 2)]]):
        _adopt(
            version, council, cast.clerk_of(council), revised_on + datetime.timedelta(days=10 + (i * 7) % 30)
        )


# Each decision's state in the story, and when it is proposed, as a fraction of the past year (or of
# the cluster's life since its first meeting, if shorter). Numbers follow the order of proposal.
DECISION_STORY = (
    ("approved", 0.1),
    ("rejected", 0.25),
    ("ratified", 0.4),
    ("withdrawn", 0.55),
    ("correction", 0.7),
    ("awaiting_votes", 0.85),
    ("awaiting_chair", 0.95),
)


def _seed_decisions(cluster, story: dict, cast, others, first_meeting) -> None:
    today = timezone.localdate()
    start = max(first_meeting + datetime.timedelta(days=14), today - datetime.timedelta(days=365))
    span = (today - datetime.timedelta(days=3)) - start
    secretary_for = others[len(others) // 2]

    def propose(state, day, method, by_lead=True, corrects=None) -> Decision:
        proposed_at = past_moment(day)
        with _dated(proposed_at):
            decision = decisions.propose_decision(
                acting_user=cast.lead_clerk if by_lead else cast.secretary,
                cluster=cluster,
                title=story[state]["title"],
                text=story[state]["text"],
                method=method,
                proposing_council=cast.lead if by_lead else secretary_for,
                corrects=corrects,
            )
        Decision.objects.filter(pk=decision.pk).update(proposed_at=proposed_at)
        return decision

    def decide(decision, approve, day, reasons) -> Decision:
        decided_at = past_moment(day, 18)
        with _dated(decided_at):
            decision = decisions.decide(
                acting_user=cast.chair, decision=decision, approve=approve, reasons=reasons
            )
        Decision.objects.filter(pk=decision.pk).update(decided_at=decided_at)
        return decision

    def vote(decision, council, choice, resolved_on) -> None:
        recorded_at = past_moment(resolved_on + DAY, 9, 30)
        with _dated(recorded_at):
            decisions.record_vote(
                acting_user=cast.clerk_of(council),
                decision=decision,
                council=council,
                choice=choice,
                minute_ref=minute_ref_of(resolved_on),
                resolved_on=resolved_on,
            )
        Vote.objects.filter(decision=decision, council=council).update(recorded_at=recorded_at)
        # The vote that settles the outcome decides the decision, at the moment it is recorded.
        Decision.objects.filter(pk=decision.pk, decided_at__isnull=False).update(decided_at=recorded_at)

    days = {state: start + span * share for state, share in DECISION_STORY}
    approved = propose("approved", days["approved"], Decision.Method.CHAIR)
    approved = decide(approved, True, days["approved"] + 5 * DAY, story["approved"]["reasons"])
    rejected = propose("rejected", days["rejected"], Decision.Method.CHAIR, by_lead=False)
    decide(rejected, False, days["rejected"] + 5 * DAY, story["rejected"]["reasons"])

    ratified = propose("ratified", days["ratified"], Decision.Method.RATIFICATION)
    # Each council resolves at its own meeting within five weeks, and its vote is recorded in that
    # order, so that the last one settles the decision. Not every council takes part: one agrees to
    # differ and one abstains, which does not stop the others.
    meetings = sorted(
        ((days["ratified"] + datetime.timedelta(days=7 + (i * 5) % 29), i, council))
        for i, council in enumerate([cast.lead, *others])
    )
    for resolved_on, i, council in meetings:
        choice = {1: Vote.Choice.AGREE_TO_DIFFER, 2: Vote.Choice.ABSTAIN}.get(i, Vote.Choice.FOR)
        vote(ratified, council, choice, resolved_on)

    withdrawn = propose("withdrawn", days["withdrawn"], Decision.Method.CHAIR, by_lead=False)
    withdrawn_at = past_moment(days["withdrawn"] + 12 * DAY)
    with _dated(withdrawn_at):
        decisions.withdraw_decision(acting_user=cast.secretary, decision=withdrawn)
    Decision.objects.filter(pk=withdrawn.pk).update(withdrawn_at=withdrawn_at)

    # Waiting for the chair: a correction of the approved decision, and a new proposal.
    propose("correction", days["correction"], Decision.Method.CHAIR, corrects=approved)
    awaiting_votes = propose("awaiting_votes", days["awaiting_votes"], Decision.Method.RATIFICATION)
    vote(awaiting_votes, cast.lead, Vote.Choice.FOR, min(days["awaiting_votes"] + 7 * DAY, today))
    propose("awaiting_chair", days["awaiting_chair"], Decision.Method.CHAIR, by_lead=False)


def _seed_objectives(cluster, plans: list[dict], cast, councils, first_meeting) -> None:
    """Objectives set at the cluster's meetings over the past year, each with its latest progress
    report; the last is overdue for review, so the reminders and the overview have something to show."""
    today = timezone.localdate()
    set_from = max(first_meeting + datetime.timedelta(days=30), today - datetime.timedelta(days=300))
    for i, plan in enumerate(plans):
        months = plan["review_every_months"]
        created_on = set_from + datetime.timedelta(days=10 * i)
        created_at = past_moment(created_on)
        first_review = add_months(created_on, months)
        with _dated(created_at, after={"next review": first_review.isoformat()}):
            objective = objectives.create_objective(
                acting_user=cast.secretary,
                cluster=cluster,
                title=plan["title"],
                owner_council=councils[plan["owner"]],
                measure=plan["measure"],
                target=plan["target"],
                due_on=add_months(today, plan["due_in_months"]),
                review_every_months=months,
            )
        # The service works out the first review from today.
        Objective.objects.filter(pk=objective.pk).update(created_at=created_at, next_review_on=first_review)
        overdue = i == len(plans) - 1
        reported_on = (
            add_months(today - datetime.timedelta(days=7), -months)
            if overdue
            else today - datetime.timedelta(days=12 + 9 * i)
        )
        reported_at = past_moment(reported_on, 19)
        next_review = add_months(reported_on, months)
        with _dated(reported_at, after={"next review": next_review.isoformat()}):
            update = objectives.record_progress(
                acting_user=cast.secretary,
                objective=objective,
                status=plan["status"],
                progress=plan["progress"],
                note=plan["note"],
            )
        ObjectiveUpdate.objects.filter(pk=update.pk).update(created_at=reported_at)
        # The service moves the next review on from today; the review was on the day of the report.
        Objective.objects.filter(pk=objective.pk).update(next_review_on=next_review)
