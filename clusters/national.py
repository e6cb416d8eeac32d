"""The clusters of the national-scale data: the step of manage.py load_national registered from
ClustersConfig.ready, run once parishes.national has made every council, its clerk and the area
people. It adds clusters of neighbouring councils with their members, officers, documents,
decisions and votes, objectives and progress, and their audit trail, as they would stand after three
years of use.

Everything is planned from random generators seeded by fixed strings (the same councils give the same
data) and written with bulk inserts, a few hundred clusters at a time so that memory stays bounded.
Nothing goes through the services one object at a time: for a thousand clusters and 50,000
decisions that would take hours and send an email for each, and the services stamp "now" on what
they record while this is a past of three years. What the services check holds by construction
(tests/clusters/test_load_national.py checks it): officers hold a role in a member council for a term
within the rules, only member councils vote, outcomes are settled by clusters.decisions.settle, and
the officers' permissions come from clusters.roles, as sync_cluster_permissions would give them.
"""

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import DateTimeField, JSONField, Model
from django.utils import timezone
from django.utils.text import slugify

from parishes import services as parish_services
from parishes.models import Council, CouncilRole
from parishes.national import BATCH, EMAIL_DOMAIN, NationalLoad, make_users

from .decisions import Tally, settle
from .leadership import add_months, default_term_end, grant_position_permissions_in_bulk
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
    RotaEntry,
    Vote,
)

SEED = "clusterwork-national"
# Of the councils whose district is known, the share in a forming or active cluster; councils of no
# known district ("Unassigned") have no neighbours to cluster with, so about 60% of all councils.
COVER = 0.64
SIZES = range(3, 18)
SIZE_WEIGHTS = (6, 10, 12, 12, 11, 9, 7, 6, 5, 4, 3, 2, 2, 1, 1)
FORMING_SHARE = 0.13
# For each forming or active cluster, the chance of a dissolved one among the district's other councils.
DISSOLVED_SHARE = 0.09
ROTATING_SHARE = 0.2
# Of fixed-leadership clusters, those led by a co-ordinator (without a chair, so they decide by
# ratification only: a co-ordinator does not decide under delegated authority).
COORDINATOR_SHARE = 0.25
VICE_CHAIR_SHARE = 0.3
# An active cluster whose chair's term has ended with nobody after it (the dashboard's "no chair").
VACANT_SHARE = 0.04
CHAIR_TERM_MONTHS = 24
DECISIONS_A_MEMBER_YEAR = 6.0
RATIFICATION_SHARE = 0.35
WITHDRAWN_SHARE = 0.03
CORRECTION_SHARE = 0.03
OBJECTIVES_A_MEMBER = 2.35
OVERDUE_OBJECTIVE_SHARE = 0.12
OVERDUE_DOCUMENT_SHARE = 0.15
# Clusters written, with everything in them, between two rounds of bulk inserts.
CHUNK = 100
DAY = datetime.timedelta(days=1)

HELP = f"""\
Clusters (added by clusters.national; about 1,100 for the whole country):
- clusters of 3-17 councils of one district (sizes weighted to 4-8), covering {COVER:.0%} of the
  councils of a known district in forming or active clusters (about 60% of all councils), plus
  dissolved ones (about {DISSOLVED_SHARE:.0%} as many) among the district's other councils; formed over
  the last three years: {1 - FORMING_SHARE:.0%} active, {FORMING_SHARE:.0%} forming (the dissolved on top);
  formality, financial model and ratification threshold mixed; a lead council that started it;
- memberships with invitation and resolution dates and minute references; some open invitations,
  declines and councils that left, among councils in no cluster;
- officers: {ROTATING_SHARE:.0%} of clusters rotate the chair among their members (a rota, a
  clerk in the chair for each turn, past turns ended); of the others {COORDINATOR_SHARE:.0%} have a
  co-ordinator, the rest a chair (a councillor made for it, {CHAIR_TERM_MONTHS}-month terms) and a
  secretary, some a vice-chair ({VICE_CHAIR_SHARE:.0%}) and a treasurer; {VACANT_SHARE:.0%} of active
  clusters have no chair; half the forming clusters have chosen one; officers have the permissions
  of their positions;
- documents: the founding document of the cluster's formality, terms of reference and some codes of
  conduct, protocols and service level agreements, in 1-3 versions adopted by most members;
  {OVERDUE_DOCUMENT_SHARE:.0%} overdue for review;
- decisions: about 50,000, {DECISIONS_A_MEMBER_YEAR} a member council a year since the first meeting;
  {RATIFICATION_SHARE:.0%} put to ratification with the member councils' votes (about 130,000), the
  rest decided by the chair; recent ones open, {WITHDRAWN_SHARE:.0%} withdrawn, {CORRECTION_SHARE:.0%}
  corrections;
- objectives: about 15,000, {OBJECTIVES_A_MEMBER} a member council of a cluster past forming, with
  progress reports at each review (red, amber, green, done); {OVERDUE_OBJECTIVE_SHARE:.0%} overdue
  for review;
- an audit record for each of these events, dated when it happened."""

