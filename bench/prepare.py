"""Run inside Django (bench.settings) before the server starts: chooses the people the bench signs
in as, gives them the bench's password and, where two-factor is required of them, an authenticator
whose secret the client knows; finds each person's fixtures and the paths of their pages; refreshes
PostgreSQL's statistics and indexes (VACUUM ANALYZE, REINDEX); and prints all of it as JSON for bench.run.

    python -m bench.inside prepare --password P --load-users 32 > plan.json
"""

import argparse
import json
import sys
from pathlib import Path

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from accounts.two_factor import two_factor_state
from clusters.models import Cluster, Decision, Membership, Position
from parishes.models import Area, AreaRole, Council, CouncilRole
from services.models import Arrangement, Delivery, Volunteer

from .pages import ROLES, Missing, all_pages, path_for


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--password", required=True)
    parser.add_argument("--load-users", type=int, default=32)
    args = parser.parse_args(argv)
    json.dump(prepare(password=args.password, load_users=args.load_users), sys.stdout, indent=1)


def prepare(*, password: str, load_users: int) -> dict:
    with connection.cursor() as cursor:
        # Fresh statistics, so that the planner (and the table sizes the rows-read check divides
        # by) describe the data as loaded; and no dead rows left by an earlier run's reminder scan
        # (built and rolled back), which the pages would otherwise read past. Vacuuming frees those
        # rows but not the index pages they swelled (the membership index grew fourfold over a few
        # runs, and the planner then chose to scan the table), so the indexes are rebuilt too.
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("REINDEX SCHEMA public")
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    candidates = _candidates(1 + load_users)
    measured, load, taken = {}, [], set()
    for role in ROLES:
        person = next((c for c in candidates[role] if c[0] not in taken), None)
        if person:
            measured[role] = person
            taken.add(person[0])
    # The load's people: as many of each role as there are, in turn, none of them measured.
    queues = {role: list(candidates[role]) for role in ROLES}
    while len(load) < load_users and any(queues.values()):
        for role in ROLES:
            if queues[role] and len(load) < load_users:
                person = queues[role].pop(0)
                if person[0] not in taken:
                    taken.add(person[0])
                    load.append((role, person))
    people = [_person(role, person, measured=True) for role, person in measured.items()]
    people += [_person(role, person, measured=False) for role, person in load]
    _sign_in_details(people, password)
    return {"postgres": postgres, "data": _data_counts(), "people": people, "pages": _page_list(people)}


def _candidates(n: int) -> dict[str, list[tuple]]:
    """(user id, fixtures) of up to n people of each role, heaviest first: the clerks of most
    councils (those with volunteers first), the chairs of the clusters with most decisions, the
    officers and administrators of the areas with most councils."""
    clerks = (
        CouncilRole.objects.filter(kind=CouncilRole.Kind.CLERK, ended_on__isnull=True)
        .values("user")
        # Of the clerks of most councils, one whose councils keep volunteers (for their register).
        .annotate(n=Count("council", distinct=True), volunteers=Count("council__volunteers"))
        .order_by("-n", "-volunteers", "user")[:n]
    )
    chairs = (
        Position.objects.current()
        .filter(kind=Position.Kind.CHAIR)
        .annotate(n=Count("cluster__decisions"))
        .order_by("-n", "pk")
        .values("user", "cluster", "council")[:n]
    )
    area_people = {}
    for role, kind in (("officer", AreaRole.Kind.OFFICER), ("administrator", AreaRole.Kind.ADMINISTRATOR)):
        area_people[role] = (
            AreaRole.objects.filter(kind=kind, ended_on__isnull=True)
            .annotate(n=Count("area__councils", filter=Q(area__councils__isnull=False)))
            .order_by("-n", "pk")
            .values("user", "area")[:n]
        )
    return {
        "clerk": [(row["user"], _clerk_fixtures(row["user"])) for row in clerks],
        "chair": [(row["user"], _cluster_fixtures(row["cluster"], council=row["council"])) for row in chairs],
        **{
            role: [(row["user"], _area_fixtures(row["area"])) for row in rows]
            for role, rows in area_people.items()
        },
    }


def _busiest_cluster(clusters):
    return clusters.annotate(n=Count("decisions")).order_by("-n", "pk").values_list("pk", flat=True).first()


def _cluster_fixtures(cluster_id, *, council=None, area_slug=None) -> dict:
    fixtures = {"council_id": council, "area_slug": area_slug, "slug": None, "number": None}
    if cluster_id is None:
        return fixtures
    cluster = Cluster.objects.select_related("area").get(pk=cluster_id)
    fixtures.update(slug=cluster.slug, area_slug=area_slug or cluster.area.slug)
    fixtures["number"] = (
        Decision.objects.filter(cluster=cluster)
        .annotate(n=Count("votes"))
        .order_by("-n", "-number")
        .values_list("number", flat=True)
        .first()
    )
    return fixtures


