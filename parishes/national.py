"""National-scale data: every parish and community of England and Wales as councils in their real
areas, with a clerk for each and an officer and an administrator for each area, written in bulk.

This is the data the benchmark measures pages against, not a register anyone keeps: the people are
made up (addresses at national.example), and the councils' figures are illustrative numbers derived
from their codes, as in the demo. Everything is written with bulk inserts in batches, and guardian's
direct permission rows are written the same way from parishes.roles, so that access works as if each
role had been granted through parishes.services (which would take hours for 11,000 councils).
"""

import datetime
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from . import districts, services
from .models import (
    Area,
    AreaRole,
    Council,
    CouncilRole,
    CouncilTaxBase,
)

DATA = Path(__file__).resolve().parent / "data"
BATCH = 1000
# Well under SQLite's oldest limit of 999 parameters in one statement, for look-ups by key.
LOOKUP_CHUNK = 900
EMAIL_DOMAIN = "national.example"
UNASSIGNED = "Unassigned"
TAX_YEAR = 2026
# Of English parishes, about one in ten has no council, only a parish meeting; a parish meeting's
# clerk usually serves several of them, so they share one clerk in groups of this size by district.
PARISH_MEETING_SHARE = 10
SHARED_CLERK_GROUP = 4

PROPORTIONS = f"""\
What it makes (about 11,300 councils for the whole of England and Wales):
- councils: every E04 parish and W04 community of parishes/data/ons_parishes.json (not the E43
  unparished areas), with its ONS name and code; W04 communities are community councils; about
  1 in {PARISH_MEETING_SHARE} English parishes (by a hash of its code) is a parish meeting, the others parish
  councils; population (60–1,500), electorate (4/5 of it) and a {TAX_YEAR} Band D tax base are
  illustrative numbers derived from the code;
- areas: one per two-tier county, unitary council, metropolitan borough or Welsh principal
  council, from the ONS parish → district → county lookup (parishes/data); councils whose district
  is not known (parishes created since 2019) go to the area "{UNASSIGNED}"; each council gets its
  district;
- people: one clerk per council, except parish meetings, which share a clerk in groups of up to
  {SHARED_CLERK_GROUP} within their district; one county officer and one area administrator per area;
  every person has a verified email at {EMAIL_DOMAIN} and no usable password unless --password
  is given; roles started three years ago, with the object permissions parishes.roles gives them.
Clusters, positions, documents, decisions, votes, objectives and audit records are added by later
steps registered in parishes.national.national_steps (as parishes.demo.demo_steps does for the
demo), run after the councils and people exist; each says what it makes in national_help."""


@dataclass
class NationalLoad:
    """What a load made so far: counts by label, in order, and the password hash of its people."""

    password_hash: str
    started: float = field(default_factory=time.monotonic)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, label: str, count: int) -> None:
        self.counts[label] = self.counts.get(label, 0) + count

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


# Higher apps (clusters) add their part of the national data here, from their AppConfig.ready, so
# that parishes never imports them; each step runs after the areas, councils and people exist, in
# the same transaction, and adds what it made to load.counts.
national_steps: list[Callable[[NationalLoad], None]] = []
# What those steps make, a paragraph each, for the command's help after PROPORTIONS.
national_help: list[str] = []


def proportions() -> str:
    return "\n\n".join([PROPORTIONS, *national_help])


class NationalDataError(Exception):
    """The load is refused; the message says why."""


def _illustrative(code: str, low: int, high: int) -> int:
    digest = int(hashlib.sha256(code.encode()).hexdigest()[:8], 16)
    return low + digest % (high - low)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def parishes(limit: int | None = None) -> list[tuple[str, str]]:
    """(GSS code, name) of every parish and community, in code order; the first `limit` of them."""
    names = json.loads((DATA / "ons_parishes.json").read_text())
    rows = sorted((code, name) for code, name in names.items() if code[:3] in ("E04", "W04"))
    return rows[:limit] if limit else rows


@dataclass(frozen=True)
class _AreaSpec:
    name: str
    kind: str


def _area_for(district_code: str | None) -> _AreaSpec:
    if not district_code:
        return _AreaSpec(UNASSIGNED, "Councils whose district is not known")
    lookups = districts._lookups()
    county = lookups.district_county.get(district_code)
    if county:
        return _AreaSpec(lookups.county_name[county], "Two-tier county")
    if district_code.startswith("W"):
        return _AreaSpec(lookups.district_name[district_code], "Welsh principal council")
    return _AreaSpec(lookups.district_name[district_code], "Unitary council")


def _kind(code: str) -> str:
    if code.startswith("W"):
        return Council.Kind.COMMUNITY_COUNCIL
    if _illustrative(f"kind:{code}", 0, PARISH_MEETING_SHARE) == 0:
        return Council.Kind.PARISH_MEETING
    return Council.Kind.PARISH_COUNCIL


def has_councils() -> bool:
    return Council.objects.exists()


def _fetch(queryset, key: str, values: Iterable[str]) -> dict:
    """Rows of the queryset by `key`, looked up in chunks (SQLite limits a statement's parameters)."""
    found = {}
    for chunk in _chunks(sorted(set(values)), LOOKUP_CHUNK):
        found.update({getattr(row, key): row for row in queryset.filter(**{f"{key}__in": chunk})})
    return found