FIRST_NAMES = [
    "Alison",
    "Brian",
    "Carol",
    "David",
    "Elaine",
    "Frank",
    "Gwen",
    "Hugh",
    "Iris",
    "James",
    "Karen",
    "Lewis",
    "Mair",
    "Neil",
    "Olwen",
    "Peter",
    "Rhian",
    "Simon",
    "Tracey",
    "Umar",
    "Vera",
    "William",
    "Yasmin",
    "Zoe",
]
LAST_NAMES = [
    "Armstrong",
    "Bell",
    "Crossley",
    "Davies",
    "Evans",
    "Fletcher",
    "Griffiths",
    "Harrison",
    "Irving",
    "Jenkins",
    "Kaur",
    "Lloyd",
    "Morgan",
    "Nicholson",
    "Owen",
    "Pritchard",
    "Quinn",
    "Robinson",
    "Shah",
    "Thomas",
    "Walker",
    "Yates",
]
PURPOSES = (
    "Sharing a clerk and the costs of running our councils.",
    "Joint grounds maintenance and grass cutting across the parishes.",
    "Working together on the neighbourhood plan and local planning responses.",
    "Pooling resources for community transport and the village bus.",
    "Joint procurement of insurance, audit and payroll.",
    "Speaking together to the principal council about highways and flooding.",
)
TOPICS = (
    "Share the cost of the grass-cutting contract",
    "Adopt the joint procurement policy",
    "Fund the community transport pilot",
    "Respond to the local plan consultation",
    "Renew the shared payroll service",
    "Buy a speed indicator device to share",
    "Commission a joint flood resilience survey",
    "Agree the budget for the year",
    "Appoint the internal auditor",
    "Support the youth club's grant application",
    "Set up a shared defibrillator maintenance rota",
    "Join the county's winter gritting scheme",
    "Publish a joint newsletter each quarter",
    "Agree the cluster's complaints procedure",
    "Share the cost of the footpath officer",
    "Hire the village hall for the annual meeting",
)
OBJECTIVES = (
    ("Every parish has a working defibrillator", "Defibrillators checked monthly", "100% of parishes"),
    ("Cut the cost of grounds maintenance", "Annual spend on contracts", "10% lower than last year"),
    ("A neighbourhood plan for the cluster", "Stages of the plan completed", "Plan made"),
    ("More people at council meetings", "Public attendance a meeting", "Twice last year's"),
    ("Shared clerk cover for holidays", "Councils with cover arranged", "Every member council"),
    ("Safer roads near the schools", "Speed surveys carried out", "One a term"),
    ("A community bus twice a week", "Journeys run a month", "At least 8"),
    ("Fewer potholes reported twice", "Reports closed within 28 days", "90%"),
)
REASONS = (
    "The quotes came in above the budget the councils agreed.",
    "Not within the chair's delegated authority: to go to every member council.",
    "The principal council has already committed to the work.",
)
DOCUMENT_TEXT = (
    "The member councils agree to work together on the services they choose, to share costs fairly, "
    "and to take decisions as set out in the terms of reference."
)
# The founding document follows the cluster's formality.
FOUNDING = {
    Cluster.Formality.INFORMAL: GovernanceDocument.Kind.MOU,
    Cluster.Formality.MOU: GovernanceDocument.Kind.MOU,
    Cluster.Formality.CONSTITUTION: GovernanceDocument.Kind.CONSTITUTION,
    Cluster.Formality.CIC: GovernanceDocument.Kind.CIC_ARTICLES,
}
FURTHER_DOCUMENTS = (
    (GovernanceDocument.Kind.CODE_OF_CONDUCT, 0.4),
    (GovernanceDocument.Kind.PROTOCOL, 0.2),
    (GovernanceDocument.Kind.SLA, 0.15),
)


