"""Positions held for terms, the rotating chair, and the object permissions positions carry.

Appointing or ending a position goes through here only, and every change re-derives the person's
permissions on the cluster from the positions they hold (the same pattern as council roles).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.emails import send_templated_email
from parishes.models import Council, CouncilRole
from parishes.services import sync_object_permissions

from . import audit
from .models import Cluster, ClusterUserObjectPermission, Membership, Position, RotaEntry
from .roles import POSITION_PERMISSIONS


class LeadershipError(Exception):
    """A change the rules refuse; its message is shown to the person."""


def sync_cluster_permissions(user, cluster: Cluster, today: date | None = None) -> None:
    today = today or timezone.localdate()
    wanted: set[str] = set()
    for kind in cluster.positions.filter(user=user, ended_on__isnull=True, starts_on__lte=today).values_list(
        "kind", flat=True
    ):
        wanted |= POSITION_PERMISSIONS[kind]
    sync_object_permissions(user, cluster, wanted, ClusterUserObjectPermission)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


@transaction.atomic
def appoint(
    *,
    acting_user,
    cluster: Cluster,
    kind: str,
    user,
    council: Council,
    starts_on: date,
    ends_on: date | None = None,
    today: date | None = None,
) -> Position:
    """Give a position to a person of a member council; the current holder, if any, stands down.
    `today` is the daily job's day, so that a job run for a given day behaves as on that day."""
    today = today or timezone.localdate()
    if ends_on is not None and ends_on < starts_on:
        raise LeadershipError("The term must end after it starts.")
    if starts_on > today:
        raise LeadershipError("A term starts today or earlier; the rota plans the chair's future terms.")
    if not cluster.memberships.filter(council=council, status=Membership.Status.MEMBER).exists():
        raise LeadershipError(f"{council} is not a member of the cluster.")
    if not CouncilRole.objects.filter(council=council, user=user, ended_on__isnull=True).exists():
        raise LeadershipError(f"{user} holds no role in {council}.")
    current = cluster.positions.select_for_update().filter(kind=kind, ended_on__isnull=True).first()
    if current is not None:
        end_position(acting_user=acting_user, position=current)
    position = Position.objects.create(
        cluster=cluster,
        kind=kind,
        user=user,
        council=council,
        starts_on=starts_on,
        ends_on=ends_on,
        appointed_by=acting_user,
    )
    sync_cluster_permissions(user, cluster, today)
    audit.record(
        actor=acting_user,
        cluster=cluster,
        action="position.appointed",
        summary=f"{user} ({council}) became {position.get_kind_display().lower()}",
        after={
            "person": user.email,
            "position": position.get_kind_display(),
            "from": starts_on.isoformat(),
            "to": ends_on.isoformat() if ends_on else "",
        },
    )
    send_templated_email(
        template="cluster_position",
        to=user.email,
        context={"position": position, "cluster": cluster, "user": user},
    )
    return position


@transaction.atomic
def end_position(*, acting_user, position: Position) -> None:
    position = Position.objects.select_for_update().select_related("cluster", "user").get(pk=position.pk)
    if position.ended_on:
        raise LeadershipError("This position has already ended.")
    position.ended_on = timezone.localdate()
    position.save(update_fields=["ended_on"])
    sync_cluster_permissions(position.user, position.cluster)
    audit.record(
        actor=acting_user,
        cluster=position.cluster,
        action="position.ended",
        summary=f"{position.user} stopped being {position.get_kind_display().lower()}",
        before={"person": position.user.email, "position": position.get_kind_display()},
        after={"ended_on": position.ended_on.isoformat()},
    )


