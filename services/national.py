"""The services of the national-scale data: the step of manage.py load_national registered from
ServicesConfig.ready, run after the clusters' step. It gives every area the usual catalogue, and a
share of the active clusters service arrangements with the sites they cover, the agreements of the
councils they serve, a season of delivery records, volunteers with their training for the volunteer
arrangements, and the audit trail of each; and the country some individual-model requests with their
outcomes.

As in clusters/national.py, everything is planned from random generators seeded by fixed strings and
written in bulk, some clusters at a time, in a constant number of statements per batch; nothing goes
through the services one object at a time. What the services check holds by construction
(tests/services/test_national.py checks it): only member councils are served, never the lead; every
council of a running arrangement agreed after it was proposed and before it started; lines are dated
within the arrangement's current season, after its start and never after today, for the councils it
serves, at their sites; volunteers doing the work hold current training for the service.
"""

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from clusters.leadership import add_months
from clusters.models import Cluster, ClusterEvent, Membership
from clusters.national import FIRST_NAMES, LAST_NAMES, insert_rows, past_moment, random_minute_ref
from config.dates import long_date
from parishes.models import Area, AreaRole, AuditEvent, Council, CouncilRole
from parishes.national import BATCH, NationalLoad

from .arrangements import season_label, served_audit, terms_audit
from .catalogue import USUAL_SERVICES
from .deliveries import line_audit, number_label, unit_label
from .models import (
    Arrangement,
    Assignment,
    Delivery,
    IndividualRequest,
    ServedCouncil,
    Service,
    Site,
    TrainingCourse,
    TrainingRecord,
    Volunteer,
)
from .seasons import Season, season_of

SEED = "clusterwork-national-services"
WITH_ARRANGEMENTS = 0.4  # of active clusters
ARRANGEMENTS = ((1, 2, 3), (5, 3, 2))  # how many a cluster has, and their weights
LEAD_IS_CLUSTER_LEAD = 0.8
SERVED = range(2, 9)  # other members served, as many as there are
# The rest are proposed.
STATUSES = (
    (Arrangement.Status.ACTIVE, 0.8),
    (Arrangement.Status.ENDED, 0.08),
    (Arrangement.Status.AGREED, 0.04),
)
Model = Arrangement.DeliveryModel
MODELS = ((Model.OWN_STAFF, Model.CIC, Model.CONTRACTOR, Model.VOLUNTEERS), (60, 15, 15, 10))
BASES = (tuple(Arrangement.LegalBasis.values), (50, 10, 25, 10, 5))
Charging = Arrangement.Charging
CHARGING = ((Charging.FIXED, Charging.PER_UNIT, Charging.PER_HOUR, Charging.COUNTY_GRANT), (45, 20, 20, 15))
# One running arrangement in this many falls behind (every tenth planned, so that a small load has some).
BEHIND_EVERY = 10
SITES_A_COUNCIL = (1, 3)
VOLUNTEERS_AN_ARRANGEMENT = (3, 8)
EXPIRED_TRAINING_SHARE = 0.08
# Of the councils a volunteer arrangement serves, those with a group of two volunteers of their own.
VILLAGE_GROUP_SHARE = 0.5
# Of all councils, those keeping volunteers for other work (snow wardens, speed watch), in no arrangement.
OWN_REGISTER_SHARE = 0.03
OWN_REGISTER_SKILLS = ("Snow warden", "Community speed watch", "Footpath warden", "Village hall rota")
REQUESTS = 200
REQUEST_OUTCOMES = (("waiting", "approved", "declined", "withdrawn"), (30, 45, 20, 5))
# Clusters planned and written between two rounds of bulk inserts.
CHUNK = 200
DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Pattern:
    """How a service runs: its season (months), the quantity agreed a council a season (in lines of
    `per_line`), and what its sites are called."""

    season: tuple[int, int]
    lines: tuple[int, int]
    per_line: int
    sites: tuple[str, ...]


