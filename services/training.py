"""Whether a volunteer may do a service's work on a day: every course the service requires, held
with a certificate current on that day (completed by then, not expired before it); and how each
course a volunteer holds stands today (current, expiring soon, expired), for the register."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q

from .models import Service, TrainingRecord, Volunteer


def missing_training(volunteer: Volunteer, service: Service, on: date) -> list[str]:
    """The names of the required courses the volunteer does not hold on `on`, in order; empty when
    they may do the work."""
    required = {course.pk: course.name for course in service.required_training.all()}
    if not required:
        return []
    current = set(
        TrainingRecord.objects.filter(volunteer=volunteer, course_id__in=required, completed_on__lte=on)
        .exclude(expires_on__lt=on)
        .values_list("course_id", flat=True)
    )
    return sorted(name for pk, name in required.items() if pk not in current)


def training_refusal(volunteer: Volunteer, service: Service, on: date) -> str | None:
    """The message that refuses the volunteer for the service's work on `on`, or None."""
    missing = missing_training(volunteer, service, on)
    if not missing:
        return None
    courses = ", ".join(missing)
    return (
        f"{volunteer.name} does not hold current training for {service.name.lower()} on that date: {courses}"
    )


# "Expiring soon", the one figure for every place that says so: a certificate that runs out within
# this many days is marked on the register and counted on the council's page, and its clerk is
# reminded in the daily digest. Sixty rather than thirty because refresher courses (first aid,
# chainsaw, traffic management) are booked some weeks ahead: a month's notice is often too late to
# get a place before the old certificate lapses and the volunteer must stop work.
EXPIRING_SOON_DAYS = 60


class Standing(StrEnum):
    CURRENT = "current"
    EXPIRING = "expiring"
    EXPIRED = "expired"


STANDING_LABELS = {
    Standing.CURRENT: "Current",
    Standing.EXPIRING: "Expires soon",
    Standing.EXPIRED: "Expired",
}


def standing(expires_on: date | None, today: date) -> Standing:
    if expires_on is None or expires_on > today + timedelta(days=EXPIRING_SOON_DAYS):
        return Standing.CURRENT
    if expires_on >= today:
        return Standing.EXPIRING
    return Standing.EXPIRED


@dataclass(frozen=True)
class CourseHeld:
    """A course a volunteer has a record of, by its record that lasts longest (a renewal outlasts the
    certificate it renews)."""

    record: TrainingRecord
    standing: Standing

    @property
    def label(self) -> str:
        return STANDING_LABELS[self.standing]


def _lasts(record: TrainingRecord) -> date:
    return record.expires_on or date.max


def courses_held(records: Iterable[TrainingRecord], today: date) -> list[CourseHeld]:
    """Each course of `records` (one volunteer's, with their course) once, by its longest-lasting
    record, in the order of the course's name. The same rule as latest_of_its_course() in SQL."""
    best: dict[int, TrainingRecord] = {}
    for record in records:
        held = best.get(record.course_id)
        if held is None or (_lasts(record), record.completed_on) > (_lasts(held), held.completed_on):
            best[record.course_id] = record
    return [
        CourseHeld(record, standing(record.expires_on, today))
        for record in sorted(best.values(), key=lambda r: r.course.name)
    ]


def latest_of_its_course() -> Exists:
    """A condition on a TrainingRecord that expires: no record of the same volunteer and course lasts
    longer (one with no expiry lasts longest). Ties in expiry both count: they stand the same."""
    longer = TrainingRecord.objects.filter(volunteer=OuterRef("volunteer"), course=OuterRef("course")).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on"))
    )
    return ~Exists(longer)


def with_standing(standing_wanted: Standing, today: date) -> Q:
    """A condition on Volunteer: a course of theirs, by its longest-lasting record, has this standing
    (expiring within EXPIRING_SOON_DAYS, or expired). Not for CURRENT, which is every other case."""
    if standing_wanted == Standing.EXPIRING:
        window = {"expires_on__gte": today, "expires_on__lte": today + timedelta(days=EXPIRING_SOON_DAYS)}
    else:
        window = {"expires_on__lt": today}
    return Q(
        Exists(TrainingRecord.objects.filter(latest_of_its_course(), volunteer=OuterRef("pk"), **window))
    )
