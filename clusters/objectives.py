"""Objectives: a cluster's priorities made measurable, and the progress updates that are their history."""

from datetime import date

from django.db import transaction
from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.lookups import IsNull
from django.utils import timezone

from parishes.models import Council

from . import audit
from .leadership import add_months
from .models import Cluster, Membership, Objective, ObjectiveUpdate

# How often an objective can be reviewed: monthly at most, every two years at least.
REVIEW_MONTHS = range(1, 25)


class ObjectiveError(Exception):
    """A change the rules refuse; its message is shown to the person."""


def objectives_of(cluster: Cluster, *, status: str = "") -> QuerySet[Objective]:
    """The cluster's objectives, each with `review`: "due" (today), "overdue" (past) or "" (a done
    objective needs no more reviews)."""
    today = timezone.localdate()
    objectives = cluster.objectives.select_related("owner_council").annotate(
        review=Case(
            When(status=Objective.Status.DONE, then=Value("")),
            When(next_review_on__lt=today, then=Value("overdue")),
            When(next_review_on=today, then=Value("due")),
            default=Value(""),
            output_field=CharField(),
        )
    )
    if status:
        objectives = objectives.filter(status=status)
    return objectives.order_by("due_on", "title", "pk")


def due_for_review(today: date, *, row_by_row: bool = False) -> Q:
    """Objectives not done, of clusters still working, whose next review is today or past and whose
    owner council is still a member (the people who act for it are the ones reminded): a condition
    on the objective's own row. `row_by_row` for a few hundred objectives (one area's): each owner's
    membership looked up by its index, where for an EXISTS PostgreSQL may read every membership in
    the country into a hash instead (a scalar subquery it always runs row by row)."""
    # Unordered: the memberships' default order (by council name) had each lookup join and sort
    # the council for nothing.
    owner_is_member = Membership.objects.filter(
        cluster=OuterRef("cluster"), council=OuterRef("owner_council"), status=Membership.Status.MEMBER
    ).order_by()
    if row_by_row:
        owner = Q(IsNull(Subquery(owner_is_member.values("pk")[:1]), False))
    else:
        owner = Q(Exists(owner_is_member))
    # The owner's lookup last: where the condition is a value (an aggregate's FILTER, an
    # annotation) PostgreSQL stops at the first false term, so only objectives due look it up.
    return (
        Q(next_review_on__lte=today)
        & ~Q(status=Objective.Status.DONE)
        & ~Q(cluster__status=Cluster.Status.DISSOLVED)
        & owner
    )


def objectives_due_for_review(today: date) -> QuerySet[Objective]:
    """The objectives due_for_review, with their cluster and owner council."""
    return (
        Objective.objects.filter(due_for_review(today))
        .select_related("cluster", "owner_council")
        .order_by("next_review_on", "pk")
    )


def _check_open(cluster: Cluster) -> None:
    if cluster.status == Cluster.Status.DISSOLVED:
        raise ObjectiveError("The cluster has been dissolved: its objectives can no longer change.")


def _check_owner(cluster: Cluster, council: Council) -> None:
    if not cluster.memberships.filter(council=council, status=Membership.Status.MEMBER).exists():
        raise ObjectiveError(f"{council} is not a member of the cluster: an objective's owner must be.")


def _check_dates(due_on: date | None, next_review_on: date | None, review_every_months: int | None) -> None:
    today = timezone.localdate()
    if due_on is not None and due_on < today:
        raise ObjectiveError("The due date must be today or in the future.")
    if next_review_on is not None and next_review_on < today:
        raise ObjectiveError("The next review must be today or in the future.")
    if review_every_months is not None and review_every_months not in REVIEW_MONTHS:
        raise ObjectiveError("Reviews must be between every 1 and every 24 months.")