PATTERNS = {
    "Urban grass cutting": Pattern((3, 10), (6, 14), 1, ("Village green", "Churchyard", "Recreation ground")),
    "Rural verge cutting": Pattern((4, 9), (2, 4), 1, ("Visibility splays", "Verges to the boundary")),
    "Hedge and vegetation cutting": Pattern((9, 2), (3, 10), 1, ("Lane hedges", "Footway hedges")),
    "Sign cleaning": Pattern((4, 9), (2, 6), 10, ("Village signs", "Junction signs")),
    "Small street furniture cleaning": Pattern((4, 9), (2, 8), 5, ("Benches", "Notice boards")),
    "Litter picking": Pattern((1, 12), (4, 16), 3, ("Lay-bys", "Village green", "Verges")),
    "Dog and litter bin emptying": Pattern((1, 12), (26, 52), 1, ("Bin round",)),
    "Footway weed control": Pattern((4, 9), (2, 8), 1, ("Main street footways", "Estate footways")),
    "Bus shelter cleaning": Pattern((1, 12), (4, 12), 1, ("Bus shelters",)),
    "Play area inspection": Pattern((1, 12), (12, 52), 1, ("Play area",)),
    "Public footpath clearance": Pattern((5, 9), (3, 12), 1, ("Footpaths", "Bridleways")),
    "Winter gritting of footways": Pattern((11, 3), (5, 20), 4, ("School footways", "Hill footways")),
    "Community transport": Pattern((1, 12), (10, 40), 5, ("Surgery run", "Market run")),
}

HELP = f"""\
Services (added by services.national):
- every area's catalogue: the {len(USUAL_SERVICES)} usual devolved services with their units and training;
- about 525 arrangements in {WITH_ARRANGEMENTS:.0%} of active clusters (1-3 a cluster), each led by a member
  council (the cluster's lead {LEAD_IS_CLUSTER_LEAD:.0%} of the time) serving 2-8 other members (as
  many as there are) with a quantity a season: 80% drawn active, 8% ended, 4% agreed and
  waiting for their start, 8% proposed with some agreements owed; a young cluster runs only the
  services whose season began after it could agree them, and agrees the others for next season
  (so about 74% active, 7% ended, 14% agreed, 5% proposed); delivered by the lead's own staff (60%),
  a Community Interest Company (15%), a contractor (15%) or volunteers (10%), under section 101,
  the general power of competence and the others; charged by a fixed sum, a rate per unit or hour,
  or a county grant; seasons by service (grass March to October, hedges September to February,
  gritting November to March, bins all year);
- sites: {SITES_A_COUNCIL[0]}-{SITES_A_COUNCIL[1]} a council served by an arrangement (about 3,400);
- a season of delivery records for each running arrangement (about 12,500 lines): the current
  season (or the last, between seasons) at an even pace to today, a few days either way; one
  running arrangement in {BEHIND_EVERY} at 20-50% of the pace, flagged behind;
- volunteers (about 400): {VOLUNTEERS_AN_ARRANGEMENT[0]}-{VOLUNTEERS_AN_ARRANGEMENT[1]} of the lead council
  for each volunteer arrangement and two of each of {VILLAGE_GROUP_SHARE:.0%} of the councils it serves,
  assigned to it, with the training its service requires ({EXPIRED_TRAINING_SHARE:.0%} of certificates
  expired lately; those volunteers did nothing after) and some first aid;
- registers of 2-6 volunteers for other work (snow wardens, speed watch) in {OWN_REGISTER_SHARE:.0%} of
  councils (about 1,400 volunteers), in no arrangement;
- {REQUESTS} individual-model requests across the country: 30% waiting, 45% approved, 20%
  declined, 5% withdrawn, with the officers' reasons;
- an audit record for each proposal, agreement, start, end, delivery line and request."""


def _between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _next_start(day: datetime.date, month: int) -> datetime.date:
    """The first day of `month` on or after `day`."""
    start = datetime.date(day.year, month, 1)
    return start if start >= day else datetime.date(day.year + 1, month, 1)


