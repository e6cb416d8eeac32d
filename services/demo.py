"""The services of the demo, after its clusters (a step of parishes.demo.demo_steps): the usual
catalogue in every demo area, and the examples of the seed documents as they would stand after some
years of use, written through the services' own state changes so that their history reads as real.

- Witney & District Services: Witney town council's grounds team cuts the urban grass and cleans the
  signs of four neighbouring parishes (its own employees, under section 101), each council having
  agreed by resolution. The sign cleaning is behind this season: the pressure washer broke in June.
- Chipping Norton Area: Chipping Norton delivers rural verge cutting and bin emptying through a
  Community Interest Company that trains and employs local people.
- Brampton & Area: a volunteer litter-pick group of Brampton's, co-ordinated by one of its
  councillors, with training records (one expired, one expiring soon) and a volunteer who has left.
- Upper Eden: rural verge cutting by a contractor, proposed and agreed by all but one council, so
  that their shared clerk sees an agreement owed.
- Woodstock (no cluster): asks the county to deliver for itself alone, once approved, once waiting.

Each arrangement's delivery log covers its current season (or the last one, between seasons) up to
today at an even pace, but for the one behind. The services stamp "now" on what they record; the
demo moves those stamps back to the day things happened, as clusters.demo does. Clusters whose
arrangements exist, and a council that has asked already, are left as they are, so running the demo
again changes nothing.
"""

import datetime
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Max
from django.utils import timezone

from clusters.demo import minute_ref_of, past_moment
from clusters.leadership import add_months
from clusters.models import Cluster, ClusterEvent
from parishes.demo import (
    DEFAULT_PASSWORD,
    DemoSignIn,
    ensure_council,
    ensure_council_role,
    ensure_person,
    load_parish_names,
)
from parishes.models import Area, AuditEvent, Council, CouncilRole

from . import arrangements, deliveries, requests, sites, volunteers
from .catalogue import add_usual_services
from .models import (
    Arrangement,
    Assignment,
    Delivery,
    IndividualRequest,
    ServedCouncil,
    Service,
    TrainingCourse,
    TrainingRecord,
    Volunteer,
)
from .seasons import Season, progress, season_of

DAY = datetime.timedelta(days=1)
Model = Arrangement.DeliveryModel


@dataclass(frozen=True)
class Plan:
    """One arrangement of the demo: who leads what for whom (GSS code → quantity a season), how, and
    the sites of each council served (name, what is there, grid reference)."""

    cluster: str
    service: str
    served: dict[str, int]
    delivery_model: str
    legal_basis: str
    specification: str
    season: tuple[int, int]
    charging: str
    annual_value: str
    per_line: int  # the quantity of one line of its log
    done_by: str = ""
    rate: str | None = None
    model_fields: tuple[tuple[str, str], ...] = ()
    coordinator: str = ""  # the email of the co-ordinator who signs in
    sites: tuple[tuple[str, str, str, str], ...] = ()  # (GSS code, name, what is there, grid ref)
    hours_a_line: str | None = None
    proposed_days_ago: int | None = None  # still proposed: every served council but the last agreed


WITNEY, DUCKLINGTON, CURBRIDGE, HAILEY, CRAWLEY, SOUTH_LEIGH = (
    "E04008335",
    "E04008282",
    "E04008281",
    "E04008294",
    "E04008280",
    "E04008323",
)
OVER_NORTON, SALFORD, KINGHAM, CHURCHILL, ROLLRIGHT = (
    "E04008314",
    "E04008318",
    "E04008303",
    "E04008275",
    "E04008316",
)
HAYTON, FARLAM, CASTLE_CARROCK = "E04002459", "E04002458", "E04002453"
BROUGH, HARTLEY, KABER, WINTON = "E04002518", "E04002536", "E04002542", "E04002582"
WOODSTOCK = "E04008336"

CIC = (("cic_name", "Chipping Norton Community Services CIC"), ("cic_number", "11472839"))

