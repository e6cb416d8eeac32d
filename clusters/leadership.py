"""Positions held for terms, the rotating chair, and the object permissions positions carry.

Appointing or ending a position goes through here only, and every change re-derives the person's
permissions on the cluster from the positions they hold (the same pattern as council roles).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.emails import send_templated_email
from config.dates import check_year
from parishes.models import Council, CouncilRole
from parishes.services import sync_object_permissions

from . import audit
from .access import ClusterPermissions, people_of_members
from .models import Cluster, ClusterUserObjectPermission, Membership, Position, RotaEntry
from .roles import POSITION_PERMISSIONS

# The longest term a cluster's rules allow an officer, and a rotating chair's turn.
MAX_TERM_MONTHS = 60
# The positions a member council's clerk or the area may fill when the cluster has no leader.
VACANCY_KINDS = (Position.Kind.CHAIR, Position.Kind.COORDINATOR)


class LeadershipError(Exception):
    """A change the rules refuse; its message is shown to the person, next to `field` if given."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def sync_cluster_permissions(user, cluster: Cluster, today: date | None = None) -> None:
    wanted: set[str] = set()
    for kind in (
        Position.objects.current(today).filter(cluster=cluster, user=user).values_list("kind", flat=True)
    ):
        wanted |= POSITION_PERMISSIONS[kind]
    sync_object_permissions(user, cluster, wanted, ClusterUserObjectPermission)


def grant_position_permissions_in_bulk(positions) -> int:
    """The permissions of many new current positions, written in a few queries: what
    sync_cluster_permissions would write for each holder, from the same table, for people who hold
    nothing else on those clusters (the national loader's thousands). Returns the rows written."""
    wanted: dict[tuple[int, int], set[str]] = {}
    for position in positions:
        wanted.setdefault((position.user_id, position.cluster_id), set()).update(
            POSITION_PERMISSIONS[position.kind]
        )
    content_type = ContentType.objects.get_for_model(Cluster)
    permissions = {p.codename: p for p in Permission.objects.filter(content_type=content_type)}
    rows = [
        ClusterUserObjectPermission(
            user_id=user_id, permission=permissions[codename], content_object_id=cluster_id
        )
        for (user_id, cluster_id), codenames in wanted.items()
        for codename in sorted(codenames)
    ]
    ClusterUserObjectPermission.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def check_term(starts_on: date, ends_on: date | None, today: date | None = None) -> None:
    """The rules of a term, for the appointment form and the services alike."""
    today = today or timezone.localdate()
    for field, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        if day is not None:
            try:
                check_year(day)
            except ValidationError as error:
                raise LeadershipError(error.messages[0], field) from None
    if starts_on > today:
        raise LeadershipError("The term must start today or in the past", "starts_on")
    if ends_on is None:
        return
    if ends_on < starts_on:
        raise LeadershipError("The term must end after it starts", "ends_on")
    if ends_on < today:
        raise LeadershipError("The term has already ended: enter an end date from today on", "ends_on")
    if ends_on >= add_months(starts_on, MAX_TERM_MONTHS):
        raise LeadershipError(f"A term lasts at most {MAX_TERM_MONTHS // 12} years", "ends_on")


def default_term_end(starts_on: date) -> date:
    """A term given without an end runs for the longest a cluster's rules allow."""
    return add_months(starts_on, MAX_TERM_MONTHS) - timedelta(days=1)


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
    chosen_at: str = "",
    today: date | None = None,
) -> Position:
    """The cluster's chair or co-ordinator gives a position to a person of a member council; the
    current holder, if any, stands down. `acting_user` None is the system (the rota's job, the
    tests' cast); `today` is the job's day, so that a job run for a given day behaves as on it."""
    if acting_user is not None and not ClusterPermissions(acting_user, cluster).may_appoint_any_officer():
        raise LeadershipError("Only the cluster's chair or co-ordinator appoints its officers.")
    return _appoint(
        acting_user=acting_user,
        cluster=cluster,
        kind=kind,
        user=user,
        council=council,
        starts_on=starts_on,
        ends_on=ends_on,
        chosen_at=chosen_at,
        today=today,
    )