def load_services(load: NationalLoad) -> None:
    """The national_steps step: see HELP for what it makes."""
    today = timezone.localdate()
    catalogue = _catalogues(load)
    clerks = dict(
        CouncilRole.objects.filter(kind=CouncilRole.Kind.CLERK, ended_on__isnull=True)
        .order_by("-pk")
        .values_list("council_id", "user_id")
    )
    members = Membership.objects.filter(status=Membership.Status.MEMBER).select_related("council")
    # A forced run over data already loaded (load_national --force) leaves a cluster that has
    # arrangements as it is, and plans the others around the sites their councils already have.
    clusters = list(
        Cluster.objects.filter(status=Cluster.Status.ACTIVE, active_since__isnull=False)
        .exclude(arrangements__isnull=False)
        .select_related("lead_council")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=members.only("cluster", "council__name", "council__area_id"),
                to_attr="members",
            )
        )
        .order_by("pk")
    )
    courses = {course.name: course for course in TrainingCourse.objects.all()}
    required = defaultdict(list)
    through = Service.required_training.through.objects.values_list("service_id", "trainingcourse_id")
    for service_id, course_id in through:
        required[service_id].append(course_id)
    kept = set(Volunteer.objects.values_list("council_id", flat=True).distinct())
    writer = _Writer(load, clerks, courses, required, today)
    for start in range(0, len(clusters), CHUNK):
        for cluster in clusters[start : start + CHUNK]:
            rng = random.Random(f"{SEED}:{cluster.slug}")
            if rng.random() < WITH_ARRANGEMENTS:
                writer.plan_cluster(cluster, catalogue[cluster.area_id], rng)
        writer.flush()
    _registers(load, clerks, kept, today)
    _requests(load, catalogue, clerks, today)


def _catalogues(load: NationalLoad) -> dict[int, dict[str, Service]]:
    """Every area's usual services (those it lacks by name), as add_usual_services adds them, in bulk:
    area id → name → service."""
    areas = list(Area.objects.values_list("pk", flat=True))
    have = set(Service.objects.values_list("area_id", "name"))
    new = [
        Service(area_id=area, name=name, unit=unit, description=description)
        for area in areas
        for name, unit, _, description in USUAL_SERVICES
        if (area, name) not in have
    ]
    Service.objects.bulk_create(new, batch_size=BATCH)
    courses = {course.name: course.pk for course in TrainingCourse.objects.all()}
    needs = {name: [courses[c] for c in training if c in courses] for name, _, training, _ in USUAL_SERVICES}
    Through = Service.required_training.through
    Through.objects.bulk_create(
        [Through(service_id=s.pk, trainingcourse_id=course) for s in new for course in needs[s.name]],
        batch_size=BATCH,
    )
    load.add("services in catalogues", len(new))
    catalogue: dict[int, dict[str, Service]] = defaultdict(dict)
    for service in Service.objects.filter(retired_at__isnull=True, name__in=list(PATTERNS)):
        catalogue[service.area_id][service.name] = service
    return catalogue


@dataclass
class _Arrangement:
    """One arrangement before it is written, with the rows that point to it."""

    arrangement: Arrangement
    served: list[ServedCouncil]
    sites: list[Site]
    proposed_on: datetime.date
    behind: bool = False
    lines: list[Delivery] = field(default_factory=list)
    volunteers: list[tuple[Volunteer, list[TrainingRecord]]] = field(default_factory=list)