PLANS = (
    Plan(
        cluster="Witney & District Services",
        service="Urban grass cutting",
        served={DUCKLINGTON: 12, CURBRIDGE: 12, HAILEY: 12, CRAWLEY: 12},
        delivery_model=Model.OWN_STAFF,
        legal_basis=Arrangement.LegalBasis.S101,
        specification="Twelve cuts a season of each village's greens and built-up verges, March to "
        "October, by Witney Town Council's grounds team; cuttings left unless agreed otherwise.",
        season=(3, 10),
        charging=Arrangement.Charging.PER_HOUR,
        rate="32.50",
        annual_value="9800.00",
        per_line=1,
        hours_a_line="3.5",
        done_by="Witney grounds team",
        sites=(
            (DUCKLINGTON, "The Green", "Village green and churchyard verge, 0.6 ha", "SP 359 075"),
            (DUCKLINGTON, "Standlake Road verges", "Verges in the 30 mph limit", ""),
            (CURBRIDGE, "Curbridge village green", "Green and bus stop verge", "SP 332 088"),
            (HAILEY, "Hailey village green", "Green by the Lamb and Flag, 0.3 ha", "SP 350 128"),
            (CRAWLEY, "Crawley Road verges", "Verges from the bridge to the mill", ""),
        ),
    ),
    Plan(
        cluster="Witney & District Services",
        service="Sign cleaning",
        served={DUCKLINGTON: 40, CURBRIDGE: 30, HAILEY: 40, SOUTH_LEIGH: 30},
        delivery_model=Model.OWN_STAFF,
        legal_basis=Arrangement.LegalBasis.S101,
        specification="Every road sign and bollard of the four parishes cleaned once a season, April to "
        "September (140 signs), by the grounds team with the pressure washer.",
        season=(4, 9),
        charging=Arrangement.Charging.PER_UNIT,
        rate="6.00",
        annual_value="840.00",
        per_line=10,
        done_by="Witney grounds team",
        sites=((SOUTH_LEIGH, "Village signs", "Signs and bollards of South Leigh and High Cogges", ""),),
    ),
    Plan(
        cluster="Chipping Norton Area",
        service="Rural verge cutting",
        served={OVER_NORTON: 4, SALFORD: 4, KINGHAM: 4, CHURCHILL: 4, ROLLRIGHT: 4},
        delivery_model=Model.CIC,
        model_fields=CIC,
        legal_basis=Arrangement.LegalBasis.S101,
        specification="Four cuts a season of the visibility splays and rural verges, March to October, by "
        "the company's crews of trained local apprentices.",
        season=(3, 10),
        charging=Arrangement.Charging.FIXED,
        annual_value="16000.00",
        per_line=1,
        hours_a_line="6",
        done_by="Chipping Norton Community Services CIC (apprentice crew)",
        sites=(
            (KINGHAM, "Station Road splays", "Visibility splays at the junctions", "SP 258 234"),
            (CHURCHILL, "Sarsden road verges", "Rural verges to the parish boundary", ""),
        ),
    ),
    Plan(
        cluster="Chipping Norton Area",
        service="Dog and litter bin emptying",
        served={OVER_NORTON: 52, KINGHAM: 52, CHURCHILL: 52},
        delivery_model=Model.CIC,
        model_fields=CIC,
        legal_basis=Arrangement.LegalBasis.GENERAL_POWER,
        specification="Every dog and litter bin of the three villages emptied weekly, all year, by the "
        "company's van.",
        season=(1, 12),
        charging=Arrangement.Charging.FIXED,
        annual_value="12000.00",
        per_line=1,
        done_by="Chipping Norton Community Services CIC",
    ),
    Plan(
        cluster="Brampton & Area",
        service="Litter picking",
        served={HAYTON: 24, FARLAM: 24, CASTLE_CARROCK: 24},
        delivery_model=Model.VOLUNTEERS,
        coordinator="councillor@brampton.example",
        legal_basis=Arrangement.LegalBasis.GENERAL_POWER,
        specification="A litter pick a month, March to October, of the verges, lay-bys and greens of each "
        "village by Brampton's volunteers (about three bags each time).",
        season=(3, 10),
        charging=Arrangement.Charging.COUNTY_GRANT,
        annual_value="600.00",
        per_line=3,
        sites=(
            (HAYTON, "How Mill lay-by", "Lay-by and verges on the A69 side road", "NY 505 565"),
            (FARLAM, "Hallbankgate green", "Green and bus shelter", ""),
            (CASTLE_CARROCK, "Castle Carrock village green", "Green and reservoir road verges", ""),
        ),
    ),
    Plan(
        cluster="Upper Eden",
        service="Rural verge cutting",
        served={BROUGH: 2, HARTLEY: 2, KABER: 2, WINTON: 2},
        delivery_model=Model.CONTRACTOR,
        model_fields=(("contractor_name", "Eden Valley Grounds Ltd"),),
        legal_basis=Arrangement.LegalBasis.S101,
        specification="Two cuts a season of the rural verges and visibility splays, May to September, by "
        "the contractor, the cost shared by population.",
        season=(5, 9),
        charging=Arrangement.Charging.FIXED,
        annual_value="14600.00",
        per_line=1,
        proposed_days_ago=18,
    ),
)
# The arrangement behind this season: the first of these that delivering little would put behind
# today (early in a season nothing is behind yet), at the same share of its season's pace.
BEHIND = (
    (
        "Witney & District Services",
        "Sign cleaning",
        "The pressure washer broke: the rest of the round waits for its repair",
    ),
    (
        "Chipping Norton Area",
        "Dog and litter bin emptying",
        "The van is off the road: rounds resume next week",
    ),
)
BEHIND_SHARE = Decimal("0.4")