def _appoint(
    *,
    acting_user,
    cluster: Cluster,
    kind: str,
    user,
    council: Council,
    starts_on: date,
    ends_on: date | None,
    chosen_at: str = "",
    today: date | None = None,
) -> Position:
    today = today or timezone.localdate()
    ends_on = ends_on or default_term_end(starts_on)
    check_term(starts_on, ends_on, today)
    if not user.is_active:
        raise LeadershipError(f"{user}'s account is closed.")
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
        chosen_at=chosen_at,
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
            "to": ends_on.isoformat(),
            **({"chosen_at": chosen_at} if chosen_at else {}),
        },
    )
    send_templated_email(
        template="cluster_position",
        to=user.email,
        context={"position": position, "cluster": cluster, "user": user},
    )
    return position


@transaction.atomic
def fill_vacancy(
    *,
    acting_user,
    cluster: Cluster,
    kind: str,
    user,
    council: Council,
    starts_on: date,
    ends_on: date | None,
    chosen_at: str,
) -> Position:
    """A member council's clerk, or the area's administrator, appoints a chair or co-ordinator to a
    cluster that has neither, recording the resolution or meeting that chose them."""
    cluster = Cluster.objects.select_for_update().select_related("area").get(pk=cluster.pk)
    permissions = ClusterPermissions(acting_user, cluster)
    if permissions.has_leader:
        raise LeadershipError("The cluster has a chair or co-ordinator now: ask them to appoint officers.")
    if permissions.chair_passes_by_rota:
        raise LeadershipError("The chair passes to the next council of the rota this morning.")
    if not permissions.may_fill_vacancy():
        raise LeadershipError("Only the clerk of a member council or the area's administrator can do this.")
    if kind not in VACANCY_KINDS:
        raise LeadershipError("Appoint a chair or a co-ordinator", "kind")
    if not chosen_at.strip():
        raise LeadershipError("Enter the resolution or meeting that chose them", "chosen_at")
    position = _appoint(
        acting_user=acting_user,
        cluster=cluster,
        kind=kind,
        user=user,
        council=council,
        starts_on=starts_on,
        ends_on=ends_on,
        chosen_at=chosen_at.strip(),
    )
    # Anyone acting for a member may fill the chair, so every member council hears of it.
    for person in people_of_members(cluster):
        if person == user:
            continue
        send_templated_email(
            template="cluster_vacancy_filled",
            to=person.email,
            context={"position": position, "cluster": cluster, "appointed_by": acting_user, "user": person},
        )
    return position


@transaction.atomic
def end_position(
    *, acting_user, position: Position, cause: str = "", ended_on: date | None = None
) -> Position:
    """End a position and the permissions it carried; `cause` says why, for the audit trail."""
    position = Position.objects.select_for_update().select_related("cluster", "user").get(pk=position.pk)
    if position.ended_on:
        raise LeadershipError("This position has already ended.")
    position.ended_on = ended_on or timezone.localdate()
    position.save(update_fields=["ended_on"])
    sync_cluster_permissions(position.user, position.cluster)
    summary = f"{position.user} stopped being {position.get_kind_display().lower()}"
    audit.record(
        actor=acting_user,
        cluster=position.cluster,
        action="position.ended",
        summary=f"{summary}: {cause}" if cause else summary,
        before={"person": position.user.email, "position": position.get_kind_display()},
        after={"ended_on": position.ended_on.isoformat(), **({"cause": cause} if cause else {})},
    )
    return position


def vacate(*, acting_user, position: Position, cause: str, ended_on: date | None = None) -> Position:
    """End a position that nobody takes over, and tell the cluster's people the post is vacant."""
    position = end_position(acting_user=acting_user, position=position, cause=cause, ended_on=ended_on)
    cluster = position.cluster
    people = set(people_of_members(cluster))
    people |= {p.user for p in Position.objects.current().filter(cluster=cluster).select_related("user")}
    for person in sorted(people - {position.user}, key=lambda p: p.email):
        send_templated_email(
            template="cluster_position_vacant",
            to=person.email,
            context={"position": position, "cluster": cluster, "cause": cause, "user": person},
        )
    return position


def _positions_held_only_through(role: CouncilRole):
    """The positions that end with the role: a position is held for a council, so it ends when its
    holder no longer holds any role in that council (another role there keeps it)."""
    others = CouncilRole.objects.filter(council=role.council, user=role.user, ended_on__isnull=True)
    if others.exclude(pk=role.pk).exists():
        return Position.objects.none()
    held = Position.objects.filter(user=role.user, council=role.council, ended_on__isnull=True)
    return held.select_related("cluster", "user").order_by("cluster__name", "kind")


