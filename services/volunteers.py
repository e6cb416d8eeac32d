"""A council's volunteer register: volunteers joining and leaving, their training records, and their
assignments to the arrangements they help deliver.

Volunteers are personal data (see services/access.py): the register is the council's own. So its
audit records name the volunteer, whom the history must say, but hold no email address or phone
number, only that they changed: the council's history is also read by the area's administrators.
A volunteer who leaves keeps their row, so that the delivery records of what they did keep their
name; leaving ends their assignments.
"""

from datetime import date

from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from clusters.leadership import add_months
from config.dates import long_date
from parishes import audit
from parishes.models import Council

from .access import may_keep_volunteers
from .models import Arrangement, Assignment, TrainingCourse, TrainingRecord, Volunteer
from .training import Standing, training_refusal, with_standing

# How this module's audit records read (parishes.audit_display.describe's keyword arguments). The
# keys are this module's own ("volunteer_name", "assigned_to"…), so no other app's labels clash;
# "email" and "phone" are parishes' keys with the same meaning.
AUDIT: dict = {
    "labels": {
        "volunteer_name": "Volunteer",
        "skills": "Skills",
        "joined_on": "Joined",
        "left_on": "Left",
        "contact_details": "Contact details",
        "course": "Course",
        "completed_on": "Completed",
        "expires_on": "Expires",
        "provider": "Provider",
        "assigned_to": "Arrangement",
        "assigned_on": "Assigned",
        "assignment_ended_on": "Assignment ended",
        "assignments_ended": "Assignments ended",
    },
    "kinds": {"volunteer": "Volunteers", "training": "Volunteers"},
}

# What the register shows: who is on it now, who has left, or both.
SHOW_CURRENT, SHOW_LEFT, SHOW_ALL = "current", "left", "all"
EDITABLE_FIELDS = ("name", "email", "phone", "skills", "joined_on")