# Brampton's litter-pick volunteers: (name, skills, joined months ago, training as (course,
# completed months ago, expires in days from today, or None for the course's usual validity)).
VOLUNTEERS = (
    ("Margaret Dodd", "Litter picking, first aid", 28, (("Emergency first aid", 35, 25),)),
    ("Joe Bell", "Litter picking, strimmer", 26, (("Manual handling", 40, -20),)),
    ("Priya Nair", "Litter picking", 20, (("Manual handling", 18, None), ("Emergency first aid", 18, None))),
    ("Alan Routledge", "Litter picking, driving", 14, (("Manual handling", 12, None),)),
)
# A volunteer who picked in the first months of the season, then left the register.
LEAVER = ("Stan Irving", "Litter picking", 30, ())

REQUESTS = (
    # (service, submitted days ago, decided days ago and reasons, or None while waiting)
    (
        "Bus shelter cleaning",
        150,
        (
            118,
            "Woodstock has its own handyman, van and insurance, and the cost is within its precept. "
            "Approved for three years from the start date; the county will review it with the council then.",
        ),
    ),
    ("Urban grass cutting", 9, None),
)
REQUEST_CASE = {
    "Bus shelter cleaning": (
        "The town's handyman, 20 hours a week, already cleans the town hall and the market square.",
        "A van, a pressure washer and ladders owned by the town council.",
        "Public liability of £10 million with Zurich Municipal, covering the handyman's work on highways.",
        "2400.00",
    ),
    "Urban grass cutting": (
        "Two seasonal grounds staff from March to October, supervised by the handyman.",
        "A ride-on mower and two strimmers; a trailer to be bought.",
        "Public liability of £10 million; employer's liability for the seasonal staff.",
        "11500.00",
    ),
}


def seed_services() -> list[DemoSignIn]:
    """The demo step: see the module's docstring. Returns the sign-in of the person it makes."""
    for area in Area.objects.filter(slug__in=["cumbria", "oxfordshire"]):
        add_usual_services(area=area)
    today = timezone.localdate()
    done = set(Arrangement.objects.values_list("cluster__name", flat=True))
    behind, why = _behind_plan(today)
    for plan in PLANS:
        if plan.cluster not in done:
            _seed_arrangement(plan, today, why_behind=why if plan is behind else "")
    return _seed_requests(today)


def _person_by_email(email):
    return get_user_model().objects.get(email=email)


@contextmanager
def _dated(moment: datetime.datetime, after: dict | None = None):
    """The audit records (the cluster's and the council's) written inside the block are dated
    `moment`; `after` corrects values in them that the service took from today."""
    last = {
        model: model.objects.aggregate(last=Max("pk"))["last"] or 0 for model in (ClusterEvent, AuditEvent)
    }
    yield
    for model, pk in last.items():
        events = model.objects.filter(pk__gt=pk)
        events.update(created_at=moment)
        for event in events if after else ():
            if event.after and after.keys() & event.after.keys():
                event.after = {**event.after, **{k: v for k, v in after.items() if k in event.after}}
                event.save(update_fields=["after"])


