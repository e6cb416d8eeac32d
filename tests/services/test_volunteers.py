"""The volunteer register's rules (services/volunteers.py): joining, changing, leaving (which ends
assignments and keeps the delivery records' names), training records, assignments refused without
current training, and how its audit records read in the council's history."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from parishes.models import AuditEvent
from services import volunteers
from services.models import Arrangement, Assignment, Delivery, TrainingCourse, TrainingRecord, Volunteer
from services.volunteers import VolunteerError

TODAY = timezone.localdate()
STRIMMER = "Strimmer and brushcutter use"


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def strimmer() -> TrainingCourse:
    return TrainingCourse.objects.get(name=STRIMMER)


@pytest.fixture
def sam(cast):
    return volunteers.add_volunteer(
        acting_user=cast.clerk_a,
        council=cast.council_a,
        name="Sam Hill",
        email="sam@example.org",
        phone="01632 960001",
        skills="Strimmer",
        joined_on=days(-400),
    )


def test_joining_is_recorded_without_contact_details_in_the_history(cast, sam):
    event = AuditEvent.objects.get(council=cast.council_a, action="volunteer.added")
    assert event.summary == "Sam Hill joined the volunteer register"
    assert event.after["contact_details"] == "Email address and phone number given"
    # The council's history is also read by the area's administrators: no contact details in it.
    assert "sam@example.org" not in str(event.after) and "960001" not in str(event.after)


def test_only_the_clerk_keeps_the_register(cast):
    for person in (cast.councillor_a, cast.rfo_a, cast.officer, cast.clerk_b):
        with pytest.raises(VolunteerError):
            volunteers.add_volunteer(acting_user=person, council=cast.council_a, name="X", joined_on=TODAY)
    assert not Volunteer.objects.exists()


def test_changing_details_records_what_changed(cast, sam):
    volunteers.edit_volunteer(
        acting_user=cast.clerk_a,
        volunteer=sam,
        changes={
            "name": "Samantha Hill",
            "email": "sh@example.org",
            "phone": sam.phone,
            "skills": "Strimmer",
        },
    )
    sam.refresh_from_db()
    assert (sam.name, sam.email) == ("Samantha Hill", "sh@example.org")
    event = AuditEvent.objects.get(action="volunteer.changed")
    assert event.before == {"volunteer_name": "Sam Hill"}
    assert event.after == {"volunteer_name": "Samantha Hill", "contact_details": "Email address changed"}
    # Nothing changed: nothing saved, nothing recorded.
    assert not volunteers.edit_volunteer(acting_user=cast.clerk_a, volunteer=sam, changes={"name": sam.name})
    assert AuditEvent.objects.filter(action="volunteer.changed").count() == 1


def test_training_expires_by_the_course_unless_the_certificate_says(cast, sam):
    record = volunteers.record_training(
        acting_user=cast.clerk_a, volunteer=sam, course=strimmer(), completed_on=datetime.date(2025, 1, 15)
    )
    assert record.expires_on == datetime.date(2028, 1, 15)  # the course lasts 36 months
    pesticides = TrainingCourse.objects.get(name="Safe use of pesticides (PA1 and PA6)")
    forever = volunteers.record_training(
        acting_user=cast.clerk_a, volunteer=sam, course=pesticides, completed_on=days(-3)
    )
    assert forever.expires_on is None
    given = volunteers.record_training(
        acting_user=cast.clerk_a,
        volunteer=sam,
        course=strimmer(),
        completed_on=days(-3),
        expires_on=days(300),
        provider="Eden Training",
    )
    assert given.expires_on == days(300)


@pytest.mark.parametrize(
    ("completed", "expires", "field", "message"),
    [
        (1, None, "completed_on", "The date the course was completed must be today or in the past"),
        (-10, -10, "expires_on", "The expiry date must be after the date the course was completed"),
        (-10, -20, "expires_on", "The expiry date must be after the date the course was completed"),
    ],
)
def test_training_dates_that_cannot_be(cast, sam, completed, expires, field, message):
    with pytest.raises(VolunteerError) as refused:
        volunteers.record_training(
            acting_user=cast.clerk_a,
            volunteer=sam,
            course=strimmer(),
            completed_on=days(completed),
            expires_on=None if expires is None else days(expires),
        )
    assert refused.value.field == field and str(refused.value).startswith(message)
    assert not TrainingRecord.objects.exists()


def test_removing_a_mistaken_record_keeps_what_it_said_in_the_history(cast, sam):
    record = volunteers.record_training(
        acting_user=cast.clerk_a, volunteer=sam, course=strimmer(), completed_on=datetime.date(2025, 1, 15)
    )
    volunteers.remove_training(acting_user=cast.clerk_a, record=record)
    assert not TrainingRecord.objects.exists()
    event = AuditEvent.objects.get(action="training.removed")
    assert event.summary == f"{STRIMMER} record of Sam Hill removed as a mistake"
    assert event.before["completed_on"] == "2025-01-15" and event.before["expires_on"] == "2028-01-15"


def test_assignment_needs_current_training_for_the_service(cast, sam, arrangement):
    volunteers.record_training(
        acting_user=cast.clerk_a,
        volunteer=sam,
        course=strimmer(),
        completed_on=days(-1200),
        expires_on=days(-1),
    )
    with pytest.raises(VolunteerError) as refused:
        volunteers.assign(acting_user=cast.clerk_a, volunteer=sam, arrangement=arrangement)
    assert refused.value.field == "arrangement"
    assert str(refused.value) == (
        f"Sam Hill does not hold current training for urban grass cutting on that date: {STRIMMER}"
    )
    assert not Assignment.objects.exists()
    volunteers.record_training(acting_user=cast.clerk_a, volunteer=sam, course=strimmer(), completed_on=TODAY)
    volunteers.assign(acting_user=cast.clerk_a, volunteer=sam, arrangement=arrangement)
    assert Assignment.objects.get().arrangement == arrangement
    # Once only while current.
    with pytest.raises(VolunteerError):
        volunteers.assign(acting_user=cast.clerk_a, volunteer=sam, arrangement=arrangement)


def test_an_arrangement_of_another_council_or_ended_is_refused(cast, sam, arrangement, catalogue):
    volunteer_of_c = Volunteer.objects.create(council=cast.council_c, name="Cal", joined_on=days(-5))
    with pytest.raises(VolunteerError):
        volunteers.assign(acting_user=cast.clerk_c, volunteer=volunteer_of_c, arrangement=arrangement)
    ended = Arrangement.objects.create(
        cluster=cast.cluster,
        number=2,
        service=catalogue.get(name="Litter picking"),
        lead_council=cast.council_a,
        status=Arrangement.Status.ENDED,
        delivery_model=Arrangement.DeliveryModel.VOLUNTEERS,
        legal_basis=Arrangement.LegalBasis.GENERAL_POWER,
        specification="Litter picks",
        season_starts=1,
        season_ends=12,
        starts_on=days(-400),
        review_on=days(100),
        charging=Arrangement.Charging.FIXED,
    )
    assert ended not in volunteers.assignable_arrangements(sam)
    with pytest.raises(VolunteerError):
        volunteers.assign(acting_user=cast.clerk_a, volunteer=sam, arrangement=ended)
    assert not Assignment.objects.exists()


def test_council_b_volunteers_may_help_the_arrangement_that_serves_b(cast, arrangement, catalogue):
    volunteer = Volunteer.objects.create(council=cast.council_b, name="Bea", joined_on=days(-5))
    assert list(volunteers.assignable_arrangements(volunteer)) == [arrangement]


def test_leaving_ends_assignments_and_keeps_the_delivery_records_name(cast, sam, arrangement):
    volunteers.record_training(
        acting_user=cast.clerk_a, volunteer=sam, course=strimmer(), completed_on=days(-30)
    )
    volunteers.assign(acting_user=cast.clerk_a, volunteer=sam, arrangement=arrangement)
    delivery = Delivery.objects.create(
        arrangement=arrangement,
        council=cast.council_b,
        done_on=TODAY,
        quantity=Decimal("1"),
        volunteer=sam,
        done_by=sam.name,
        recorded_by=cast.clerk_a,
    )
    assert volunteers.leave_register(acting_user=cast.clerk_a, volunteer=sam, left_on=TODAY) == 1
    sam.refresh_from_db()
    assert sam.left_on == TODAY
    assert Assignment.objects.get().ended_on == TODAY
    delivery.refresh_from_db()
    assert delivery.volunteer.name == "Sam Hill"
    event = AuditEvent.objects.get(action="volunteer.left")
    assert event.after["assignments_ended"] == ["Urban grass cutting, Eden Valley (arrangement 1)"]
    # Gone from the register's current list, in its list of those who left.
    assert list(volunteers.register(cast.council_a)) == []
    assert list(volunteers.register(cast.council_a, show=volunteers.SHOW_LEFT)) == [sam]
    # Once left, never assigned again.
    with pytest.raises(VolunteerError) as refused:
        volunteers.assign(acting_user=cast.clerk_a, volunteer=sam, arrangement=arrangement)
    assert "left the register" in str(refused.value)


@pytest.mark.parametrize(
    ("left", "message"),
    [
        (1, "The date they left must be today or in the past"),
        (-500, "The date they left must be on or after the date they joined"),
    ],
)
def test_leaving_dates_that_cannot_be(cast, sam, left, message):
    with pytest.raises(VolunteerError) as refused:
        volunteers.leave_register(acting_user=cast.clerk_a, volunteer=sam, left_on=days(left))
    assert str(refused.value).startswith(message)
    sam.refresh_from_db()
    assert sam.left_on is None


def test_leaving_before_a_current_assignment_began_is_refused(cast, sam, arrangement):
    volunteers.record_training(
        acting_user=cast.clerk_a, volunteer=sam, course=strimmer(), completed_on=days(-30)
    )
    volunteers.assign(acting_user=cast.clerk_a, volunteer=sam, arrangement=arrangement)
    with pytest.raises(VolunteerError) as refused:
        volunteers.leave_register(acting_user=cast.clerk_a, volunteer=sam, left_on=days(-1))
    assert "when they were assigned to Urban grass cutting" in str(refused.value)
    assert Assignment.objects.get().ended_on is None


def test_the_council_history_reads_in_words(cast, client_for, sam, arrangement):
    volunteers.record_training(
        acting_user=cast.clerk_a, volunteer=sam, course=strimmer(), completed_on=datetime.date(2025, 1, 15)
    )
    volunteers.assign(acting_user=cast.clerk_a, volunteer=sam, arrangement=arrangement)
    volunteers.leave_register(acting_user=cast.clerk_a, volunteer=sam, left_on=TODAY)
    page = client_for(cast.clerk_a).get(reverse("parishes:council_history", args=[cast.council_a.pk]))
    html = page.content.decode()
    for words in (
        "Sam Hill joined the volunteer register",
        f"{STRIMMER} recorded for Sam Hill",
        "Sam Hill assigned to Urban grass cutting, Eden Valley (arrangement 1)",
        "Sam Hill left the volunteer register",
        "15 January 2028",  # the expiry, as a date people write
        "Contact details",
        '<option value="volunteers">Volunteers</option>',
    ):
        assert words in html, words
    assert "training.recorded" not in html and "expires_on" not in html
    only = client_for(cast.clerk_a).get(
        reverse("parishes:council_history", args=[cast.council_a.pk]), {"kind": "volunteers"}
    )
    assert only.context["page_obj"].paginator.count == 4