@transaction.atomic
def create_objective(
    *,
    acting_user,
    cluster: Cluster,
    title: str,
    owner_council: Council,
    measure: str,
    target: str,
    due_on: date,
    review_every_months: int,
    description: str = "",
    next_review_on: date | None = None,
) -> Objective:
    """A new objective, green and at 0%; its first review falls a review period from today unless given."""
    _check_open(cluster)
    _check_owner(cluster, owner_council)
    _check_dates(due_on, next_review_on, review_every_months)
    objective = Objective.objects.create(
        cluster=cluster,
        title=title.strip(),
        description=description,
        owner_council=owner_council,
        measure=measure,
        target=target,
        due_on=due_on,
        review_every_months=review_every_months,
        next_review_on=next_review_on or add_months(timezone.localdate(), review_every_months),
        created_by=acting_user,
    )
    audit.record(
        actor=acting_user,
        cluster=cluster,
        action="objective.created",
        summary=f"Objective “{objective.title}” set for {owner_council}",
        after={
            "owner": owner_council.name,
            "measure": measure,
            "target": target,
            "due": due_on.isoformat(),
            "next review": objective.next_review_on.isoformat(),
        },
    )
    return objective


EDITABLE_FIELDS = (
    "title",
    "description",
    "owner_council",
    "measure",
    "target",
    "due_on",
    "review_every_months",
    "next_review_on",
)


def _shown(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


@transaction.atomic
def edit_objective(*, acting_user, objective: Objective, changes: dict) -> Objective:
    """Change what the objective is; its status and progress change only through progress updates."""
    objective = Objective.objects.select_for_update().select_related("cluster").get(pk=objective.pk)
    _check_open(objective.cluster)
    changed = {
        f: getattr(objective, f)
        for f in EDITABLE_FIELDS
        if f in changes and getattr(objective, f) != changes[f]
    }
    if not changed:
        return objective
    if "owner_council" in changed:
        _check_owner(objective.cluster, changes["owner_council"])
    # Dates already past may stay as they are; only a new date must not be in the past.
    _check_dates(
        changes["due_on"] if "due_on" in changed else None,
        changes["next_review_on"] if "next_review_on" in changed else None,
        changes["review_every_months"] if "review_every_months" in changed else None,
    )
    for field in changed:
        setattr(objective, field, changes[field])
    objective.save(update_fields=list(changed))
    audit.record(
        actor=acting_user,
        cluster=objective.cluster,
        action="objective.edited",
        summary=f"Objective “{objective.title}” changed: "
        + ", ".join(str(Objective._meta.get_field(f).verbose_name) for f in changed),
        before={f: _shown(v) for f, v in changed.items()},
        after={f: _shown(changes[f]) for f in changed},
    )
    return objective


@transaction.atomic
def record_progress(
    *, acting_user, objective: Objective, status: str, progress: int, note: str
) -> ObjectiveUpdate:
    """A progress update: the objective takes its status and progress, and its next review moves a
    review period on from today (the review has just happened)."""
    objective = Objective.objects.select_for_update().select_related("cluster").get(pk=objective.pk)
    _check_open(objective.cluster)
    if status not in Objective.Status.values:
        raise ObjectiveError("Select red, amber, green or done.")
    if not 0 <= progress <= 100:
        raise ObjectiveError("Progress must be between 0 and 100 per cent.")
    if not note.strip():
        raise ObjectiveError("Say what has happened since the last update.")
    before = {
        "status": objective.get_status_display(),
        "progress": f"{objective.progress}%",
        "next review": objective.next_review_on.isoformat(),
    }
    objective.status = status
    objective.progress = progress
    objective.next_review_on = add_months(timezone.localdate(), objective.review_every_months)
    objective.save(update_fields=["status", "progress", "next_review_on"])
    update = ObjectiveUpdate.objects.create(
        objective=objective, status=status, progress=progress, note=note.strip(), created_by=acting_user
    )
    audit.record(
        actor=acting_user,
        cluster=objective.cluster,
        action="objective.progress",
        summary=f"Progress on “{objective.title}”: {objective.get_status_display()}, {progress}%",
        before=before,
        after={
            "status": objective.get_status_display(),
            "progress": f"{progress}%",
            "next review": objective.next_review_on.isoformat(),
        },
    )
    return update