def _season(plan: Plan, today: datetime.date) -> Season:
    return season_of(today, *plan.season)


def _behind_plan(today: datetime.date) -> tuple[Plan, str]:
    for cluster, service, why in BEHIND:
        plan = next(p for p in PLANS if (p.cluster, p.service) == (cluster, service))
        season = _season(plan, today)
        if all(
            progress(
                Decimal(agreed), _paced(agreed, plan.per_line, season, today, BEHIND_SHARE)[1], season, today
            ).behind
            for agreed in plan.served.values()
        ):
            return plan, why
    raise AssertionError("one of BEHIND can always be behind: their seasons do not start together")


def _paced(agreed: int, per_line: int, season: Season, today: datetime.date, share=Decimal(1)):
    """The days of the lines that deliver `agreed` at an even pace through the season, up to today
    (each line in the middle of its share of the season, so never more than half a line behind
    the pace), or up to `share` of the way to today; and what they add up to."""
    lines = agreed // per_line
    until = season.starts_on + (min(today, season.ends_on) - season.starts_on) * float(share)
    days = []
    for k in range(lines):
        day = season.starts_on + datetime.timedelta(days=int((k + 0.5) * season.days / lines))
        if day > until:
            break
        days.append(day)
    return days, Decimal(len(days) * per_line)


def _first_season_start(day: datetime.date, month: int) -> datetime.date:
    start = datetime.date(day.year, month, 1)
    return start if start >= day else datetime.date(day.year + 1, month, 1)


def _seed_arrangement(plan: Plan, today: datetime.date, *, why_behind: str) -> None:
    cluster = Cluster.objects.select_related("area", "lead_council").get(name=plan.cluster)
    lead = cluster.lead_council
    lead_clerk = _clerk_of(lead)
    codes = list(plan.served)
    councils = {c.gss_code: c for c in Council.objects.filter(gss_code__in=codes)}
    shared_clerk = _clerk_of(councils[codes[0]])
    service = Service.objects.get(area=cluster.area, name=plan.service)
    number = cluster.arrangements.count() + 1

    if plan.proposed_days_ago is not None:
        proposed_on = today - datetime.timedelta(days=plan.proposed_days_ago)
        starts_on = _first_season_start(today, plan.season[0])
    else:
        # It started with the first season after the cluster had been active a couple of months
        # (the later arrangements of a cluster a year after the first), before this season began.
        starts_on = _first_season_start(
            cluster.active_since + datetime.timedelta(days=60 + 365 * (number - 1)), plan.season[0]
        )
        assert starts_on <= _season(plan, today).starts_on, f"{plan.service} starts after its season"
        proposed_on = starts_on - datetime.timedelta(days=70)
    # Reviewed each year on the anniversary of its start; the next review is to come.
    review_on = add_months(starts_on, 12)
    while review_on <= today:
        review_on = add_months(review_on, 12)

    site_rows = []
    for code, name, what, grid in plan.sites:
        council = councils[code]
        with _dated(past_moment(proposed_on - 14 * DAY)):
            site = sites.add_site(
                acting_user=_clerk_of(council),
                council=council,
                name=name,
                what_is_there=what,
                grid_reference=grid,
            )
        site_rows.append(site)

    fields = dict(plan.model_fields)
    if plan.coordinator:
        coordinator = _person_by_email(plan.coordinator)
        fields.update(coordinator=coordinator, coordinator_name=coordinator.name)
    proposed_at = past_moment(proposed_on)
    with _dated(proposed_at):
        arrangement = arrangements.propose_arrangement(
            acting_user=lead_clerk,
            cluster=cluster,
            service=service,
            lead_council=lead,
            served=[arrangements.Served(councils[code], Decimal(q)) for code, q in plan.served.items()],
            delivery_model=plan.delivery_model,
            legal_basis=plan.legal_basis,
            specification=plan.specification,
            season_starts=plan.season[0],
            season_ends=plan.season[1],
            starts_on=starts_on,
            review_on=review_on,
            charging=plan.charging,
            annual_value=Decimal(plan.annual_value),
            rate=Decimal(plan.rate) if plan.rate else None,
            sites=site_rows,
            **fields,
        )
    Arrangement.objects.filter(pk=arrangement.pk).update(proposed_at=proposed_at)
    arrangement.refresh_from_db()

    # Each council resolves at its next meeting, a week apart, and its clerk records it next morning;
    # a proposal still waits for its last council.
    agreeing = codes[:-1] if plan.proposed_days_ago is not None else codes
    for i, code in enumerate(agreeing):
        resolved_on = min(proposed_on + datetime.timedelta(days=7 + 7 * i), today)
        recorded_at = past_moment(resolved_on + DAY, 9, 30)
        with _dated(recorded_at):
            arrangements.record_agreements(
                acting_user=shared_clerk,
                arrangement=arrangement,
                agreements=[
                    arrangements.CouncilAgreement(councils[code], minute_ref_of(resolved_on), resolved_on)
                ],
            )
        ServedCouncil.objects.filter(arrangement=arrangement, council=councils[code]).update(
            recorded_at=recorded_at
        )
    if plan.proposed_days_ago is not None:
        return
    # Every council having agreed before the start date, the daily job started it that morning.
    ClusterEvent.objects.filter(
        cluster=cluster, action="arrangement.active", after__arrangement_status="active"
    ).filter(created_at__gte=past_moment(proposed_on)).update(created_at=past_moment(starts_on, 6))
    arrangement.refresh_from_db()

    team, leaver_until = [], None
    if plan.delivery_model == Model.VOLUNTEERS:
        team, leaver_until = _volunteer_team(arrangement, lead_clerk, today)
    recorder = _person_by_email(plan.coordinator) if plan.coordinator else lead_clerk
    _seed_log(plan, arrangement, councils, site_rows, (team, leaver_until), recorder, today, why_behind)
    if team:
        with _dated(past_moment(leaver_until, 12)):
            volunteers.leave_register(acting_user=lead_clerk, volunteer=team[0], left_on=leaver_until)