class _Writer:
    def __init__(self, load, clerks, courses, required, today):
        self.load, self.clerks, self.required, self.today = load, clerks, required, today
        self.courses_by_pk = {course.pk: course for course in courses.values()}
        self.first_aid = courses.get("Emergency first aid")
        self.planned: list[_Arrangement] = []
        self.running = 0  # active arrangements planned so far
        self.site_names: dict[int, set[str]] = defaultdict(set)  # council id → its sites' names
        for council_id, name in Site.objects.values_list("council_id", "name"):
            self.site_names[council_id].add(name)

    # Planning

    def plan_cluster(self, cluster: Cluster, services: dict[str, Service], rng: random.Random) -> None:
        members = sorted((m.council for m in cluster.members), key=lambda c: c.pk)
        if len(members) < 2:
            return
        left = sorted(services)
        for number in range(1, rng.choices(*ARRANGEMENTS)[0] + 1):
            status = self._status(rng)
            # A running arrangement was proposed at least six weeks before this season began (one
            # that started later would be measured on a season it joined half-way): a young cluster
            # runs the services whose season began late enough, and agrees others for next season.
            running = status in (Arrangement.Status.ACTIVE, Arrangement.Status.ENDED)
            fits = [name for name in left if self._latest_proposal(name) >= cluster.active_since + 7 * DAY]
            if running and not fits:
                status = Arrangement.Status.AGREED
            name = rng.choice(fits if running and fits else left)
            left.remove(name)
            self._plan(cluster, number, services[name], status, members, rng)

    def _latest_proposal(self, service_name: str) -> datetime.date:
        """The last day an arrangement running this season could have been proposed."""
        return season_of(self.today, *PATTERNS[service_name].season).starts_on - 45 * DAY

    def _status(self, rng: random.Random) -> str:
        roll = rng.random()
        for status, share in STATUSES:
            if roll < share:
                return status
            roll -= share
        return Arrangement.Status.PROPOSED

    def _plan(self, cluster, number, service, status, members, rng) -> None:
        today = self.today
        pattern = PATTERNS[service.name]
        lead = cluster.lead_council
        if rng.random() > LEAD_IS_CLUSTER_LEAD or lead not in members:
            lead = rng.choice(members)
        others = [c for c in members if c.pk != lead.pk]
        served = rng.sample(others, min(len(others), rng.choice(SERVED)))
        current = season_of(today, *pattern.season)
        latest = self._latest_proposal(service.name)
        if status in (Arrangement.Status.ACTIVE, Arrangement.Status.ENDED):
            proposed_on = _between(rng, cluster.active_since + 7 * DAY, latest)
            starts_on = _next_start(proposed_on + 40 * DAY, pattern.season[0])
        else:
            back = 120 if status == Arrangement.Status.AGREED else 60
            proposed_on = _between(rng, max(cluster.active_since, today - back * DAY), today)
            starts_on = _next_start(max(proposed_on + 40 * DAY, today + DAY), pattern.season[0])
        review_on = add_months(starts_on, 12)
        while review_on <= today:
            review_on = add_months(review_on, 12)
        delivery_model = rng.choices(*MODELS)[0]
        charging = rng.choices(*CHARGING)[0]
        legal_basis = rng.choices(*BASES)[0]
        lines = {council.pk: rng.randint(*pattern.lines) for council in served}
        total = sum(lines.values()) * pattern.per_line
        rate = Decimal(rng.randint(8, 45)) if charging in (Charging.PER_UNIT, Charging.PER_HOUR) else None
        arrangement = Arrangement(
            cluster=cluster,
            number=number,
            service=service,
            lead_council=lead,
            status=status,
            delivery_model=delivery_model,
            legal_basis=legal_basis,
            legal_basis_other=(
                "Section 19 of the Local Government (Miscellaneous Provisions) Act 1976"
                if legal_basis == Arrangement.LegalBasis.OTHER
                else ""
            ),
            specification=f"{total} {service.get_unit_display()} a season between the councils served, "
            f"{season_label(*pattern.season).lower()}, on their sites.",
            season_starts=pattern.season[0],
            season_ends=pattern.season[1],
            starts_on=starts_on,
            review_on=review_on,
            annual_value=Decimal(rng.randint(4, 160) * 250),
            charging=charging,
            rate=rate,
            proposed_by_id=self.clerks.get(lead.pk),
            proposed_at=past_moment(proposed_on),
        )
        if delivery_model == Model.CIC:
            arrangement.cic_name = f"{lead.name} Community Services CIC"[:160]
            arrangement.cic_number = f"{rng.randint(8_000_000, 15_999_999):08d}"
        elif delivery_model == Model.CONTRACTOR:
            arrangement.contractor_name = f"{rng.choice(LAST_NAMES)} Grounds Ltd"
        elif delivery_model == Model.VOLUNTEERS:
            arrangement.coordinator_name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if status == Arrangement.Status.ENDED:
            # Ended before this season began, having run at least one.
            arrangement.ended_on = _between(
                rng, starts_on + 180 * DAY, max(starts_on + 180 * DAY, current.starts_on - DAY)
            )
            arrangement.ended_on = min(arrangement.ended_on, today)
            arrangement.end_reason = "The councils served took the work back in-house"

        plan = _Arrangement(arrangement, [], [], proposed_on, behind=False)
        # Each council resolves at its next meeting; a proposal still waits for some.
        last_day = min(today, starts_on - DAY)
        for i, council in enumerate(sorted(served, key=lambda c: c.name)):
            row = ServedCouncil(
                arrangement=arrangement,
                council=council,
                agreed_quantity=Decimal(lines[council.pk] * pattern.per_line),
            )
            agrees = status != Arrangement.Status.PROPOSED or (i < len(served) - 1 and rng.random() < 0.6)
            if agrees:
                row.resolved_on = _between(rng, min(proposed_on + 7 * DAY, last_day), last_day)
                row.minute_ref = random_minute_ref(rng, row.resolved_on)
                row.recorded_by_id = self.clerks.get(council.pk)
                row.recorded_at = past_moment(row.resolved_on + DAY, 9, 30)
            plan.served.append(row)
            for name in rng.sample(pattern.sites, min(len(pattern.sites), rng.randint(*SITES_A_COUNCIL))):
                plan.sites.append(self._site(council, name))
        if status == Arrangement.Status.ACTIVE and delivery_model == Model.VOLUNTEERS:
            self._volunteers(plan, lead, rng)
        if status == Arrangement.Status.ACTIVE:
            self.running += 1
            plan.behind = self.running % BEHIND_EVERY == BEHIND_EVERY // 2
            self._lines(plan, pattern, current, lines, rng)
        self.planned.append(plan)

    def _site(self, council: Council, name: str) -> Site:
        wanted, n = name, 1
        while name in self.site_names[council.pk]:
            n += 1
            name = f"{wanted} {n}"
        self.site_names[council.pk].add(name)
        return Site(council=council, name=name, what_is_there=name, where=f"In {council.name}")

    def _volunteers(self, plan: _Arrangement, lead: Council, rng: random.Random) -> None:
        """The volunteers of the lead council and of about half the councils served (a group in
        each village), with a current certificate of each course the service requires (a few
        lately expired) and some first aid."""
        today, arrangement = self.today, plan.arrangement
        villages = [row.council for row in plan.served if rng.random() < VILLAGE_GROUP_SHARE]
        for council in [lead] * rng.randint(*VOLUNTEERS_AN_ARRANGEMENT) + villages * 2:
            joined_on = _between(rng, arrangement.starts_on - 365 * DAY, arrangement.starts_on)
            volunteer = Volunteer(
                council=council,
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                email="",
                phone=f"01{rng.randint(100, 999)} {rng.randint(100000, 999999)}",
                skills=arrangement.service.name,
                joined_on=joined_on,
            )
            records = []
            courses = [self.courses_by_pk[pk] for pk in self.required[arrangement.service_id]]
            if self.first_aid and rng.random() < 0.4:
                courses.append(self.first_aid)
            for course in courses:
                completed_on = _between(rng, joined_on - 365 * DAY, joined_on)
                expires_on = add_months(completed_on, course.valid_for_months or 36)
                if rng.random() < EXPIRED_TRAINING_SHARE:
                    expires_on = today - datetime.timedelta(days=rng.randint(1, 60))
                elif expires_on <= today:
                    # Renewed: the latest certificate, taken before the last ran out.
                    completed_on = _between(rng, today - 700 * DAY, today - 30 * DAY)
                    expires_on = add_months(completed_on, course.valid_for_months or 36)
                records.append(
                    TrainingRecord(
                        volunteer=volunteer,
                        course=course,
                        completed_on=completed_on,
                        expires_on=expires_on,
                        provider="The county association of local councils",
                        recorded_by_id=self.clerks.get(lead.pk),
                        recorded_at=past_moment(max(completed_on, joined_on), 11),
                    )
                )
            plan.volunteers.append((volunteer, records))

    def _may_work(self, records: list[TrainingRecord], day: datetime.date, course_ids: list[int]) -> bool:
        held = {
            r.course.pk
            for r in records
            if r.completed_on <= day and (r.expires_on is None or r.expires_on >= day)
        }
        return set(course_ids) <= held

    def _lines(self, plan: _Arrangement, pattern: Pattern, season: Season, lines: dict, rng) -> None:
        """The season's lines of each council at an even pace to today, a few days either way; at
        20-50% of it for an arrangement behind."""
        today, arrangement = self.today, plan.arrangement
        until = min(today, season.ends_on)
        elapsed = (until - season.starts_on).days + 1
        share = rng.uniform(0.2, 0.5) if plan.behind else 1.0
        sites = defaultdict(list)
        for site in plan.sites:
            sites[site.council.pk].append(site)
        required = self.required[arrangement.service_id]
        lead_clerk = self.clerks.get(arrangement.lead_council_id)
        done_by = {
            Model.OWN_STAFF: f"{arrangement.lead_council.name} grounds team",
            Model.CIC: arrangement.cic_name,
            Model.CONTRACTOR: arrangement.contractor_name,
        }.get(arrangement.delivery_model, "")
        for row in plan.served:
            council = row.council
            n = lines[council.pk]
            for k in range(n):
                nominal = (k + 0.5) * season.days / n
                if nominal > elapsed * share:
                    break
                day = season.starts_on + datetime.timedelta(days=int(nominal) + rng.randint(-4, 4))
                day = max(season.starts_on, arrangement.starts_on, min(day, until))
                volunteer = None
                if plan.volunteers:
                    able = [
                        v
                        for v, records in plan.volunteers
                        if self._may_work(records, day, required) and v.joined_on <= day
                    ]
                    if not able:
                        continue
                    volunteer = rng.choice(able)
                plan.lines.append(
                    Delivery(
                        arrangement=arrangement,
                        council=council,
                        done_on=day,
                        site=rng.choice(sites[council.pk]) if sites[council.pk] else None,
                        quantity=Decimal(pattern.per_line),
                        hours=None if volunteer else Decimal(rng.randint(5, 60)) / 10,
                        done_by="" if volunteer else done_by,
                        volunteer=volunteer,
                        recorded_by_id=lead_clerk,
                        recorded_at=past_moment(day, 17, 30),
                    )
                )

    # Writing

    def flush(self) -> None:
        planned, self.planned = self.planned, []
        if not planned:
            return
        Site.objects.bulk_create([s for p in planned for s in p.sites], batch_size=BATCH)
        Arrangement.objects.bulk_create([p.arrangement for p in planned], batch_size=BATCH)
        Through = Arrangement.sites.through
        Through.objects.bulk_create(
            [Through(arrangement_id=p.arrangement.pk, site_id=s.pk) for p in planned for s in p.sites],
            batch_size=BATCH,
        )
        ServedCouncil.objects.bulk_create([row for p in planned for row in p.served], batch_size=BATCH)
        volunteers = [v for p in planned for v, _ in p.volunteers]
        Volunteer.objects.bulk_create(volunteers, batch_size=BATCH)
        training = [record for p in planned for _, records in p.volunteers for record in records]
        TrainingRecord.objects.bulk_create(training, batch_size=BATCH)
        assignments = [
            Assignment(
                volunteer=v,
                arrangement=p.arrangement,
                assigned_on=max(v.joined_on, p.arrangement.starts_on),
                assigned_by_id=self.clerks.get(p.arrangement.lead_council_id),
            )
            for p in planned
            for v, _ in p.volunteers
        ]
        Assignment.objects.bulk_create(assignments, batch_size=BATCH)
        # Each row's keys are taken from the rows it points to, saved since it was planned.
        lines = [line for p in planned for line in p.lines]
        Delivery.objects.bulk_create(lines, batch_size=BATCH)
        events = []
        for p in planned:
            events.extend(self._events(p))
        insert_rows(ClusterEvent, events)
        for label, count in (
            ("service arrangements", len(planned)),
            ("councils served", sum(len(p.served) for p in planned)),
            ("service sites", sum(len(p.sites) for p in planned)),
            ("volunteers", len(volunteers)),
            ("training records", len(training)),
            ("volunteer assignments", len(assignments)),
            ("delivery records", len(lines)),
            ("cluster events", len(events)),
        ):
            self.load.add(label, count)

    def _events(self, p: _Arrangement) -> list[dict]:
        """The arrangement's history as the services write it."""
        a, cluster = p.arrangement, p.arrangement.cluster
        lead_clerk = self.clerks.get(a.lead_council_id)

        def event(actor, action, summary, at, before=None, after=None):
            return {
                "cluster": cluster,
                "actor": actor,
                "action": action,
                "summary": summary[:300],
                "before": before,
                "after": after,
                "created_at": at,
            }

        events = [
            event(
                lead_clerk,
                "arrangement.proposed",
                f"Arrangement {a.number} proposed: {a.service.name} led by {a.lead_council.name}",
                past_moment(p.proposed_on),
                after={
                    "arrangement": a.number,
                    **terms_audit(a, p.sites),
                    "served": served_audit(p.served),
                },
            )
        ]
        last = p.proposed_on
        for row in p.served:
            if row.resolved_on:
                last = max(last, row.resolved_on)
                events.append(
                    event(
                        row.recorded_by_id,
                        "arrangement.agreement",
                        f"{row.council.name} agreed to arrangement {a.number} ({a.service.name})",
                        row.recorded_at,
                        after={
                            "arrangement": a.number,
                            "council": row.council.name,
                            "minute_ref": row.minute_ref,
                            "resolved_on": row.resolved_on.isoformat(),
                        },
                    )
                )
        moves = []
        if a.status != Arrangement.Status.PROPOSED:
            moves.append(
                ("agreed", "every council it serves has agreed", past_moment(last + DAY, 9, 30), None)
            )
        if a.status in (Arrangement.Status.ACTIVE, Arrangement.Status.ENDED):
            moves.append(
                (
                    "active",
                    f"its start date, {long_date(a.starts_on)}, came",
                    past_moment(a.starts_on, 6),
                    None,
                )
            )
        if a.status == Arrangement.Status.ENDED:
            moves.append(("ended", a.end_reason, past_moment(a.ended_on, 12), lead_clerk))
        before = Arrangement.Status.PROPOSED
        for status, why, at, actor in moves:
            label = Arrangement.Status(status).label.lower()
            events.append(
                event(
                    actor,
                    f"arrangement.{status}",
                    f"Arrangement {a.number} ({a.service.name}) {label}: {why}",
                    at,
                    before={"arrangement_status": before},
                    after={"arrangement_status": status},
                )
            )
            before = status
        unit = unit_label(a)
        for line in p.lines:
            events.append(
                event(
                    line.recorded_by_id,
                    "delivery.recorded",
                    f"{number_label(line.quantity)} {unit} for {line.council.name} on "
                    f"{long_date(line.done_on)} recorded ({a.service.name}, arrangement {a.number})",
                    line.recorded_at,
                    after=line_audit(line),
                )
            )
        return events


