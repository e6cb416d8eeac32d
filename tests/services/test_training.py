"""Training: whether a volunteer may do a service's work on a day, and how each course they hold
stands today (current, expiring within 60 days, expired), in Python and in SQL alike."""

import datetime

import pytest
from django.utils import timezone

from services.models import TrainingCourse, TrainingRecord, Volunteer
from services.training import (
    Standing,
    courses_held,
    missing_training,
    standing,
    training_refusal,
    with_standing,
)

TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def course(name: str) -> TrainingCourse:
    return TrainingCourse.objects.get(name=name)


STRIMMER = "Strimmer and brushcutter use"
FIRST_AID = "Emergency first aid"
PESTICIDES = "Safe use of pesticides (PA1 and PA6)"


def trained(volunteer: Volunteer, name: str, completed: int, expires: int | None) -> TrainingRecord:
    return TrainingRecord.objects.create(
        volunteer=volunteer,
        course=course(name),
        completed_on=days(completed),
        expires_on=None if expires is None else days(expires),
    )


@pytest.fixture
def volunteer(cast):
    return Volunteer.objects.create(council=cast.council_a, name="Sam Hill", joined_on=days(-400))


@pytest.mark.parametrize(
    ("expires", "expected"),
    [
        (None, Standing.CURRENT),
        (61, Standing.CURRENT),
        (60, Standing.EXPIRING),
        (0, Standing.EXPIRING),
        (-1, Standing.EXPIRED),
    ],
)
def test_standing_at_the_edges_of_the_60_days(expires, expected):
    assert standing(None if expires is None else days(expires), TODAY) == expected


def test_the_service_refuses_a_volunteer_whose_training_expired(cast, volunteer, grass_cutting):
    trained(volunteer, STRIMMER, -800, -1)
    assert missing_training(volunteer, grass_cutting, TODAY) == [STRIMMER]
    assert training_refusal(volunteer, grass_cutting, TODAY) == (
        "Sam Hill does not hold current training for urban grass cutting on that date: " + STRIMMER
    )
    # On a day the certificate was still current, the work was allowed.
    assert training_refusal(volunteer, grass_cutting, days(-2)) is None


def test_a_renewal_lets_them_work_and_training_not_yet_done_does_not(cast, volunteer, grass_cutting):
    trained(volunteer, STRIMMER, -800, -10)
    trained(volunteer, STRIMMER, -5, 1000)
    assert training_refusal(volunteer, grass_cutting, TODAY) is None
    # Between the old certificate's expiry and the course that renewed it, they held none.
    assert training_refusal(volunteer, grass_cutting, days(-7)) is not None


def test_a_service_without_required_training_refuses_nobody(cast, volunteer, catalogue):
    assert training_refusal(volunteer, catalogue.get(name="Litter picking"), TODAY) is None


def test_each_course_is_shown_by_its_longest_lasting_record(cast, volunteer):
    old = trained(volunteer, STRIMMER, -1100, -5)
    renewal = trained(volunteer, STRIMMER, -10, 30)
    first_aid = trained(volunteer, FIRST_AID, -1200, -100)
    pesticides = trained(volunteer, PESTICIDES, -50, None)
    records = TrainingRecord.objects.filter(volunteer=volunteer).select_related("course")
    held = courses_held(records, TODAY)
    assert [(h.record, h.standing) for h in held] == [
        (first_aid, Standing.EXPIRED),
        (pesticides, Standing.CURRENT),
        (renewal, Standing.EXPIRING),
    ]
    assert old not in [h.record for h in held]
    assert [h.label for h in held] == ["Expired", "Current", "Expires soon"]


def test_sql_and_python_agree_on_who_has_training_expiring_or_expired(cast):
    def person(name, *records):
        v = Volunteer.objects.create(council=cast.council_a, name=name, joined_on=days(-2000))
        for course_name, completed, expires in records:
            trained(v, course_name, completed, expires)
        return v

    people = [
        person("None"),
        person("Current", (STRIMMER, -10, 900)),
        person("Never expires", (PESTICIDES, -10, None)),
        person("Expiring", (STRIMMER, -1000, 20)),
        person("Expiring today", (STRIMMER, -1000, 0)),
        person("Expired", (FIRST_AID, -1200, -1)),
        person("Expired but renewed", (FIRST_AID, -1200, -1), (FIRST_AID, -3, 1000)),
        person("Expiring but renewed", (STRIMMER, -1000, 10), (STRIMMER, -3, 1000)),
        person("Expired, renewal expiring", (STRIMMER, -2000, -900), (STRIMMER, -1000, 30)),
        person("Both", (STRIMMER, -1000, 30), (FIRST_AID, -1200, -30)),
        person("Renewed for good", (PESTICIDES, -2000, -900), (PESTICIDES, -3, None)),
    ]
    for wanted in (Standing.EXPIRING, Standing.EXPIRED):
        in_sql = set(
            Volunteer.objects.filter(pk__in=[p.pk for p in people])
            .filter(with_standing(wanted, TODAY))
            .values_list("name", flat=True)
        )
        in_python = {
            p.name
            for p in people
            if any(h.standing == wanted for h in courses_held(p.training.select_related("course"), TODAY))
        }
        assert in_sql == in_python
    assert in_sql == {"Expired", "Both"}