def _clerk_fixtures(user_id) -> dict:
    councils = Council.objects.filter(roles__user=user_id, roles__ended_on__isnull=True).distinct()
    member = Q(cluster_memberships__status=Membership.Status.MEMBER)
    council = (
        councils.annotate(n=Count("cluster_memberships", filter=member))
        .order_by("-n", "pk")
        .select_related("area")
        .first()
    )
    cluster = _busiest_cluster(
        Cluster.objects.filter(
            memberships__council__in=councils, memberships__status=Membership.Status.MEMBER
        ).distinct()
    )
    volunteers = (
        Volunteer.objects.filter(council__in=councils, left_on__isnull=True)
        .values("council")
        .annotate(n=Count("pk"))
        .order_by("-n", "council")
        .values_list("council", flat=True)
        .first()
    )
    return {
        **_cluster_fixtures(cluster, council=council.pk, area_slug=council.area.slug),
        "volunteers_council_id": volunteers,
    }


def _area_fixtures(area_id) -> dict:
    area = Area.objects.get(pk=area_id)
    council = (
        area.councils.annotate(
            n=Count("cluster_memberships", filter=Q(cluster_memberships__status=Membership.Status.MEMBER))
        )
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    return {
        **_cluster_fixtures(
            _busiest_cluster(Cluster.objects.filter(area=area)), council=council, area_slug=area.slug
        ),
        **_services_fixtures(Arrangement.objects.filter(cluster__area=area)),
    }


def _services_fixtures(arrangements) -> dict:
    """The arrangement with most delivery lines, its cluster, and its served council and month with
    most lines (for a monthly statement)."""
    fixtures = {"services_slug": None, "arrangement": None, "statement_council_id": None, "month": None}
    busiest = (
        arrangements.annotate(n=Count("deliveries"))
        .order_by("-n", "pk")
        .values("pk", "number", "cluster__slug")
        .first()
    )
    if busiest is None:
        return fixtures
    fixtures.update(services_slug=busiest["cluster__slug"], arrangement=busiest["number"])
    month = (
        Delivery.objects.filter(arrangement=busiest["pk"])
        .annotate(month=TruncMonth("done_on"))
        .values("council", "month")
        .annotate(n=Count("pk"))
        .order_by("-n", "council", "-month")
        .first()
    )
    if month is not None:
        fixtures.update(statement_council_id=month["council"], month=f"{month['month']:%Y-%m}")
    return fixtures


def _person(role: str, candidate: tuple, *, measured: bool) -> dict:
    user_id, fixtures = candidate
    email = get_user_model().objects.values_list("email", flat=True).get(pk=user_id)
    return {"role": role, "user_id": user_id, "email": email, "measured": measured, "fixtures": fixtures}


def _sign_in_details(people: list[dict], password: str) -> None:
    """The bench's password for every chosen person (hashed once), and a fresh authenticator for
    those who must use two-factor (production's MFA_REQUIRED stays on)."""
    User = get_user_model()
    users = User.objects.in_bulk([person["user_id"] for person in people])
    User.objects.filter(pk__in=users).update(password=make_password(password))
    Authenticator.objects.filter(user__in=users, type=Authenticator.Type.TOTP).delete()
    for person in people:
        user = users[person["user_id"]]
        person["totp_secret"] = None
        if two_factor_state(user).reason is not None:
            person["totp_secret"] = generate_totp_secret()
            TOTP.activate(user, person["totp_secret"])


def _page_list(people: list[dict]) -> list[dict]:
    """Every page with the measured person's path; each person's own paths go in person["paths"]."""
    measured = {person["role"]: person for person in people if person["measured"]}
    for person in people:
        person["paths"] = {}
        for page in all_pages():
            if page.role == person["role"]:
                try:
                    person["paths"][page.name] = path_for(page, person["fixtures"])
                except Missing:
                    continue
    listed = []
    for page in all_pages():
        entry = {
            "name": page.name,
            "role": page.role,
            "kind": page.kind,
            "path": None,
            "missing": None,
        }
        person = measured.get(page.role)
        if person is None:
            entry["missing"] = f"the data has no {page.role}"
        else:
            try:
                entry["path"] = path_for(page, person["fixtures"])
            except Missing as error:
                entry["missing"] = str(error)
        listed.append(entry)
    return listed


def _data_counts() -> dict:
    """Rows of every table of the project's own apps that has any, largest first."""
    counts = {
        str(model._meta.verbose_name_plural): model.objects.count()
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(settings.BASE_DIR)
        for model in config.get_models()
    }
    return dict(sorted(((label, n) for label, n in counts.items() if n), key=lambda item: -item[1]))