def _registers(load: NationalLoad, clerks: dict[int, int], kept: set[int], today: datetime.date) -> None:
    """Volunteers some councils keep for work of their own, each council chosen by a hash of its code;
    none for the councils in `kept`, which had volunteers before this run."""
    volunteers = []
    for pk, code in Council.objects.filter(pk__in=list(clerks)).order_by("pk").values_list("pk", "gss_code"):
        if pk in kept:
            continue
        rng = random.Random(f"{SEED}:register:{code}")
        if rng.random() >= OWN_REGISTER_SHARE:
            continue
        for _ in range(rng.randint(2, 6)):
            volunteers.append(
                Volunteer(
                    council_id=pk,
                    name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    phone=f"01{rng.randint(100, 999)} {rng.randint(100000, 999999)}",
                    skills=rng.choice(OWN_REGISTER_SKILLS),
                    joined_on=today - datetime.timedelta(days=rng.randint(30, 1500)),
                )
            )
    Volunteer.objects.bulk_create(volunteers, batch_size=BATCH)
    load.add("volunteers for other work", len(volunteers))


def _requests(load: NationalLoad, catalogue, clerks, today: datetime.date) -> None:
    """Individual-model requests from councils across the country, mostly towns and larger
    parishes, with the outcome the area's officers gave."""
    rng = random.Random(f"{SEED}:requests")
    officers = dict(
        AreaRole.objects.filter(kind=AreaRole.Kind.OFFICER, ended_on__isnull=True)
        .order_by("-pk")
        .values_list("area_id", "user_id")
    )
    councils = list(
        Council.objects.filter(area_id__in=list(catalogue), pk__in=list(clerks))
        .order_by("-population", "pk")
        .only("pk", "name", "area_id")[: REQUESTS * 5]
    )
    chosen = rng.sample(councils, min(REQUESTS, len(councils)))
    requests, events = [], []
    for council in chosen:
        service = catalogue[council.area_id][rng.choice(sorted(catalogue[council.area_id]))]
        status = rng.choices(*REQUEST_OUTCOMES)[0]
        back = 60 if status == "waiting" else 540
        submitted_on = today - datetime.timedelta(days=rng.randint(1, back))
        request = IndividualRequest(
            area_id=council.area_id,
            council=council,
            service=service,
            capacity="Our own staff of two, part-time, with the handyman in the summer.",
            equipment="A van and the tools the work needs, owned by the council.",
            insurance="Public liability of £10 million, employer's liability for our staff.",
            annual_cost=Decimal(rng.randint(10, 200) * 100),
            starts_on=_next_start(submitted_on + 30 * DAY, 4),
            status=status,
            submitted_by_id=clerks.get(council.pk),
            submitted_at=past_moment(submitted_on, 14),
        )
        if status in ("approved", "declined"):
            decided_on = min(today, submitted_on + datetime.timedelta(days=rng.randint(5, 60)))
            request.decided_by_id = officers.get(council.area_id)
            request.decided_at = max(past_moment(decided_on, 15), request.submitted_at)
            request.reasons = (
                "The case shows the staff, equipment and insurance the work needs, at a fair cost."
                if status == "approved"
                else "The council has no insurance for work on the highway yet: it may ask again once it has."
            )
        # A withdrawal is no decision: only its audit record is dated.
        settled_at = request.decided_at or max(
            past_moment(min(today, submitted_on + 20 * DAY), 15), request.submitted_at
        )
        requests.append((request, settled_at))
    IndividualRequest.objects.bulk_create([r for r, _ in requests], batch_size=BATCH)
    for r, settled_at in requests:
        events.append(
            AuditEvent(
                area_id=r.area_id,
                council=r.council,
                actor_id=r.submitted_by_id,
                action="request.submitted",
                summary=f"Asked to deliver {r.service.name.lower()} for {r.council.name} alone",
                after={
                    "service": r.service.name,
                    "capacity": r.capacity,
                    "equipment": r.equipment,
                    "insurance": r.insurance,
                    "annual_cost": str(r.annual_cost),
                    "proposed_start": r.starts_on.isoformat(),
                },
                created_at=r.submitted_at,
            )
        )
        if r.status != "waiting":
            events.append(
                AuditEvent(
                    area_id=r.area_id,
                    council=r.council,
                    actor_id=r.decided_by_id or r.submitted_by_id,
                    action=f"request.{r.status}",
                    summary=f"Request to deliver {r.service.name.lower()} alone {r.status}",
                    before={"request_status": "waiting"},
                    after={"request_status": r.status, **({"reasons": r.reasons} if r.reasons else {})},
                    created_at=settled_at,
                )
            )
    AuditEvent.objects.bulk_create(events, batch_size=BATCH)
    load.add("individual-model requests", len(requests))
    load.add("services' council audit records", len(events))