def _make_areas(specs: Iterable[_AreaSpec], load: NationalLoad) -> dict[str, Area]:
    specs = {spec.name: spec for spec in specs}
    existing = {area.name: area for area in Area.objects.all()}
    taken = {area.slug for area in existing.values()}
    new = []
    for name in sorted(specs.keys() - existing.keys()):
        base = slugify(name)[:110] or "area"
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        new.append(Area(name=name, slug=slug, kind=specs[name].kind))
    Area.objects.bulk_create(new, batch_size=BATCH)
    load.add("areas", len(new))
    return {area.name: area for area in Area.objects.filter(name__in=list(specs))}


def make_users(people: dict[str, str], load: NationalLoad) -> dict[str, object]:
    """people: email → name. Those not yet there are made (with a verified primary email)."""
    User = get_user_model()
    now = timezone.now()
    User.objects.bulk_create(
        [
            User(email=email, name=name, password=load.password_hash, date_joined=now)
            for email, name in people.items()
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    users = _fetch(User.objects.only("pk", "email"), "email", people)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user_id=u.pk, email=email, verified=True, primary=True) for email, u in users.items()],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    load.add("people", len(users))
    return users


@transaction.atomic
def load_national(
    *, limit: int | None = None, password: str | None = None, force: bool = False
) -> NationalLoad:
    if has_councils() and not force:
        raise NationalDataError(
            "The database already has councils: load the national data into an empty database, "
            "or give --force to add it alongside (parishes already there are left as they are)."
        )
    # One hash for everyone: hashing 11,000 passwords one by one would take longer than the load.
    load = NationalLoad(password_hash=make_password(password))
    rows = parishes(limit)
    district_of = {code: districts.district_code_for_parish(code) for code, _ in rows}
    district_rows = districts.districts_by_code(c for c in district_of.values() if c)
    area_of = {code: _area_for(district_of[code]) for code, _ in rows}
    areas = _make_areas(area_of.values(), load)

    existing = set(
        _fetch(Council.objects.only("pk", "gss_code"), "gss_code", [code for code, _ in rows]).keys()
    )
    councils = []
    for code, name in rows:
        if code in existing:
            continue
        population = _illustrative(code, 60, 1500)
        district = district_of[code]
        councils.append(
            Council(
                area=areas[area_of[code].name],
                gss_code=code,
                name=name,
                kind=_kind(code),
                district=district_rows[district] if district else None,
                population=population,
                electorate=population * 4 // 5,
            )
        )
    Council.objects.bulk_create(councils, batch_size=BATCH)
    made = _fetch(
        Council.objects.only("pk", "gss_code", "kind", "area_id", "district_id", "population"),
        "gss_code",
        [c.gss_code for c in councils],
    )
    load.add("councils", len(made))
    CouncilTaxBase.objects.bulk_create(
        [
            CouncilTaxBase(
                council_id=c.pk, financial_year=TAX_YEAR, band_d=Decimal(c.population) * Decimal("0.41")
            )
            for c in made.values()
        ],
        batch_size=BATCH,
    )
    load.add("tax bases", len(made))

    # Clerks: one per council; parish meetings share one in groups by district.
    clerk_of: dict[str, str] = {}  # council code → clerk's email
    people: dict[str, str] = {}
    names = dict(rows)
    meetings: dict[str, list[Council]] = defaultdict(list)
    for code, council in sorted(made.items()):
        if council.kind == Council.Kind.PARISH_MEETING:
            meetings[district_of[code] or "unassigned"].append(council)
            continue
        email = f"clerk.{code.lower()}@{EMAIL_DOMAIN}"
        people[email] = f"Clerk of {names[code]}"
        clerk_of[code] = email
    for district, group in sorted(meetings.items()):
        for n, members in enumerate(_chunks(group, SHARED_CLERK_GROUP), start=1):
            email = f"clerk.{district.lower()}-{n}@{EMAIL_DOMAIN}"
            people[email] = f"Clerk to {len(members)} parish meetings"
            for council in members:
                clerk_of[council.gss_code] = email
    area_people: list[tuple[Area, str, str]] = []  # (area, kind, email)
    for area in sorted(areas.values(), key=lambda a: a.name):
        for kind, word in ((AreaRole.Kind.OFFICER, "officer"), (AreaRole.Kind.ADMINISTRATOR, "admin")):
            email = f"{word}.{area.slug}@{EMAIL_DOMAIN}"
            people[email] = f"{area.name} {AreaRole.Kind(kind).label}"
            area_people.append((area, kind, email))
    users = make_users(people, load)

    started_on = timezone.localdate() - datetime.timedelta(days=365 * 3)
    clerk = CouncilRole.Kind.CLERK
    council_roles = [
        CouncilRole(council_id=c.pk, user_id=users[clerk_of[code]].pk, kind=clerk, started_on=started_on)
        for code, c in made.items()
    ]
    CouncilRole.objects.bulk_create(council_roles, batch_size=BATCH, ignore_conflicts=True)
    load.add("council roles", len(council_roles))
    load.add("council permissions", services.grant_role_permissions_in_bulk(council_roles))

    area_roles = [
        AreaRole(area=area, user_id=users[email].pk, kind=kind, started_on=started_on)
        for area, kind, email in area_people
    ]
    AreaRole.objects.bulk_create(area_roles, batch_size=BATCH, ignore_conflicts=True)
    load.add("area roles", len(area_roles))
    load.add("area permissions", services.grant_role_permissions_in_bulk(area_roles))

    for step in national_steps:
        step(load)
    return load
