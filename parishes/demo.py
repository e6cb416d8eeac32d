"""The demo: areas, the councils of the demo clusters (real ONS names and codes) and a person for
every role. Running it again changes nothing."""

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from . import districts, services
from .models import Area, AreaRole, AuditEvent, Council, CouncilRole, CouncilTaxBase

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_PASSWORD = "clusterwork-demo"  # noqa: S105 (documented in the README: demo data only)
TOWNS = {"Kirkby Stephen", "Brampton", "Keswick", "Millom", "Witney", "Chipping Norton"}
AREA_SLUGS = {"Cumbria": "cumbria", "Oxfordshire": "oxfordshire"}


@dataclass
class DemoSignIn:
    email: str
    role: str
    place: str


# Higher apps add their part of the demo here (from their AppConfig.ready), so that parishes never
# imports them; each step runs after the areas, councils and people exist, and returns the sign-ins
# of any people it made (or None), so that the printed table lists everyone.
demo_steps: list[Callable[[], list[DemoSignIn] | None]] = []


def chair_email(cluster_name: str) -> str:
    return f"chair@{slugify(cluster_name)}.example"


def load_demo() -> dict:
    return json.loads((DATA / "demo_clusters.json").read_text())


def load_parish_names() -> dict[str, str]:
    return json.loads((DATA / "ons_parishes.json").read_text())


def _illustrative(code: str, low: int, high: int) -> int:
    """A stable, made-up number for a code: the demo has no published figures to hand."""
    digest = int(hashlib.sha256(code.encode()).hexdigest()[:8], 16)
    return low + digest % (high - low)


def _kind(name: str, meeting: bool) -> str:
    if name in TOWNS:
        return Council.Kind.TOWN_COUNCIL
    return Council.Kind.PARISH_MEETING if meeting else Council.Kind.PARISH_COUNCIL


def ensure_council(area: Area, code: str, name: str, kind: str) -> Council:
    population = (
        _illustrative(code, 4000, 9000)
        if kind == Council.Kind.TOWN_COUNCIL
        else _illustrative(code, 60, 1500)
    )
    council, _ = Council.objects.get_or_create(
        gss_code=code,
        defaults={
            "area": area,
            "name": name,
            "kind": kind,
            "population": population,
            "electorate": population * 4 // 5,
        },
    )
    if council.district_id is None:
        district = districts.district_for_parish(code)
        if district is not None:
            Council.objects.filter(pk=council.pk).update(district=district)
            council.district = district
    CouncilTaxBase.objects.get_or_create(
        council=council, financial_year=2026, defaults={"band_d": Decimal(population) * Decimal("0.41")}
    )
    return council


def ensure_person(email: str, name: str, password: str):
    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password, name=name)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _role_started_on(council: Council, user) -> datetime.date:
    """When a demo person took up their role: five to nine years ago, before any demo cluster formed
    (the oldest formed a little over four years ago), so that every position they hold in a cluster
    starts after the role it is held through."""
    return timezone.localdate() - datetime.timedelta(
        days=_illustrative(f"{council.gss_code}:{user.email}", 5 * 365, 9 * 365)
    )


def ensure_council_role(council: Council, user, kind: str) -> None:
    if CouncilRole.objects.filter(council=council, user=user, kind=kind, ended_on__isnull=True).exists():
        return
    role = services.grant_council_role(acting_user=None, council=council, user=user, kind=kind)
    # The service dates a role (and its audit record) today, having no date to take: the demo's
    # people held their roles long before the demo was loaded.
    started_on = _role_started_on(council, user)
    CouncilRole.objects.filter(pk=role.pk).update(started_on=started_on)
    event = AuditEvent.objects.filter(council=council, action="council_role.granted").latest("pk")
    event.created_at = timezone.make_aware(datetime.datetime.combine(started_on, datetime.time(10)))
    event.after = {**event.after, "started_on": started_on.isoformat()}
    event.save(update_fields=["created_at", "after"])


def _area_role(area: Area, user, kind: str) -> None:
    if not AreaRole.objects.filter(area=area, user=user, kind=kind, ended_on__isnull=True).exists():
        services.grant_area_role(acting_user=None, area=area, user=user, kind=kind)


@transaction.atomic
def seed_demo(password: str = DEFAULT_PASSWORD) -> list[DemoSignIn]:
    names = load_parish_names()
    sign_ins: list[DemoSignIn] = []

    def person(email, name, role, place):
        sign_ins.append(DemoSignIn(email, role, str(place)))
        return ensure_person(email, name, password)

    for area_data in load_demo()["areas"]:
        slug = AREA_SLUGS.get(area_data["name"], slugify(area_data["name"]))
        area, _ = Area.objects.get_or_create(
            slug=slug, defaults={"name": area_data["name"], "kind": area_data["kind"]}
        )
        _area_role(
            area,
            person(f"admin@{slug}.example", f"{area.name} Administrator", "Area administrator", area),
            AreaRole.Kind.ADMINISTRATOR,
        )
        _area_role(
            area,
            person(f"officer@{slug}.example", f"{area.name} Officer", "County officer", area),
            AreaRole.Kind.OFFICER,
        )
        for cluster in area_data["clusters"]:
            lead_code = cluster["lead"]
            # The smallest-coded members stand in for the cluster's parish meetings.
            others = [code for code in cluster["members"] if code != lead_code]
            meetings = set(sorted(others, reverse=True)[: cluster.get("parish_meetings", 0)])
            lead = ensure_council(area, lead_code, names[lead_code], _kind(names[lead_code], False))
            lead_slug = slugify(lead.name)
            for kind, word in (
                (CouncilRole.Kind.CLERK, "clerk"),
                (CouncilRole.Kind.RFO, "rfo"),
                (CouncilRole.Kind.COUNCILLOR, "councillor"),
            ):
                label = CouncilRole.Kind(kind).label
                user = person(f"{word}@{lead_slug}.example", f"{label} of {lead.name}", label, lead)
                ensure_council_role(lead, user, kind)
            # One clerk serves the cluster's other, smaller councils, as often happens, and is
            # the cluster's secretary (clusters.demo appoints them).
            shared_clerk = person(
                f"clerk@{slugify(cluster['name'])}.example",
                f"Clerk to the {cluster['name']} parishes",
                "Clerk, cluster secretary",
                f"{len(others)} councils of {cluster['name']}",
            )
            for code in others:
                council = ensure_council(area, code, names[code], _kind(names[code], code in meetings))
                ensure_council_role(council, shared_clerk, CouncilRole.Kind.CLERK)
            # The chair is a councillor of a member council, chosen by the cluster (clusters.demo
            # appoints them); the clerks serve it.
            chair = cluster["chair"]
            chair_council = Council.objects.get(gss_code=chair["council"])
            former = "Former chair" if chair.get("term_ended_days_ago") else "Chair"
            chair_person = person(
                chair_email(cluster["name"]),
                chair["name"],
                f"{former} of the {cluster['name']} cluster",
                f"{chair_council.name} (councillor)",
            )
            ensure_council_role(chair_council, chair_person, CouncilRole.Kind.COUNCILLOR)
        # Councils in no cluster yet: the gaps in the area's coverage that its officers look for.
        for code in area_data.get("unclustered", []):
            ensure_council(area, code, names[code], _kind(names[code], False))
    for step in demo_steps:
        sign_ins.extend(step() or ())
    return sign_ins