class VolunteerError(Exception):
    """A change the rules refuse; its message is shown to the person, next to `field` if named."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# Reads


def register(council: Council, *, show: str = SHOW_CURRENT, training: str = "") -> QuerySet[Volunteer]:
    """The council's volunteers, by name, with their training records (and courses) and their
    current assignments (`current_assignments`, with arrangement, service and cluster): three
    queries for any page of it. `training` narrows to those with a course expiring soon or expired
    (services.training.Standing)."""
    volunteers = council.volunteers.all()
    if show == SHOW_CURRENT:
        volunteers = volunteers.filter(left_on__isnull=True)
    elif show == SHOW_LEFT:
        volunteers = volunteers.filter(left_on__isnull=False)
    if training in (Standing.EXPIRING, Standing.EXPIRED):
        volunteers = volunteers.filter(with_standing(Standing(training), timezone.localdate()))
    return with_training_and_assignments(volunteers).order_by("name", "pk")


def with_training_and_assignments(volunteers: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
    return volunteers.prefetch_related(
        Prefetch("training", queryset=TrainingRecord.objects.select_related("course")),
        Prefetch(
            "assignments",
            queryset=Assignment.objects.filter(ended_on__isnull=True)
            .select_related("arrangement__service", "arrangement__cluster")
            .order_by("arrangement__service__name", "pk"),
            to_attr="current_assignments",
        ),
    )


def register_counts(council: Council) -> dict[str, int]:
    """For the council page's panel: volunteers on the register, and how many of them have a course
    expiring within the warning period or expired; one query."""
    today = timezone.localdate()
    return council.volunteers.filter(left_on__isnull=True).aggregate(
        volunteers=Count("pk"),
        expiring=Count("pk", filter=with_standing(Standing.EXPIRING, today)),
        expired=Count("pk", filter=with_standing(Standing.EXPIRED, today)),
    )


def assignable_arrangements(volunteer: Volunteer) -> QuerySet[Arrangement]:
    """The arrangements a volunteer may help: not ended, led by or serving their council, and not
    ones they already help."""
    council_id = volunteer.council_id
    return (
        Arrangement.objects.exclude(status__in=Arrangement.CLOSED)
        .filter(Q(lead_council_id=council_id) | Q(served__council_id=council_id))
        .exclude(assignments__volunteer=volunteer, assignments__ended_on__isnull=True)
        .select_related("service", "cluster")
        .distinct()
        .order_by("cluster__name", "number")
    )


def arrangement_label(arrangement: Arrangement) -> str:
    return f"{arrangement.service.name}, {arrangement.cluster.name} (arrangement {arrangement.number})"


def arrangement_volunteers(arrangement: Arrangement, council_ids: set[int] | None) -> QuerySet[Volunteer]:
    """The volunteers currently assigned to an arrangement, with their training; only those of
    `council_ids` unless None (the co-ordinator sees them all)."""
    volunteers = Volunteer.objects.filter(
        assignments__arrangement=arrangement, assignments__ended_on__isnull=True
    ).select_related("council")
    if council_ids is not None:
        volunteers = volunteers.filter(council_id__in=council_ids)
    return volunteers.prefetch_related(
        Prefetch("training", queryset=TrainingRecord.objects.select_related("course"))
    ).order_by("name", "pk")


# Checks, asked by the forms (so that the message stands by the field) and again here.


def check_not_future(day: date, subject: str, field: str) -> None:
    if day > timezone.localdate():
        raise VolunteerError(f"{subject} must be today or in the past", field)


def check_expiry(completed_on: date, expires_on: date | None) -> None:
    if expires_on is not None and expires_on <= completed_on:
        raise VolunteerError(
            f"The expiry date must be after the date the course was completed ({long_date(completed_on)})",
            "expires_on",
        )


def check_leaving(volunteer: Volunteer, left_on: date) -> None:
    check_not_future(left_on, "The date they left", "left_on")
    if volunteer.left_on is not None:
        raise VolunteerError(f"{volunteer.name} left the register on {long_date(volunteer.left_on)}")
    if left_on < volunteer.joined_on:
        raise VolunteerError(
            f"The date they left must be on or after the date they joined ({long_date(volunteer.joined_on)})",
            "left_on",
        )
    latest = volunteer.assignments.filter(ended_on__isnull=True).order_by("-assigned_on").first()
    if latest is not None and left_on < latest.assigned_on:
        raise VolunteerError(
            f"The date they left must be on or after {long_date(latest.assigned_on)}, "
            f"when they were assigned to {arrangement_label(latest.arrangement)}",
            "left_on",
        )


def assignment_refusal(volunteer: Volunteer, arrangement: Arrangement, today: date) -> str | None:
    """Why the volunteer may not be assigned to the arrangement today, or None."""
    if volunteer.left_on is not None:
        return (
            f"{volunteer.name} left the register on {long_date(volunteer.left_on)}: they cannot be assigned"
        )
    if not assignable_arrangements(volunteer).filter(pk=arrangement.pk).exists():
        return "Select an arrangement of the council that is not ended and that they do not already help"
    return training_refusal(volunteer, arrangement.service, today)


def _check_keeper(acting_user, council_id: int) -> None:
    if not may_keep_volunteers(acting_user, council_id):
        raise VolunteerError("Only the council's clerk may change its volunteer register.")


def _record(acting_user, volunteer: Volunteer, action: str, summary: str, **values) -> None:
    council = volunteer.council
    audit.record(
        actor=acting_user, area=council.area, council=council, action=action, summary=summary, **values
    )


def _contact(email: str, phone: str) -> str:
    given = [what for what, value in (("email address", email), ("phone number", phone)) if value]
    return " and ".join(given).capitalize() + " given" if given else ""


# Volunteers joining, changing and leaving


@transaction.atomic
def add_volunteer(
    *,
    acting_user,
    council: Council,
    name: str,
    email: str = "",
    phone: str = "",
    skills: str = "",
    joined_on: date,
) -> Volunteer:
    _check_keeper(acting_user, council.pk)
    check_not_future(joined_on, "The date they joined", "joined_on")
    volunteer = Volunteer.objects.create(
        council=council, name=name, email=email, phone=phone, skills=skills, joined_on=joined_on
    )
    _record(
        acting_user,
        volunteer,
        "volunteer.added",
        f"{volunteer.name} joined the volunteer register",
        after={
            "volunteer_name": name,
            "skills": skills,
            "joined_on": joined_on.isoformat(),
            "contact_details": _contact(email, phone),
        },
    )
    return volunteer


@transaction.atomic
def edit_volunteer(*, acting_user, volunteer: Volunteer, changes: dict) -> bool:
    """Saves the changed fields of EDITABLE_FIELDS; False when nothing changed."""
    _check_keeper(acting_user, volunteer.council_id)
    if "joined_on" in changes:
        check_not_future(changes["joined_on"], "The date they joined", "joined_on")
        if volunteer.left_on is not None and changes["joined_on"] > volunteer.left_on:
            raise VolunteerError(
                "The date they joined must be on or before the date they left "
                f"({long_date(volunteer.left_on)})",
                "joined_on",
            )
    changed = {f: v for f, v in changes.items() if f in EDITABLE_FIELDS and getattr(volunteer, f) != v}
    if not changed:
        return False
    before, after = {}, {}
    for field, value in changed.items():
        if field in ("email", "phone"):
            continue
        key = "volunteer_name" if field == "name" else field
        old = getattr(volunteer, field)
        before[key] = old.isoformat() if isinstance(old, date) else old
        after[key] = value.isoformat() if isinstance(value, date) else value
    # Personal data stays out of the history: only which contact details changed (see the docstring).
    contact = [
        label for field, label in (("email", "email address"), ("phone", "phone number")) if field in changed
    ]
    if contact:
        after["contact_details"] = " and ".join(contact).capitalize() + " changed"
    old_name = volunteer.name
    for field, value in changed.items():
        setattr(volunteer, field, value)
    volunteer.save(update_fields=list(changed))
    _record(
        acting_user,
        volunteer,
        "volunteer.changed",
        f"{old_name}'s details changed on the volunteer register",
        before=before,
        after=after,
    )
    return True


@transaction.atomic
def leave_register(*, acting_user, volunteer: Volunteer, left_on: date) -> int:
    """Records the volunteer's leaving and ends their current assignments that day; returns how many
    ended. Their row stays: the delivery records of their work keep their name."""
    _check_keeper(acting_user, volunteer.council_id)
    volunteer = Volunteer.objects.select_for_update().select_related("council__area").get(pk=volunteer.pk)
    check_leaving(volunteer, left_on)
    current = list(
        volunteer.assignments.filter(ended_on__isnull=True).select_related(
            "arrangement__service", "arrangement__cluster"
        )
    )
    Assignment.objects.filter(pk__in=[a.pk for a in current]).update(ended_on=left_on)
    volunteer.left_on = left_on
    volunteer.save(update_fields=["left_on"])
    _record(
        acting_user,
        volunteer,
        "volunteer.left",
        f"{volunteer.name} left the volunteer register",
        after={
            "left_on": left_on.isoformat(),
            "assignments_ended": [arrangement_label(a.arrangement) for a in current],
        },
    )
    return len(current)


# Training


def default_expiry(course: TrainingCourse, completed_on: date) -> date | None:
    """When a certificate runs out if the record says nothing else: the course's usual validity."""
    if course.valid_for_months is None:
        return None
    return add_months(completed_on, course.valid_for_months)