def past_moment(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment of a past day, never later than now (a stamp on today stays in the past)."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
    return min(moment, timezone.now())


def _between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def random_minute_ref(rng: random.Random, day: datetime.date) -> str:
    return f"{rng.randint(1, 180)}/{day:%y}"


@dataclass
class _Plan:
    """One cluster before it is written: who is in it and the shape of its story."""

    cluster: Cluster
    members: list[Council]  # the lead council first
    extras: list[tuple[Council, str]]  # councils invited, declining or leaving, by status
    first_meeting: datetime.date | None
    end: datetime.date  # today, or the day it was dissolved
    coordinator_led: bool = False
    vacant: bool = False
    # The member councils whose councillors chair it (one a term) and vice-chair it.
    chair_councils: list[Council] = field(default_factory=list)
    vice_council: Council | None = None


def _carve(n: int, rng: random.Random) -> list[tuple[int, int]]:
    """(start, size) of the clusters among n councils of a district in code order, covering COVER
    of them, with the councils left out spread in the gaps between them."""
    target, sizes = round(n * COVER), []
    while sum(sizes) < target:
        size = min(rng.choices(SIZES, SIZE_WEIGHTS)[0], target - sum(sizes))
        if size < SIZES.start:
            if sizes and sizes[-1] + size < SIZES.stop:
                sizes[-1] += size
            break
        sizes.append(size)
    gaps = [0] * (len(sizes) + 1)
    for _ in range(n - sum(sizes)):
        gaps[rng.randrange(len(gaps))] += 1
    carved, start = [], gaps[0]
    for size, gap in zip(sizes, gaps[1:], strict=True):
        carved.append((start, size))
        start += size + gap
    return carved


class _Names:
    """Cluster names unique in their area whatever their case, and slugs unique everywhere, as the
    services keep them."""

    def __init__(self):
        self.names = {
            (area_id, name.lower()) for area_id, name in Cluster.objects.values_list("area_id", "name")
        }
        self.slugs = set(Cluster.objects.values_list("slug", flat=True))

    def name(self, area_id: int, wanted: str) -> str:
        name, n = wanted[:110], 1
        while (area_id, name.lower()) in self.names:
            n += 1
            name = f"{wanted[:110]} {n}"
        self.names.add((area_id, name.lower()))
        return name

    def slug(self, area_slug: str, name: str) -> str:
        base = f"{area_slug}-{slugify(name)[:80] or 'cluster'}"[:130].strip("-")
        slug, n = base, 1
        while slug in self.slugs:
            n += 1
            slug = f"{base}-{n}"
        self.slugs.add(slug)
        return slug


def _cluster_name(rng: random.Random, lead: Council, district: str) -> str:
    return rng.choice(
        (
            f"{lead.name} and District",
            f"{lead.name} Area Partnership",
            f"{lead.name} Cluster",
            f"{lead.name} Group of Parishes",
            f"{district} {rng.choice(('North', 'South', 'East', 'West', 'Rural', 'Valley'))} Parishes",
        )
    )


def _plan(councils: list[Council], starters: dict[int, int], today: datetime.date) -> list[_Plan]:
    """Every cluster of the load, district by district in code order, with its own generator so
    that one cluster's story does not shift another's."""
    names = _Names()
    by_district: dict[int, list[Council]] = defaultdict(list)
    for council in councils:
        by_district[council.district_id].append(council)
    plans = []
    for group in sorted(by_district.values(), key=lambda g: g[0].district.gss_code):
        group.sort(key=lambda c: c.gss_code)
        district = group[0].district
        rng = random.Random(f"{SEED}:{district.gss_code}")
        carved = _carve(len(group), rng)
        taken = {i for start, size in carved for i in range(start, start + size)}
        pool = [c for i, c in enumerate(group) if i not in taken]
        rng.shuffle(pool)
        runs = [(group[start : start + size], rng.random() < FORMING_SHARE) for start, size in carved]
        dissolved = []
        for _ in carved:
            if rng.random() < DISSOLVED_SHARE and len(pool) >= 3:
                size = min(rng.randint(3, 6), len(pool))
                dissolved.append(pool[:size])
                pool = pool[size:]
        for members, forming in runs:
            status = Cluster.Status.FORMING if forming else Cluster.Status.ACTIVE
            extras = []
            for status_of_extra, share in (
                ("invited", 0.5 if forming else 0.15),
                ("declined", 0.1),
                ("left", 0.08),
            ):
                if pool and rng.random() < share:
                    extras.append((pool.pop(), status_of_extra))
            plans.append(_plan_cluster(rng, members, extras, status, starters, names, district.name, today))
        for members in dissolved:
            plan = _plan_cluster(
                rng, members, [], Cluster.Status.DISSOLVED, starters, names, district.name, today
            )
            plans.append(plan)
    return plans


def _plan_cluster(rng, members, extras, status, starters, names, district, today) -> _Plan:
    lead = members[0]
    area = lead.area
    name = names.name(area.pk, _cluster_name(rng, lead, district))
    formality = rng.choices(Cluster.Formality.values, (35, 40, 18, 7))[0]
    cluster = Cluster(
        area=area,
        name=name,
        slug=names.slug(area.slug, name),
        purpose=rng.choice(PURPOSES),
        priorities="\n".join(rng.sample([title for title, _, _ in OBJECTIVES], 3)),
        formality=formality,
        status=status,
        lead_council=lead,
        leadership_model=(
            Cluster.LeadershipModel.ROTATING_CHAIR
            if rng.random() < ROTATING_SHARE and status != Cluster.Status.FORMING
            else Cluster.LeadershipModel.FIXED
        ),
        financial_model=rng.choices(Cluster.FinancialModel.values, (20, 55, 25))[0],
        ratification_threshold=rng.choices(Cluster.Threshold.values, (65, 35))[0],
        rota_term_months=rng.choice((6, 12, 12, 12, 24)),
        started_by_id=starters[lead.pk],
    )
    first_meeting, end = None, today
    if status == Cluster.Status.FORMING:
        cluster.formed_on = today - datetime.timedelta(days=rng.randint(7, 150))
        if rng.random() < 0.5:
            first_meeting = _between(rng, cluster.formed_on + 7 * DAY, today)
    else:
        oldest = 1095 if status == Cluster.Status.DISSOLVED else 1000
        youngest = 700 if status == Cluster.Status.DISSOLVED else 120
        cluster.formed_on = today - datetime.timedelta(days=rng.randint(youngest, oldest))
        cluster.active_since = cluster.formed_on + datetime.timedelta(days=rng.randint(45, 90))
        first_meeting = cluster.active_since + 7 * DAY
        if status == Cluster.Status.DISSOLVED:
            cluster.dissolved_on = end = cluster.active_since + datetime.timedelta(days=rng.randint(180, 500))
    plan = _Plan(cluster=cluster, members=members, extras=extras, first_meeting=first_meeting, end=end)
    if first_meeting is not None and cluster.leadership_model == Cluster.LeadershipModel.FIXED:
        plan.coordinator_led = status != Cluster.Status.FORMING and rng.random() < COORDINATOR_SHARE
        if status == Cluster.Status.FORMING:
            # Only the lead council is sure to have joined by the first meeting.
            plan.chair_councils = [lead]
        elif not plan.coordinator_led:
            others = members[1:]
            # Enough councils for a chair a term (a council may chair again).
            terms = 1 + (end - first_meeting).days // 365
            plan.chair_councils = [rng.choice(others) for _ in range(terms)]
            if rng.random() < VICE_CHAIR_SHARE:
                plan.vice_council = rng.choice(others)
            plan.vacant = status == Cluster.Status.ACTIVE and rng.random() < VACANT_SHARE
    return plan


def _councillor_email(council: Council) -> str:
    return f"cllr.{council.gss_code.lower()}@{EMAIL_DOMAIN}"


def _make_councillors(plans: list[_Plan], load: NationalLoad, started_on: datetime.date) -> dict[int, int]:
    """A councillor of each council that gives a cluster its chair or vice-chair: council id → user id."""
    councils = {c.pk: c for plan in plans for c in [*plan.chair_councils, plan.vice_council] if c}
    people = {}
    for council in councils.values():
        rng = random.Random(f"{SEED}:{council.gss_code}")
        people[_councillor_email(council)] = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    users = make_users(people, load)
    roles = [
        CouncilRole(
            council_id=pk,
            user_id=users[_councillor_email(council)].pk,
            kind=CouncilRole.Kind.COUNCILLOR,
            started_on=started_on,
        )
        for pk, council in sorted(councils.items())
    ]
    CouncilRole.objects.bulk_create(roles, batch_size=BATCH, ignore_conflicts=True)
    load.add("councillors' roles", len(roles))
    load.add("councillors' permissions", parish_services.grant_role_permissions_in_bulk(roles))
    return {role.council_id: role.user_id for role in roles}


class _Writer:
    """The rows of some clusters, written together in the order their keys need: a correction after
    the decisions, since it points to one of them."""

    ORDER = (
        (Membership, Membership, "memberships"),
        (Position, Position, "positions"),
        (RotaEntry, RotaEntry, "rota entries"),
        (GovernanceDocument, GovernanceDocument, "documents"),
        (DocumentVersion, DocumentVersion, "document versions"),
        (Adoption, Adoption, "adoptions"),
        (Decision, Decision, "decisions"),
        ("corrections", Decision, "decisions"),
        (Vote, Vote, "votes"),
        (Objective, Objective, "objectives"),
        (ObjectiveUpdate, ObjectiveUpdate, "objective updates"),
        (ClusterEvent, ClusterEvent, "cluster events"),
    )
    # Rows nothing points to, the most numerous by far, kept as plain values (see insert_rows).
    LEAVES = (Adoption, Vote, ObjectiveUpdate, ClusterEvent)

    def __init__(self, load: NationalLoad, clerks: dict[int, int], councillors: dict[int, int]):
        self.load = load
        self.clerks = clerks
        self.councillors = councillors
        self.rows: dict = defaultdict(list)
        self.current_positions: list[Position] = []

    def add(self, row, key=None):
        self.rows[key or type(row)].append(row)
        return row

    def leaf(self, model, **values):
        self.rows[model].append(values)

    def event(self, cluster, actor_id, action, summary, at, before=None, after=None):
        self.leaf(
            ClusterEvent,
            cluster=cluster,
            actor=actor_id,
            action=action,
            summary=summary[:300],
            before=before,
            after=after,
            created_at=at,
        )

    def flush(self):
        for key, model, label in self.ORDER:
            rows = self.rows.pop(key, [])
            if key in self.LEAVES:
                insert_rows(model, rows)
            else:
                model.objects.bulk_create(rows, batch_size=BATCH)
            self.load.add(label, len(rows))


def insert_rows(model, rows: list[dict]) -> None:
    """Write rows of field values (a saved instance standing for its key) in one stream.

    For the audit records, votes, adoptions and progress reports: hundreds of thousands of rows, for
    which bulk_create would spend most of the load building a model instance per row and compiling
    it field by field. The values are still prepared by each field, as bulk_create would."""
    if not rows:
        return
    db = connections[DEFAULT_DB_ALIAS]
    fields = [model._meta.get_field(name) for name in rows[0]]
    # Keys, numbers, text and dates go to either database as they are; only JSON and moments need
    # the field's preparing (a Jsonb wrapper, a UTC string for SQLite). Preparing every value
    # would double the time of the whole load.
    prepare = [
        (lambda value, field=f: field.get_db_prep_save(value, db))
        if isinstance(f, JSONField | DateTimeField)
        else (lambda value: value.pk if isinstance(value, Model) else value)
        for f in fields
    ]
    table = db.ops.quote_name(model._meta.db_table)
    columns = ", ".join(db.ops.quote_name(f.column) for f in fields)
    values = ([prep(value) for prep, value in zip(prepare, row.values(), strict=True)] for row in rows)
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            # COPY: the server takes the rows as one stream, without a statement for each.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        # The names come from the model's meta and every value is a parameter.
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
        cursor.executemany(sql, list(values))


def load_clusters(load: NationalLoad) -> None:
    """The national_steps step: see HELP for what it makes."""
    today = timezone.localdate()
    clerks = dict(
        CouncilRole.objects.filter(kind=CouncilRole.Kind.CLERK, ended_on__isnull=True)
        .order_by("-pk")
        .values_list("council_id", "user_id")
    )
    councils = list(
        Council.objects.filter(
            district__isnull=False, cluster_memberships__isnull=True, gss_code__isnull=False
        )
        .select_related("area", "district")
        .only("pk", "name", "gss_code", "area__slug", "district__gss_code", "district__name")
    )
    councils = [c for c in councils if c.pk in clerks]
    plans = _plan(councils, clerks, today)
    Cluster.objects.bulk_create([plan.cluster for plan in plans], batch_size=BATCH)
    load.add("clusters", len(plans))
    councillors = _make_councillors(plans, load, today - datetime.timedelta(days=365 * 3))
    writer = _Writer(load, clerks, councillors)
    for start in range(0, len(plans), CHUNK):
        for plan in plans[start : start + CHUNK]:
            _Story(plan, writer, today).write()
        writer.flush()
    load.add("cluster permissions", grant_position_permissions_in_bulk(writer.current_positions))


class _Story:
    """One cluster's three years, as rows."""

    def __init__(self, plan: _Plan, writer: _Writer, today: datetime.date):
        self.plan = plan
        self.cluster = plan.cluster
        self.w = writer
        self.today = today
        self.rng = random.Random(f"{SEED}:{self.cluster.slug}")
        self.lead = plan.members[0]
        self.starter = writer.clerks[self.lead.pk]
        self.joined: dict[int, datetime.date] = {}  # member council id → day it joined
        self.leaders: list[Position] = []  # the chair's terms, for who decided when

    def clerk(self, council: Council) -> int:
        return self.w.clerks[council.pk]

    def write(self):
        self._memberships()
        if self.plan.first_meeting is not None:
            self._officers()
            self._documents()
            self._decisions()
            if self.cluster.status != Cluster.Status.FORMING:
                self._objectives()
        if self.cluster.status == Cluster.Status.DISSOLVED:
            self._dissolve()

    # Members

    def _memberships(self):
        cluster, rng, formed = self.cluster, self.rng, self.cluster.formed_on
        self.w.event(
            cluster,
            self.starter,
            "cluster.started",
            f"Cluster started with {self.lead} as its lead",
            past_moment(formed),
            after={
                "name": cluster.name,
                "lead": self.lead.name,
                "formality": cluster.get_formality_display(),
            },
        )
        self.w.add(
            Membership(
                cluster=cluster,
                council=self.lead,
                status=Membership.Status.MEMBER,
                invited_by_id=self.starter,
                invited_at=past_moment(formed),
                joined_on=formed,
                answered_by_id=self.starter,
            )
        )
        self.joined[self.lead.pk] = formed
        # Each council resolves at its own meeting before the cluster becomes active.
        last = (cluster.active_since - DAY) if cluster.active_since else self.today
        for council in self.plan.members[1:]:
            resolved = _between(rng, formed + 14 * DAY, max(last, formed + 14 * DAY))
            answered = resolved <= self.today and (cluster.active_since or rng.random() < 0.6)
            self._invite(council, formed + DAY, Membership.Status.MEMBER if answered else "invited", resolved)
        for council, status in self.plan.extras:
            invited = _between(rng, max(formed, self.today - 60 * DAY), self.today)
            if status != "invited":
                invited = _between(rng, formed + DAY, max(formed + DAY, self.plan.end - 120 * DAY))
            self._invite(council, invited, status, invited + datetime.timedelta(days=rng.randint(14, 60)))
        if cluster.active_since:
            self.w.event(
                cluster,
                self.starter,
                "cluster.status",
                "The cluster became active",
                past_moment(cluster.active_since),
                before={"status": Cluster.Status.FORMING},
                after={"status": Cluster.Status.ACTIVE},
            )

    def _invite(self, council, invited_on, status, resolved):
        cluster, rng = self.cluster, self.rng
        resolved = min(resolved, self.today)
        membership = self.w.add(
            Membership(
                cluster=cluster,
                council=council,
                status=status,
                invited_by_id=self.starter,
                invited_at=past_moment(invited_on, 11),
            )
        )
        self.w.event(
            cluster,
            self.starter,
            "membership.invited",
            f"{council} invited to join",
            past_moment(invited_on, 11),
        )
        if status == Membership.Status.INVITED:
            return
        minute = random_minute_ref(rng, resolved)
        membership.join_minute_ref, membership.join_resolution_on = minute, resolved
        membership.answered_by_id = self.clerk(council)
        accepted = status != Membership.Status.DECLINED
        self.w.event(
            cluster,
            self.clerk(council),
            "membership.joined" if accepted else "membership.declined",
            f"{council} {'accepted' if accepted else 'declined'} the invitation (minute {minute})",
            past_moment(resolved + DAY, 9, 30),
            after={"minute_ref": minute, "resolved_on": resolved.isoformat()},
        )
        if not accepted:
            return
        membership.joined_on = resolved
        if status == Membership.Status.MEMBER:
            self.joined[council.pk] = resolved
            return
        left = _between(rng, resolved + 30 * DAY, max(resolved + 30 * DAY, self.today))
        left = min(left, self.today)
        membership.left_on = membership.leave_resolution_on = left
        membership.leave_minute_ref = random_minute_ref(rng, left)
        self.w.event(
            cluster,
            self.clerk(council),
            "membership.left",
            f"{council} left the cluster (minute {membership.leave_minute_ref})",
            past_moment(left + DAY, 9, 30),
            after={"minute_ref": membership.leave_minute_ref, "resolved_on": left.isoformat()},
        )

    # Officers

    def _position(self, kind, user_id, council, starts_on, ends_on, appointed_by=None, chosen_at=""):
        """A position from starts_on; ended the day after its term if the term has passed (the daily
        job's doing), or when the cluster was dissolved."""
        position = self.w.add(
            Position(
                cluster=self.cluster,
                kind=kind,
                user_id=user_id,
                council=council,
                starts_on=starts_on,
                ends_on=ends_on,
                appointed_by_id=appointed_by,
                chosen_at=chosen_at,
            )
        )
        label = Position.Kind(kind).label
        self.w.event(
            self.cluster,
            appointed_by,
            "position.appointed",
            f"{council} ({label.lower()}) appointed",
            past_moment(starts_on, 20),
            after={
                "position": label,
                "from": starts_on.isoformat(),
                "to": ends_on.isoformat(),
                **({"chosen_at": chosen_at} if chosen_at else {}),
            },
        )
        # A term that outlives a dissolved cluster is ended by the dissolution (see _dissolve).
        if ends_on < self.plan.end:
            self._end(position, ends_on + DAY, f"the term ended on {ends_on:%-d %B %Y}")
        elif self.cluster.status != Cluster.Status.DISSOLVED:
            self.w.current_positions.append(position)
        return position

    def _end(self, position, ended_on, cause):
        position.ended_on = ended_on
        label = Position.Kind(position.kind).label
        self.w.event(
            self.cluster,
            None,
            "position.ended",
            f"The {label.lower()} for {position.council} stood down: {cause}",
            past_moment(ended_on, 6),
            before={"position": label},
            after={"ended_on": ended_on.isoformat(), "cause": cause},
        )

    def _officers(self):
        plan, rng, first = self.plan, self.rng, self.plan.first_meeting
        chosen_at = f"The cluster's first meeting, {first:%-d %B %Y}"
        members = plan.members
        if self.cluster.leadership_model == Cluster.LeadershipModel.ROTATING_CHAIR:
            self._rota(first, chosen_at)
        elif plan.coordinator_led:
            self._position(
                Position.Kind.COORDINATOR,
                self.starter,
                self.lead,
                first,
                default_term_end(first),
                self.starter,
                chosen_at,
            )
        else:
            starts_on, n = first, 0
            while starts_on <= plan.end:
                council = plan.chair_councils[n % len(plan.chair_councils)]
                ends_on = add_months(starts_on, CHAIR_TERM_MONTHS) - DAY
                last = ends_on >= plan.end
                if last and plan.vacant:
                    ends_on = max(starts_on, self.today - datetime.timedelta(days=rng.randint(5, 60)))
                chair = self._position(
                    Position.Kind.CHAIR,
                    self.w.councillors[council.pk],
                    council,
                    starts_on,
                    ends_on,
                    self.starter if n == 0 else None,
                    chosen_at if n == 0 else f"Annual meeting, {starts_on:%-d %B %Y}",
                )
                self.leaders.append(chair)
                starts_on, n = ends_on + DAY, n + 1
                if last:
                    break
            if plan.vice_council:
                council = plan.vice_council
                self._position(
                    Position.Kind.VICE_CHAIR,
                    self.w.councillors[council.pk],
                    council,
                    first,
                    default_term_end(first),
                )
        if not plan.coordinator_led and (self.cluster.status != Cluster.Status.FORMING or rng.random() < 0.5):
            self._position(Position.Kind.SECRETARY, self.starter, self.lead, first, default_term_end(first))
        wants_treasurer = 0.15 if self.cluster.financial_model == Cluster.FinancialModel.GRANTS else 0.45
        if self.cluster.status != Cluster.Status.FORMING and rng.random() < wants_treasurer:
            council = rng.choice(members[1:])
            self._position(
                Position.Kind.TREASURER, self.clerk(council), council, first, default_term_end(first)
            )

    def _rota(self, first, chosen_at):
        """Every member council in turn, from the lead; its clerk chairs each turn (no nominees)."""
        cluster = self.cluster
        rota = self.plan.members
        months = cluster.rota_term_months
        for order, council in enumerate(rota, 1):
            self.w.add(RotaEntry(cluster=cluster, council=council, order=order))
        self.w.event(
            cluster,
            self.starter,
            "rota.set",
            f"Rota set: {len(rota)} councils, {months} months each",
            past_moment(first, 20),
            before={"order": ""},
            after={"order": ", ".join(c.name for c in rota), "months": months},
        )
        turn = 0
        while True:
            starts_on = add_months(first, months * turn)
            if starts_on > self.plan.end:
                break
            council = rota[turn % len(rota)]
            chair = self._position(
                Position.Kind.CHAIR,
                self.clerk(council),
                council,
                starts_on,
                add_months(first, months * (turn + 1)) - DAY,
                self.starter if turn == 0 else None,
                chosen_at if turn == 0 else "",
            )
            self.leaders.append(chair)
            turn += 1

    def _decider_on(self, day: datetime.date) -> int | None:
        """Who held the chair that day (a co-ordinator does not decide under delegated authority)."""
        for chair in self.leaders:
            if chair.starts_on <= day <= (chair.ended_on or chair.ends_on):
                return chair.user_id
        return None

    # Documents

    def _documents(self):
        cluster, rng, plan = self.cluster, self.rng, self.plan
        kinds = [FOUNDING[cluster.formality]]
        if cluster.status != Cluster.Status.FORMING:
            kinds.append(GovernanceDocument.Kind.TERMS_OF_REFERENCE)
            kinds += [kind for kind, share in FURTHER_DOCUMENTS if rng.random() < share]
        for kind in kinds:
            drafted = min(plan.first_meeting + datetime.timedelta(days=rng.randint(7, 60)), plan.end)
            title = f"{cluster.name} {GovernanceDocument.Kind(kind).label.lower()}"
            document = self.w.add(
                GovernanceDocument(
                    cluster=cluster,
                    kind=kind,
                    title=title,
                    created_by_id=self.starter,
                    created_at=past_moment(drafted),
                )
            )
            days = [drafted]
            for _ in range(rng.choices((0, 1, 2), (50, 35, 15))[0]):
                if days[-1] + 60 * DAY < plan.end:
                    days.append(_between(rng, days[-1] + 60 * DAY, plan.end))
            for number, day in enumerate(days, 1):
                self._version(document, number, day, current=number == len(days))
            if rng.random() < OVERDUE_DOCUMENT_SHARE:
                document.review_on = self.today - datetime.timedelta(days=rng.randint(1, 120))
            else:
                document.review_on = max(
                    add_months(days[-1], rng.choice((12, 24, 36))),
                    self.today + datetime.timedelta(days=rng.randint(20, 300)),
                )
            self.w.event(
                cluster,
                self.starter,
                "document.created",
                f"{GovernanceDocument.Kind(kind).label} “{title}” added",
                past_moment(drafted),
                after={
                    "title": title,
                    "kind": GovernanceDocument.Kind(kind).label,
                    "version": 1,
                    "content": "text",
                    "review_on": document.review_on.isoformat(),
                },
            )

    def _version(self, document, number, day, current):
        rng = self.rng
        version = self.w.add(
            DocumentVersion(
                document=document,
                number=number,
                text=DOCUMENT_TEXT,
                notes="" if number == 1 else "Revised after the annual review",
                created_by_id=self.starter,
                created_at=past_moment(day),
            )
        )
        if number > 1:
            self.w.event(
                self.cluster,
                self.starter,
                "document.version_added",
                f"Version {number} of “{document.title}” added",
                past_moment(day),
                before={"version": number - 1},
                after={"version": number, "content": "text", "notes": version.notes},
            )
        share = 0.4 if current and (self.today - day).days < 90 else 0.85 if current else 0.95
        for council in self.plan.members:
            joined = self.joined.get(council.pk)
            resolved = day + datetime.timedelta(days=rng.randint(10, 70))
            if joined is None or resolved > self.plan.end or rng.random() > share:
                continue
            minute = random_minute_ref(rng, resolved)
            self.w.leaf(
                Adoption,
                version=version,
                council=council,
                minute_ref=minute,
                resolved_on=resolved,
                recorded_by_id=self.clerk(council),
                recorded_at=past_moment(resolved + DAY, 9, 30),
            )
            self.w.event(
                self.cluster,
                self.clerk(council),
                "document.adopted",
                f"{council} adopted version {number} of “{document.title}” (minute {minute})",
                past_moment(resolved + DAY, 9, 30),
                after={
                    "council": council.name,
                    "version": number,
                    "minute_ref": minute,
                    "resolved_on": resolved.isoformat(),
                },
            )

    # Decisions

    def _decisions(self):
        cluster, rng, plan = self.cluster, self.rng, self.plan
        start, end = plan.first_meeting + 7 * DAY, plan.end - DAY
        if end <= start:
            return
        years = (end - start).days / 365
        count = round(DECISIONS_A_MEMBER_YEAR * len(self.joined) * years * rng.uniform(0.8, 1.2))
        members = [c for c in plan.members if c.pk in self.joined]
        chair_led = bool(self.leaders)
        approved: list[Decision] = []
        for number, day in enumerate(sorted(_between(rng, start, end) for _ in range(count)), 1):
            title = rng.choice(TOPICS)
            corrects = None
            if approved and rng.random() < CORRECTION_SHARE:
                corrects = approved.pop(rng.randrange(len(approved)))
                title = f"Correction: {corrects.title}"[:200]
            proposer = rng.choice(members)
            method = (
                Decision.Method.RATIFICATION
                if not chair_led or rng.random() < RATIFICATION_SHARE
                else Decision.Method.CHAIR
            )
            decision = self.w.add(
                Decision(
                    cluster=cluster,
                    number=number,
                    title=title,
                    text=f"{title}, as set out in the paper to the cluster's meeting.",
                    method=method,
                    threshold=cluster.ratification_threshold,
                    proposed_by_id=self.clerk(proposer),
                    proposing_council=proposer,
                    proposed_at=past_moment(day, 10),
                    corrects=corrects,
                ),
                "corrections" if corrects else None,
            )
            self.w.event(
                cluster,
                decision.proposed_by_id,
                "decision.proposed",
                f"Decision {number} proposed: {title}",
                decision.proposed_at,
                after={
                    "number": number,
                    "title": title,
                    "method": decision.get_method_display(),
                    "threshold": decision.get_threshold_display(),
                    "proposing council": proposer.name,
                    "attachments": "",
                    "corrects": corrects.number if corrects else "",
                },
            )
            if rng.random() < WITHDRAWN_SHARE and day + 20 * DAY < plan.end:
                self._withdraw(
                    decision, day + datetime.timedelta(days=rng.randint(3, 20)), decision.proposed_by_id
                )
            elif method == Decision.Method.CHAIR:
                self._decide_by_chair(decision, day)
            else:
                self._ratify(decision, day, members)
            if decision.status == Decision.Status.APPROVED and not corrects:
                approved.append(decision)

    def _close(self, decision, status, at, actor_id, reasons):
        decision.status, decision.decided_at, decision.decided_by_id = status, at, actor_id
        decision.reasons = reasons
        label = Decision.Status(status).label
        self.w.event(
            self.cluster,
            actor_id,
            f"decision.{status}",
            f"Decision {decision.number} {label.lower()}: {decision.title}",
            at,
            before={"status": Decision.Status.PROPOSED.label},
            after={"status": label, "reasons": reasons},
        )

    def _withdraw(self, decision, day, actor_id):
        decision.status = Decision.Status.WITHDRAWN
        decision.withdrawn_at, decision.withdrawn_by_id = past_moment(day, 12), actor_id
        self.w.event(
            self.cluster,
            actor_id,
            "decision.withdrawn",
            f"Decision {decision.number} withdrawn: {decision.title}",
            decision.withdrawn_at,
            before={"status": Decision.Status.PROPOSED.label},
            after={"status": Decision.Status.WITHDRAWN.label},
        )

    def _decide_by_chair(self, decision, day):
        rng = self.rng
        decided = day + datetime.timedelta(days=rng.randint(1, 21))
        decider = self._decider_on(decided)
        # Some wait longer than they should: the dashboard's "waiting longest".
        if decided >= self.plan.end or decider is None or rng.random() < 0.01:
            return
        if rng.random() < 0.88:
            self._close(decision, Decision.Status.APPROVED, past_moment(decided, 18), decider, "")
        else:
            self._close(
                decision, Decision.Status.REJECTED, past_moment(decided, 18), decider, rng.choice(REASONS)
            )

    def _ratify(self, decision, day, members):
        """Each member council resolves at its own meeting; the vote that settles the outcome (as
        clusters.decisions.settle counts it) closes the decision, and later meetings find it closed."""
        rng = self.rng
        # Where one council against rejects, councils rarely vote against what they discussed.
        against = 1 if decision.threshold == Cluster.Threshold.ALL else 12
        meetings = []
        for council in members:
            # A council now and then never gets round to it: a ratification outstanding.
            if rng.random() < 0.01:
                continue
            meetings.append((day + datetime.timedelta(days=rng.randint(7, 60)), council.gss_code, council))
        choices = []
        for resolved, _, council in sorted(meetings):
            if resolved >= self.plan.end:
                break
            choice = rng.choices(Vote.Choice.values, (100 - against - 10, against, 6, 4))[0]
            minute = random_minute_ref(rng, resolved)
            recorded = past_moment(resolved + DAY, 9, 30)
            self.w.leaf(
                Vote,
                decision=decision,
                council=council,
                choice=choice,
                minute_ref=minute,
                resolved_on=resolved,
                recorded_by_id=self.clerk(council),
                recorded_at=recorded,
            )
            label = Vote.Choice(choice).label
            self.w.event(
                self.cluster,
                self.clerk(council),
                "decision.voted",
                f"{council} voted {label.lower()} on decision {decision.number}",
                recorded,
                after={
                    "decision": decision.number,
                    "council": council.name,
                    "vote": label,
                    "minute_ref": minute,
                    "resolved_on": resolved.isoformat(),
                },
            )
            choices.append(choice)
            tally = Tally.count(choices, len(members))
            if outcome := settle(decision.threshold, tally):
                self._close(decision, outcome, recorded, None, str(tally))
                return

    def _dissolve(self):
        """What move_status closes on dissolving: open proposals, invitations and positions."""
        cluster, rng, day = self.cluster, self.rng, self.cluster.dissolved_on
        withdrawn = []
        for decision in [*self.w.rows[Decision], *self.w.rows["corrections"]]:
            if decision.cluster is cluster and decision.status == Decision.Status.PROPOSED:
                decision.status, decision.withdrawn_at = Decision.Status.WITHDRAWN, past_moment(day, 12)
                withdrawn.append(f"{decision.number}. {decision.title}")
        ended = []
        for position in self.w.rows[Position]:
            if position.cluster is cluster and position.ended_on is None:
                self._end(position, day, "the cluster was dissolved")
                ended.append(f"{position.get_kind_display()}: {position.council}")
        minute = random_minute_ref(rng, day)
        self.w.event(
            cluster,
            self.starter,
            "cluster.status",
            "The cluster became dissolved: the member councils agreed to end it",
            past_moment(day, 12),
            before={"status": Cluster.Status.ACTIVE},
            after={
                "status": Cluster.Status.DISSOLVED,
                "reason": "The member councils agreed to end it",
                "resolution_ref": minute,
                "resolved_on": day.isoformat(),
                "decisions_withdrawn": withdrawn,
                "positions_ended": ended,
                "invitations_withdrawn": [],
            },
        )

    # Objectives

    def _objectives(self):
        cluster, rng, plan = self.cluster, self.rng, self.plan
        start, end = plan.first_meeting + 14 * DAY, plan.end - 30 * DAY
        if end <= start:
            return
        members = [c for c in plan.members if c.pk in self.joined]
        officer = self.leaders[0].user_id if self.leaders else self.starter
        for _ in range(round(OBJECTIVES_A_MEMBER * len(members) * rng.uniform(0.7, 1.3))):
            title, measure, target = rng.choice(OBJECTIVES)
            created = _between(rng, start, end)
            months = rng.choice((3, 3, 6, 6, 12))
            owner = rng.choice(members)
            objective = self.w.add(
                Objective(
                    cluster=cluster,
                    title=title,
                    owner_council=owner,
                    measure=measure,
                    target=target,
                    due_on=add_months(created, rng.randint(6, 30)),
                    review_every_months=months,
                    next_review_on=add_months(created, months),
                    created_by_id=officer,
                    created_at=past_moment(created),
                )
            )
            self.w.event(
                cluster,
                officer,
                "objective.created",
                f"Objective “{title}” set for {owner}",
                objective.created_at,
                after={
                    "owner": owner.name,
                    "measure": measure,
                    "target": target,
                    "due": objective.due_on.isoformat(),
                    "next review": objective.next_review_on.isoformat(),
                },
            )
            self._progress(objective, owner, months)

    def _progress(self, objective, owner, months):
        """A first report at the next meeting, then one at each review while the cluster lasts; an
        overdue objective misses its last."""
        rng = self.rng
        overdue = rng.random() < OVERDUE_OBJECTIVE_SHARE
        day = timezone.localdate(objective.created_at) + datetime.timedelta(days=rng.randint(20, 60))
        while objective.status != Objective.Status.DONE:
            next_review = add_months(day, months)
            if day > self.plan.end or (overdue and next_review > self.today):
                return
            progress = min(100, objective.progress + rng.randint(5, 35))
            if progress == 100:
                status = Objective.Status.DONE
            else:
                status = rng.choices(
                    (Objective.Status.GREEN, Objective.Status.AMBER, Objective.Status.RED), (50, 32, 18)
                )[0]
            at = past_moment(day, 19)
            before = {
                "status": objective.get_status_display(),
                "progress": f"{objective.progress}%",
                "next review": objective.next_review_on.isoformat(),
            }
            objective.status, objective.progress, objective.next_review_on = status, progress, next_review
            label = Objective.Status(status).label
            self.w.leaf(
                ObjectiveUpdate,
                objective=objective,
                status=status,
                progress=progress,
                note=f"{label}: {progress}% of the way to the target.",
                created_by_id=self.clerk(owner),
                created_at=at,
            )
            self.w.event(
                self.cluster,
                self.clerk(owner),
                "objective.progress",
                f"Progress on “{objective.title}”: {label}, {progress}%",
                at,
                before=before,
                after={"status": label, "progress": f"{progress}%", "next review": next_review.isoformat()},
            )
            day = next_review - datetime.timedelta(days=rng.randint(0, 10))