def _clerk_of(council: Council):
    role = (
        CouncilRole.objects.filter(council=council, kind=CouncilRole.Kind.CLERK, ended_on__isnull=True)
        .select_related("user")
        .earliest("pk")
    )
    return role.user


def _seed_log(plan, arrangement, councils, site_rows, team, recorder, today, why_behind: str) -> None:
    """The season's lines, council by council, each recorded the evening it was done; the last
    lines of the arrangement behind say why."""
    season = _season(plan, today)
    lines = []
    for code, agreed in plan.served.items():
        council = councils[code]
        council_sites = [site for site in site_rows if site.council_id == council.pk]
        days, _ = _paced(agreed, plan.per_line, season, today, BEHIND_SHARE if why_behind else Decimal(1))
        for k, day in enumerate(days):
            site = council_sites[k % len(council_sites)] if council_sites else None
            lines.append((day, council.name, council, site, k))
    last_day = max((line[0] for line in lines), default=None)
    for day, _, council, site, k in sorted(lines, key=lambda line: line[:2]):
        volunteer = _on_duty(*team, day, k)
        recorded_at = past_moment(day, 17, 30)
        with _dated(recorded_at):
            delivery = deliveries.record_delivery(
                acting_user=recorder,
                arrangement=arrangement,
                council=council,
                done_on=day,
                quantity=Decimal(plan.per_line),
                hours=Decimal(plan.hours_a_line) if plan.hours_a_line else None,
                site=site,
                done_by="" if volunteer else plan.done_by,
                volunteer=volunteer,
                notes=why_behind if day == last_day else "",
            )
        Delivery.objects.filter(pk=delivery.pk).update(recorded_at=recorded_at)


def _on_duty(team: list[Volunteer], leaver_until: datetime.date | None, day: datetime.date, k: int):
    """The volunteer who led a pick: in turn among those on the register that day (the leaver until
    they left)."""
    present = [v for i, v in enumerate(team) if v.joined_on <= day and (i or day < leaver_until)]
    return present[k % len(present)] if present else None


