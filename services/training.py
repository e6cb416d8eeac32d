"""Whether a volunteer may do a service's work on a day: every course the service requires, held
with a certificate current on that day (completed by then, not expired before it)."""

from datetime import date

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