@transaction.atomic
def set_rota(*, acting_user, cluster: Cluster, councils: list[Council], term_months: int) -> None:
    """The order in which member councils take the rotating chair, and the length of a turn."""
    if len({c.pk for c in councils}) != len(councils):
        raise LeadershipError("Each council may appear in the rota once.")
    members = set(
        cluster.memberships.filter(status=Membership.Status.MEMBER).values_list("council_id", flat=True)
    )
    if not councils or any(c.pk not in members for c in councils):
        raise LeadershipError("The rota lists member councils only, at least one.")
    if not 1 <= term_months <= 60:
        raise LeadershipError("A turn lasts between 1 and 60 months.")
    before = [entry.council.name for entry in cluster.rota.select_related("council")]
    cluster.rota.all().delete()
    RotaEntry.objects.bulk_create(
        RotaEntry(cluster=cluster, council=c, order=i) for i, c in enumerate(councils, 1)
    )
    cluster.leadership_model = Cluster.LeadershipModel.ROTATING_CHAIR
    cluster.rota_term_months = term_months
    cluster.save(update_fields=["leadership_model", "rota_term_months"])
    audit.record(
        actor=acting_user,
        cluster=cluster,
        action="rota.set",
        summary=f"Rota set: {len(councils)} councils, {term_months} months each",
        before={"order": ", ".join(before)},
        after={"order": ", ".join(c.name for c in councils), "months": term_months},
    )


@dataclass
class Turn:
    council: Council
    starts_on: date
    ends_on: date


def rota_schedule(
    cluster: Cluster, chair: Position | None, entries: list[RotaEntry], turns: int = 6
) -> list[Turn]:
    """The coming turns of the rotating chair, computed from the current chair's term and the rota."""
    if not entries:
        return []
    councils = [entry.council for entry in entries]
    if chair is not None and chair.council_id in {c.pk for c in councils}:
        index = next(i for i, c in enumerate(councils) if c.pk == chair.council_id) + 1
        start = (chair.ends_on or add_months(chair.starts_on, cluster.rota_term_months)) + timedelta(days=1)
    else:
        index, start = 0, timezone.localdate()
    schedule = []
    for n in range(turns):
        end = add_months(start, cluster.rota_term_months) - timedelta(days=1)
        schedule.append(Turn(councils[(index + n) % len(councils)], start, end))
        start = end + timedelta(days=1)
    return schedule


def _next_holder(entry: RotaEntry):
    if (
        entry.nominee_id
        and CouncilRole.objects.filter(
            council=entry.council, user=entry.nominee, ended_on__isnull=True
        ).exists()
    ):
        return entry.nominee
    clerk = (
        CouncilRole.objects.filter(council=entry.council, kind=CouncilRole.Kind.CLERK, ended_on__isnull=True)
        .select_related("user")
        .order_by("started_on", "pk")
        .first()
    )
    return clerk.user if clerk else None


def rotate_chair(cluster: Cluster, today: date) -> Position | None:
    """Hand the chair to the next council of the rota when the current term has ended.

    Idempotent: it claims the ended term by locking it and checking it is still open, so a rerun,
    a retry or a second worker finds nothing to do.
    """
    with transaction.atomic():
        chair = (
            cluster.positions.select_for_update()
            .filter(kind=Position.Kind.CHAIR, ended_on__isnull=True, ends_on__lt=today)
            .first()
        )
        if chair is None:
            return None
        entries = list(cluster.rota.select_related("council", "nominee"))
        schedule = rota_schedule(cluster, chair, entries, turns=len(entries) or 1)
        for turn in schedule:
            entry = next(e for e in entries if e.council_id == turn.council.pk)
            holder = _next_holder(entry)
            if (
                holder is not None
                and cluster.memberships.filter(council=turn.council, status=Membership.Status.MEMBER).exists()
            ):
                end_position(acting_user=None, position=chair)
                start = max(turn.starts_on, chair.ends_on + timedelta(days=1))
                return appoint(
                    acting_user=None,
                    cluster=cluster,
                    kind=Position.Kind.CHAIR,
                    user=holder,
                    council=turn.council,
                    starts_on=min(start, today),
                    ends_on=add_months(min(start, today), cluster.rota_term_months) - timedelta(days=1),
                    today=today,
                )
        return None


def rotate_due_chairs(today: date | None = None) -> int:
    """The daily job: every rotating chair whose term has ended moves on. Returns how many moved."""
    today = today or timezone.localdate()
    due = Cluster.objects.filter(
        leadership_model=Cluster.LeadershipModel.ROTATING_CHAIR,
        status=Cluster.Status.ACTIVE,
        positions__kind=Position.Kind.CHAIR,
        positions__ended_on__isnull=True,
        positions__ends_on__lt=today,
    ).distinct()
    return sum(1 for cluster in due if rotate_chair(cluster, today) is not None)