def _volunteer_team(arrangement: Arrangement, clerk, today: datetime.date):
    """Brampton's volunteers with their training, assigned to the litter pick when it started (or
    when they joined), the first of them the leaver; and the day the leaver leaves, two months into
    the season (or today, early in one)."""
    council = arrangement.lead_council
    courses = {course.name: course for course in TrainingCourse.objects.all()}
    season = season_of(today, arrangement.season_starts, arrangement.season_ends)
    team = []
    for i, (name, skills, joined_months, training) in enumerate([LEAVER, *VOLUNTEERS]):
        joined_on = add_months(today, -joined_months)
        with _dated(past_moment(joined_on)):
            volunteer = volunteers.add_volunteer(
                acting_user=clerk,
                council=council,
                name=name,
                email=f"{name.split()[0].lower()}@volunteers.example",
                phone=f"016977 {41200 + 137 * i}",
                skills=skills,
                joined_on=joined_on,
            )
        for course, completed_months, expires_in in training:
            completed_on = add_months(today, -completed_months)
            expires_on = today + datetime.timedelta(days=expires_in) if expires_in is not None else None
            # A certificate from before they joined is recorded when they join.
            recorded_at = past_moment(max(completed_on + DAY, joined_on), 11)
            with _dated(recorded_at):
                record = volunteers.record_training(
                    acting_user=clerk,
                    volunteer=volunteer,
                    course=courses[course],
                    completed_on=completed_on,
                    expires_on=expires_on,
                    provider="Cumbria Association of Local Councils",
                )
            TrainingRecord.objects.filter(pk=record.pk).update(recorded_at=recorded_at)
        assigned_on = max(joined_on, arrangement.starts_on)
        with _dated(past_moment(assigned_on, 12), after={"assigned_on": assigned_on.isoformat()}):
            volunteers.assign(acting_user=clerk, volunteer=volunteer, arrangement=arrangement)
        Assignment.objects.filter(volunteer=volunteer, arrangement=arrangement).update(
            assigned_on=assigned_on
        )
        volunteer.refresh_from_db()
        team.append(volunteer)
    return team, min(today, season.starts_on + datetime.timedelta(days=60))


def _seed_requests(today: datetime.date) -> list[DemoSignIn]:
    """Woodstock, in no cluster, asks to deliver for itself alone: approved once, waiting now."""
    area = Area.objects.get(slug="oxfordshire")
    name = load_parish_names()[WOODSTOCK]
    council = ensure_council(area, WOODSTOCK, name, Council.Kind.TOWN_COUNCIL)
    email = f"clerk@{name.lower()}.example"
    # Listed on every run, as parishes' people are, so that the table is the same the second time.
    sign_in = [
        DemoSignIn(email, "Clerk, asks the county for services", f"{name} ({area.name}, in no cluster)")
    ]
    if IndividualRequest.objects.filter(council=council).exists():
        return sign_in
    clerk = ensure_person(email, f"Clerk of {name}", DEFAULT_PASSWORD)
    ensure_council_role(council, clerk, CouncilRole.Kind.CLERK)
    officer = _person_by_email("officer@oxfordshire.example")
    # Both proposed to start with the next financial year.
    starts_on = datetime.date(today.year + (today.month >= 4), 4, 1)
    for service_name, submitted_days_ago, decision in REQUESTS:
        capacity, equipment, insurance, cost = REQUEST_CASE[service_name]
        submitted_at = past_moment(today - datetime.timedelta(days=submitted_days_ago), 14)
        with _dated(submitted_at):
            request = requests.submit_request(
                acting_user=clerk,
                council=council,
                service=Service.objects.get(area=area, name=service_name),
                capacity=capacity,
                equipment=equipment,
                insurance=insurance,
                annual_cost=Decimal(cost),
                starts_on=starts_on,
            )
        IndividualRequest.objects.filter(pk=request.pk).update(submitted_at=submitted_at)
        if decision:
            decided_days_ago, reasons = decision
            decided_at = past_moment(today - datetime.timedelta(days=decided_days_ago), 15)
            with _dated(decided_at):
                requests.decide_request(acting_user=officer, request=request, approve=True, reasons=reasons)
            IndividualRequest.objects.filter(pk=request.pk).update(decided_at=decided_at)
    return sign_in