def positions_ending_with(role: CouncilRole) -> list[str]:
    """Registered with parishes' role-ending consequences, for the page that confirms the ending."""
    return [f"{p.get_kind_display().lower()} of {p.cluster}" for p in _positions_held_only_through(role)]


def end_positions_of_role(*, acting_user, role: CouncilRole) -> None:
    """Registered with parishes' role-ended hooks (called once the role has ended)."""
    for position in _positions_held_only_through(role):
        vacate(
            acting_user=acting_user,
            position=position,
            cause=f"{role.user} no longer holds a role in {role.council}",
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
    if not 1 <= term_months <= MAX_TERM_MONTHS:
        raise LeadershipError(f"A turn lasts between 1 and {MAX_TERM_MONTHS} months.")
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
    schedule = []
    try:
        if chair is not None and chair.council_id in {c.pk for c in councils}:
            index = next(i for i, c in enumerate(councils) if c.pk == chair.council_id) + 1
            last_day = chair.ends_on or add_months(chair.starts_on, cluster.rota_term_months)
            start = last_day + timedelta(days=1)
        else:
            index, start = 0, timezone.localdate()
        for n in range(turns):
            end = add_months(start, cluster.rota_term_months) - timedelta(days=1)
            schedule.append(Turn(councils[(index + n) % len(councils)], start, end))
            start = end + timedelta(days=1)
    except (OverflowError, ValueError):
        # A term stored before terms were bounded may end at the calendar's edge: no turns follow it.
        pass
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
                end_position(acting_user=None, position=chair, cause="the chair passed on by the rota")
                start = min(max(turn.starts_on, chair.ends_on + timedelta(days=1)), today)
                ends_on = add_months(start, cluster.rota_term_months) - timedelta(days=1)
                if ends_on < today:
                    # The job fell a whole turn behind: the next council's turn starts today.
                    start, ends_on = today, add_months(today, cluster.rota_term_months) - timedelta(days=1)
                return appoint(
                    acting_user=None,
                    cluster=cluster,
                    kind=Position.Kind.CHAIR,
                    user=holder,
                    council=turn.council,
                    starts_on=start,
                    ends_on=ends_on,
                    today=today,
                )
        return None


def rotate_due_chairs(today: date | None = None) -> int:
    """Every rotating chair whose term has ended moves on. Returns how many moved."""
    today = today or timezone.localdate()
    due = Cluster.objects.filter(
        leadership_model=Cluster.LeadershipModel.ROTATING_CHAIR,
        status=Cluster.Status.ACTIVE,
        positions__kind=Position.Kind.CHAIR,
        positions__ended_on__isnull=True,
        positions__ends_on__lt=today,
    ).distinct()
    return sum(1 for cluster in due if rotate_chair(cluster, today) is not None)


@dataclass
class TermsEnded:
    handed_on: int
    vacated: int


def _why_not_current(position: Position, today: date) -> tuple[str, date]:
    """Why a position open on the books confers nothing today, and the day it stopped."""
    if position.ends_on is not None and position.ends_on < today:
        return f"the term ended on {position.ends_on:%-d %B %Y}", position.ends_on + timedelta(days=1)
    if not position.user.is_active:
        return f"{position.user}'s account was closed", today
    if not CouncilRole.objects.filter(
        user=position.user, council=position.council, ended_on__isnull=True
    ).exists():
        return f"{position.user} no longer holds a role in {position.council}", today
    return f"{position.council} is no longer a member of the cluster", today


def end_terms(today: date | None = None) -> TermsEnded:
    """The daily job: rotating chairs are handed on first; then every position that has stopped
    conferring anything (see Position.current: a passed term, or a holder who lost their standing
    by a path no hook saw) is ended, and the cluster's people are told the post is vacant. A rerun
    finds nothing left to do."""
    today = today or timezone.localdate()
    handed_on = rotate_due_chairs(today)
    vacated = 0
    stale = Position.objects.filter(ended_on__isnull=True, starts_on__lte=today).exclude(
        pk__in=Position.objects.current(today).values("pk")
    )
    for position in stale.select_related("cluster", "user", "council").order_by("pk"):
        cause, ended_on = _why_not_current(position, today)
        try:
            vacate(acting_user=None, position=position, cause=cause, ended_on=ended_on)
        except LeadershipError:
            continue  # ended meanwhile by another run
        vacated += 1
    return TermsEnded(handed_on=handed_on, vacated=vacated)
