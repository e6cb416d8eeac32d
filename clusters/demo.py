"""The clusters of the demo: members, officers (Upper Eden with a rotating chair), documents,
decisions in each state, objectives with their history, and a report. A cluster that already
exists is left as it is, so running the demo again changes nothing."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from parishes.demo import AREA_SLUGS, load_demo
from parishes.models import Area, Council

from . import decisions, documents, leadership, membership, objectives, reports
from .models import Cluster, Decision, GovernanceDocument, Objective, Position

FORMALITY = {"Upper Eden": "mou", "Witney & District Services": "constitution", "Chipping Norton Area": "cic"}
# The cluster whose chair's term has run out: it shows a cluster without a chair, which any member
# council's clerk may fill.
VACANT_CHAIR = "Howgate"


def _person(email):
    return get_user_model().objects.get(email=email)


def seed_clusters() -> None:
    for area_data in load_demo()["areas"]:
        area = Area.objects.get(slug=AREA_SLUGS.get(area_data["name"], slugify(area_data["name"])))
        for data in area_data["clusters"]:
            if not Cluster.objects.filter(area=area, name=data["name"]).exists():
                _seed_cluster(area, data)


def _seed_cluster(area: Area, data: dict) -> None:
    today = timezone.localdate()
    councils = {c.gss_code: c for c in Council.objects.filter(gss_code__in=data["members"])}
    lead = councils[data["lead"]]
    others = [councils[code] for code in data["members"] if code != data["lead"]]
    chair = _person(f"clerk@{slugify(lead.name)}.example")
    secretary = _person(f"clerk@{slugify(data['name'])}.example")
    joined = today - datetime.timedelta(days=400)

    cluster = membership.start_cluster(
        acting_user=chair,
        area=area,
        lead_council=lead,
        name=data["name"],
        purpose=data["purpose"],
        priorities="Keep verges, signs and footpaths in good order\nShare the cost of services fairly",
        formality=FORMALITY.get(data["name"], "informal"),
        formed_on=joined,
    )
    for council in others:
        invited = membership.invite_council(acting_user=chair, cluster=cluster, council=council)
        membership.answer_invitation(
            acting_user=secretary,
            membership=invited,
            accept=True,
            minute_ref=f"{joined:%y}/{council.pk}",
            resolved_on=joined,
        )
    membership.move_status(acting_user=chair, cluster=cluster, to="active")
    # A new cluster has no chair: the lead council's clerk records the meeting that chose one.
    leadership.fill_vacancy(
        acting_user=chair,
        cluster=cluster,
        kind="chair",
        user=chair,
        council=lead,
        starts_on=today - datetime.timedelta(days=200),
        ends_on=today + datetime.timedelta(days=165),
        chosen_at=f"The cluster's first meeting, {joined:%-d %B %Y}",
    )
    leadership.appoint(
        acting_user=chair,
        cluster=cluster,
        kind="secretary",
        user=secretary,
        council=others[0],
        starts_on=joined,
    )
    if data["name"] == "Upper Eden":
        leadership.set_rota(acting_user=chair, cluster=cluster, councils=[lead, *others[:4]], term_months=12)

    _seed_documents(cluster, chair, secretary, lead, others)
    _seed_decisions(cluster, chair, secretary, lead, others)
    _seed_objectives(cluster, chair, secretary, lead, others)
    reports.request_report(acting_user=chair, cluster=cluster, year=reports.financial_year_of(today))
    if data["name"] == VACANT_CHAIR:
        _end_the_chairs_term(cluster)


def _end_the_chairs_term(cluster) -> None:
    """The chair's term ended ten days ago and the daily job has ended the position since."""
    position = cluster.positions.get(kind="chair", ended_on__isnull=True)
    last_day = timezone.localdate() - datetime.timedelta(days=10)
    # Stands in for the passing of time: appointments refuse a term that has already ended.
    Position.objects.filter(pk=position.pk).update(ends_on=last_day)
    leadership.vacate(
        acting_user=None,
        position=position,
        cause=f"the term ended on {last_day:%-d %B %Y}",
        ended_on=last_day + datetime.timedelta(days=1),
    )