@transaction.atomic
def record_training(
    *,
    acting_user,
    volunteer: Volunteer,
    course: TrainingCourse,
    completed_on: date,
    expires_on: date | None = None,
    provider: str = "",
) -> TrainingRecord:
    """A course completed. Without an expiry date, the course's usual validity from completion."""
    _check_keeper(acting_user, volunteer.council_id)
    check_not_future(completed_on, "The date the course was completed", "completed_on")
    if expires_on is None:
        expires_on = default_expiry(course, completed_on)
    check_expiry(completed_on, expires_on)
    record = TrainingRecord.objects.create(
        volunteer=volunteer,
        course=course,
        completed_on=completed_on,
        expires_on=expires_on,
        provider=provider,
        recorded_by=acting_user,
    )
    _record(
        acting_user,
        volunteer,
        "training.recorded",
        f"{course.name} recorded for {volunteer.name}",
        after=_training_values(record),
    )
    return record


def _training_values(record: TrainingRecord) -> dict:
    return {
        "volunteer_name": record.volunteer.name,
        "course": record.course.name,
        "completed_on": record.completed_on.isoformat(),
        "expires_on": record.expires_on.isoformat() if record.expires_on else "Does not expire",
        "provider": record.provider,
    }


@transaction.atomic
def remove_training(*, acting_user, record: TrainingRecord) -> None:
    """Removes a record made by mistake; the history keeps what it said."""
    volunteer = record.volunteer
    _check_keeper(acting_user, volunteer.council_id)
    values = _training_values(record)
    record.delete()
    _record(
        acting_user,
        volunteer,
        "training.removed",
        f"{values['course']} record of {volunteer.name} removed as a mistake",
        before=values,
    )


# Assignments


@transaction.atomic
def assign(*, acting_user, volunteer: Volunteer, arrangement: Arrangement) -> Assignment:
    """Assigns the volunteer to help deliver the arrangement from today: refused if they have left,
    if the arrangement is not one of their council's or has ended, or if they lack current training
    for its service today."""
    _check_keeper(acting_user, volunteer.council_id)
    # Locked, so that leaving at the same moment cannot leave a current assignment behind.
    volunteer = Volunteer.objects.select_for_update().select_related("council__area").get(pk=volunteer.pk)
    today = timezone.localdate()
    if refusal := assignment_refusal(volunteer, arrangement, today):
        raise VolunteerError(refusal, "arrangement")
    assignment = Assignment.objects.create(
        volunteer=volunteer, arrangement=arrangement, assigned_on=today, assigned_by=acting_user
    )
    _record(
        acting_user,
        volunteer,
        "volunteer.assigned",
        f"{volunteer.name} assigned to {arrangement_label(arrangement)}",
        after={"assigned_to": arrangement_label(arrangement), "assigned_on": today.isoformat()},
    )
    return assignment


@transaction.atomic
def end_assignment(*, acting_user, assignment: Assignment) -> None:
    """Ends the assignment today."""
    volunteer = assignment.volunteer
    _check_keeper(acting_user, volunteer.council_id)
    if assignment.ended_on is not None:
        raise VolunteerError(f"This assignment ended on {long_date(assignment.ended_on)}.")
    ended_on = timezone.localdate()
    assignment.ended_on = ended_on
    assignment.save(update_fields=["ended_on"])
    label = arrangement_label(assignment.arrangement)
    _record(
        acting_user,
        volunteer,
        "volunteer.assignment_ended",
        f"{volunteer.name} no longer assigned to {label}",
        after={"assigned_to": label, "assignment_ended_on": ended_on.isoformat()},
    )