def _seed_documents(cluster, chair, secretary, lead, others) -> None:
    today = timezone.localdate()
    mou = documents.create_document(
        acting_user=secretary,
        cluster=cluster,
        kind="mou",
        title=f"{cluster.name} memorandum of understanding",
        review_on=today + datetime.timedelta(days=90),
        text="The member councils agree to work together on the services they choose, to share costs "
        "fairly, and to take decisions as set out in the terms of reference.",
    )
    version = documents.add_version(
        acting_user=secretary,
        document=mou,
        notes="Adds the sharing of costs by population",
        text="The member councils agree to work together on the services they choose, and to share "
        "their costs in proportion to population unless they agree otherwise.",
    )
    for council in [lead, *others[: max(1, len(others) // 2)]]:
        documents.record_adoption(
            acting_user=chair if council == lead else secretary,
            version=version,
            council=council,
            minute_ref=f"MoU/{council.pk}",
            resolved_on=today - datetime.timedelta(days=30),
        )
    terms = documents.create_document(
        acting_user=secretary,
        cluster=cluster,
        kind="terms_of_reference",
        title="Terms of reference",
        review_on=today,
        text="The cluster meets four times a year. The chair may decide matters under £500 on the "
        "cluster's behalf; other matters go to every member council.",
    )
    # A review that fell due last week, as if the demo had been running: the reminders show it.
    GovernanceDocument.objects.filter(pk=terms.pk).update(review_on=today - datetime.timedelta(days=7))


def _seed_decisions(cluster, chair, secretary, lead, others) -> None:
    today = timezone.localdate()

    def propose(title, method, council=lead, **kwargs):
        return decisions.propose_decision(
            acting_user=chair,
            cluster=cluster,
            title=title,
            method=method,
            proposing_council=council,
            text=f"That the cluster agrees: {title.lower()}.",
            **kwargs,
        )

    approved = propose("Buy a shared verge mower", Decision.Method.CHAIR)
    approved = decisions.decide(
        acting_user=chair, decision=approved, approve=True, reasons="Within the agreed budget"
    )
    rejected = propose("Hire a second contractor for sign cleaning", Decision.Method.CHAIR)
    decisions.decide(
        acting_user=chair, decision=rejected, approve=False, reasons="The current contract covers it"
    )
    ratified = propose("Adopt the grass cutting specification", Decision.Method.RATIFICATION)
    for council in [lead, *others]:
        decisions.record_vote(
            acting_user=chair if council == lead else secretary,
            decision=ratified,
            council=council,
            choice="for",
            minute_ref=f"GC/{council.pk}",
            resolved_on=today - datetime.timedelta(days=5),
        )
    pending = propose("Share the cost of winter gritting by population", Decision.Method.RATIFICATION)
    decisions.record_vote(
        acting_user=chair,
        decision=pending,
        council=lead,
        choice="for",
        minute_ref="WG/1",
        resolved_on=today,
    )
    propose("Correct the mower's budget to £4,200", Decision.Method.CHAIR, corrects=approved)
    withdrawn = propose("Buy bunting for the jubilee", Decision.Method.CHAIR)
    decisions.withdraw_decision(acting_user=chair, decision=withdrawn)


def _seed_objectives(cluster, chair, secretary, lead, others) -> None:
    today = timezone.localdate()
    plans = [
        ("Cut every verge four times a season", lead, "Cuts a season", "4", Objective.Status.GREEN, 75),
        (
            "Clean every road sign once a year",
            others[0],
            "Signs cleaned",
            "All 140 signs",
            Objective.Status.AMBER,
            40,
        ),
        ("Recruit ten footpath volunteers", others[-1], "Volunteers trained", "10", Objective.Status.RED, 20),
    ]
    for title, owner, measure, target, status, progress in plans:
        objective = objectives.create_objective(
            acting_user=secretary,
            cluster=cluster,
            title=title,
            owner_council=owner,
            measure=measure,
            target=target,
            due_on=today + datetime.timedelta(days=180),
            review_every_months=3,
        )
        objectives.record_progress(
            acting_user=secretary,
            objective=objective,
            status=status,
            progress=progress,
            note=f"Progress reported at the cluster meeting: {progress}%.",
        )
    # One is overdue for review, so the reminders and the overview have something to show.
    Objective.objects.filter(cluster=cluster, title=plans[-1][0]).update(
        next_review_on=today - datetime.timedelta(days=7)
    )
