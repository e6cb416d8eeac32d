"""Services' reminders in the daily scan: arrangement reviews, training about to expire, arrangements
behind the season's pace and requests waiting for the officers; who gets each, that a rerun writes
nothing, and how the digest lists them (under the cluster, or the council or area they belong to)."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clusters import reminders as scan
from clusters.models import Reminder
from services import reminders
from services.models import (
    Arrangement,
    Assignment,
    Delivery,
    IndividualRequest,
    Service,
    TrainingCourse,
    TrainingRecord,
    Volunteer,
)
from services.seasons import season_of
from services.training import EXPIRING_SOON_DAYS, Standing, standing

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
# A day well into the arrangement's season (March to October), by when six cuts are due at pace.
IN_SEASON = datetime.date(TODAY.year, 9, 1)
STRIMMER = "Strimmer and brushcutter use"


def reminded(**filters) -> set[tuple[str, str]]:
    """(recipient's email, kind) of every reminder recorded."""
    return {
        (r.user.email, r.key.split(":")[0]) for r in Reminder.objects.filter(**filters).select_related("user")
    }


def volunteer(council, name="Sam Green", course=STRIMMER, expires_on=TODAY + 10 * DAY, arrangement=None):
    person = Volunteer.objects.create(council=council, name=name, joined_on=TODAY - 400 * DAY)
    if course:
        TrainingRecord.objects.create(
            volunteer=person,
            course=TrainingCourse.objects.get(name=course),
            completed_on=TODAY - 700 * DAY,
            expires_on=expires_on,
        )
    if arrangement:
        Assignment.objects.create(volunteer=person, arrangement=arrangement, assigned_on=TODAY - 300 * DAY)
    return person


def request(cast, grass_cutting, days_ago=reminders.REQUEST_WAIT_DAYS, council=None, **fields):
    council = council or cast.council_c
    return IndividualRequest.objects.create(
        area=council.area,
        council=council,
        service=grass_cutting,
        capacity="Two staff",
        equipment="A mower",
        insurance="Public liability",
        annual_cost=Decimal("900.00"),
        starts_on=TODAY + 60 * DAY,
        submitted_at=timezone.now() - days_ago * DAY,
        submitted_by=cast.clerk_c,
        **fields,
    )


# Arrangement reviews


def test_an_arrangement_due_for_review_reminds_the_people_acting_for_its_lead(cast, arrangement):
    arrangement.review_on = TODAY - 3 * DAY
    arrangement.save()

    assert reminders.record_reviews(TODAY) == 1

    reminder = Reminder.objects.get()
    assert (reminder.user, reminder.cluster_id, reminder.heading) == (cast.clerk_a, cast.cluster.pk, "")
    assert reminder.key == f"arrangement_review:{arrangement.pk}:{arrangement.review_on}:{cast.clerk_a.pk}"
    assert reminder.subject == "Review the arrangement “Urban grass cutting” led by Ashby"
    assert reminder.path == f"/clusters/{cast.cluster.slug}/services/1/"
    assert reminder.due_on == arrangement.review_on


def test_no_review_reminder_before_the_date_or_once_ended(cast, arrangement):
    arrangement.review_on = TODAY + DAY
    arrangement.save()
    assert reminders.record_reviews(TODAY) == 0

    arrangement.review_on = TODAY
    arrangement.status = Arrangement.Status.ENDED
    arrangement.save()
    assert reminders.record_reviews(TODAY) == 0
    assert not Reminder.objects.exists()


# Training


def test_training_about_to_expire_reminds_the_volunteers_council_and_the_coordinator(cast, arrangement):
    arrangement.coordinator = cast.councillor_a
    arrangement.save()
    sam = volunteer(cast.council_b, arrangement=arrangement)

    assert reminders.record_training(TODAY) == 2

    assert reminded() == {("clerk.b@example.org", "training"), ("councillor.a@example.org", "training")}
    record = TrainingRecord.objects.get(volunteer=sam)
    for reminder in Reminder.objects.all():
        assert reminder.key == f"training:{record.pk}:{record.expires_on}:{reminder.user_id}"
        assert (reminder.cluster_id, reminder.heading) == (None, "Brampton")
        assert reminder.subject == "Renew Sam Green’s training: Strimmer and brushcutter use"
        assert reminder.path == f"/councils/{cast.council_b.pk}/volunteers/{sam.pk}/"
        assert reminder.due_on == record.expires_on


def test_training_marked_expiring_on_the_register_is_the_training_reminded(cast, arrangement):
    """One "expiring soon" for the register and the digest: the last day the register marks is the
    last day the clerk is reminded of, and the day after is neither."""
    last = TODAY + EXPIRING_SOON_DAYS * DAY
    sam = volunteer(cast.council_b, expires_on=last, arrangement=arrangement)
    assert standing(last, TODAY) == Standing.EXPIRING
    assert list(reminders.training_due(TODAY)) == list(sam.training.all())

    sam.training.update(expires_on=last + DAY)
    assert standing(last + DAY, TODAY) == Standing.CURRENT
    assert not reminders.training_due(TODAY).exists()


@pytest.mark.parametrize(
    "case",
    ["expires later", "not assigned", "assignment ended", "left", "renewed", "does not expire", "ended"],
)
def test_training_that_needs_no_reminder(cast, arrangement, case):
    sam = volunteer(
        cast.council_b,
        expires_on={
            "expires later": TODAY + (EXPIRING_SOON_DAYS + 1) * DAY,
            "does not expire": None,
        }.get(case, TODAY),
        arrangement=None if case == "not assigned" else arrangement,
    )
    if case == "assignment ended":
        Assignment.objects.update(ended_on=TODAY)
    if case == "left":
        Volunteer.objects.filter(pk=sam.pk).update(left_on=TODAY)
    if case == "renewed":
        TrainingRecord.objects.create(
            volunteer=sam,
            course=TrainingCourse.objects.get(name=STRIMMER),
            completed_on=TODAY,
            expires_on=TODAY + 1000 * DAY,
        )
    if case == "ended":
        Arrangement.objects.update(status=Arrangement.Status.ENDED)

    assert reminders.record_training(TODAY) == 0
    assert not Reminder.objects.exists()


def test_expired_training_is_reminded_too_and_any_course(cast, arrangement):
    """First aid, which grass cutting does not require, matters to the volunteer's clerk all the same."""
    volunteer(
        cast.council_b, course="Emergency first aid", expires_on=TODAY - 5 * DAY, arrangement=arrangement
    )
    assert reminders.record_training(TODAY) == 1
    assert reminded() == {("clerk.b@example.org", "training")}


# Behind the season's pace


def test_an_arrangement_behind_reminds_the_lead_once_a_season(cast, arrangement):
    assert reminders.record_behind(IN_SEASON) == 1

    reminder = Reminder.objects.get()
    season_end = datetime.date(TODAY.year, 10, 31)
    assert reminder.user == cast.clerk_a
    assert reminder.key == f"arrangement_behind:{arrangement.pk}:{season_end}:{cast.clerk_a.pk}"
    assert reminder.subject == "“Urban grass cutting” led by Ashby is behind the season’s pace"
    assert reminder.due_on == season_end
    assert reminder.cluster_id == cast.cluster.pk

    # Still behind a week later: the same season's reminder, not a new one.
    reminders.record_behind(IN_SEASON + 7 * DAY)
    assert Reminder.objects.count() == 1


def test_an_arrangement_keeping_pace_is_not_reminded(cast, arrangement):
    Delivery.objects.create(
        arrangement=arrangement,
        council=cast.council_b,
        done_on=IN_SEASON - 10 * DAY,
        quantity=Decimal("5"),
        recorded_by=cast.clerk_a,
    )
    assert reminders.record_behind(IN_SEASON) == 0
    assert not Reminder.objects.exists()


# Requests waiting for the officers


def test_a_request_waiting_two_weeks_reminds_the_areas_officers_and_administrators(cast, grass_cutting):
    waiting = request(cast, grass_cutting)
    request(cast, grass_cutting, days_ago=reminders.REQUEST_WAIT_DAYS - 1)
    request(cast, grass_cutting, status=IndividualRequest.Status.APPROVED)

    assert reminders.record_requests(TODAY) == 2

    assert reminded() == {("officer@north.example.org", "request"), ("admin@north.example.org", "request")}
    due_on = timezone.localdate(waiting.submitted_at) + reminders.REQUEST_WAIT_DAYS * DAY
    for reminder in Reminder.objects.all():
        assert reminder.key == f"request:{waiting.pk}:{due_on}:{reminder.user_id}"
        assert (reminder.cluster_id, reminder.heading, reminder.due_on) == (None, "North", due_on)
        assert reminder.subject == "Decide Brampton’s request to deliver urban grass cutting"
        assert reminder.path == f"/service-requests/{waiting.pk}/"


# Together, in the daily scan


def keep_pace(cast, arrangement):
    """The season's six cuts done on its first day: never behind, whatever day the suite runs."""
    Delivery.objects.create(
        arrangement=arrangement,
        council=cast.council_b,
        done_on=season_of(TODAY, 3, 10).starts_on,
        quantity=Decimal("6"),
        recorded_by=cast.clerk_a,
    )


def _everything_due(cast, arrangement, grass_cutting):
    Arrangement.objects.filter(pk=arrangement.pk).update(review_on=TODAY - DAY)
    keep_pace(cast, arrangement)
    volunteer(cast.council_b, arrangement=arrangement)
    request(cast, grass_cutting)


def test_nobody_outside_is_reminded_and_a_rerun_writes_nothing(cast, arrangement, grass_cutting):
    _everything_due(cast, arrangement, grass_cutting)
    request(cast, Service.objects.get(area=cast.south, name="Urban grass cutting"), council=cast.council_d)

    due = scan.record_due(TODAY)
    recorded = set(Reminder.objects.values_list("pk", "key"))

    assert {email for email, _ in reminded()} == {
        "clerk.a@example.org",
        "clerk.b@example.org",
        "officer@north.example.org",
        "admin@north.example.org",
        "officer@south.example.org",
        "admin@south.example.org",
    }
    assert reminded(user__email__endswith="south.example.org", key__startswith="request") == {
        ("officer@south.example.org", "request"),
        ("admin@south.example.org", "request"),
    }
    assert not Reminder.objects.filter(user__in=[cast.clerk_c, cast.clerk_d, cast.chair]).exists()
    assert scan.record_due(TODAY) == due
    assert set(Reminder.objects.values_list("pk", "key")) == recorded


def test_the_digest_lists_each_reminder_under_its_cluster_council_or_area(cast, arrangement, grass_cutting):
    _everything_due(cast, arrangement, grass_cutting)
    outcome = scan.run(TODAY)
    assert outcome.failed == 0

    by_person = {message.to[0]: message.body for message in mail.outbox}
    assert (
        "\nEden Valley\n\n- Review the arrangement “Urban grass cutting” led by Ashby, due "
        in by_person["clerk.a@example.org"]
    )
    assert (
        "\nBrampton\n\n- Renew Sam Green’s training: Strimmer and brushcutter use, due "
        in by_person["clerk.b@example.org"]
    )
    officer = by_person["officer@north.example.org"]
    assert "\nNorth\n\n- Decide Brampton’s request to deliver urban grass cutting, due " in officer
    assert "/service-requests/" in officer
    # One digest a person a day: a second run sends nothing more.
    sent = len(mail.outbox)
    scan.run(TODAY)
    assert len(mail.outbox) == sent


def test_a_digest_with_a_cluster_and_a_council_lists_both(cast, arrangement):
    """The lead's clerk who is also the volunteer's council's clerk: two headings in one digest."""
    Arrangement.objects.filter(pk=arrangement.pk).update(review_on=TODAY - DAY)
    keep_pace(cast, arrangement)
    volunteer(cast.council_a, arrangement=arrangement)
    scan.run(TODAY)

    (message,) = [m for m in mail.outbox if m.to == ["clerk.a@example.org"]]
    assert "\nAshby\n\n- Renew Sam Green’s training" in message.body
    assert "\nEden Valley\n\n- Review the arrangement" in message.body


def test_each_kind_takes_the_same_queries_for_a_few_items_as_for_many(cast, arrangement, grass_cutting):
    counts = []
    for size in (3, 30):
        Reminder.objects.all().delete()
        for n in range(size):
            more = Arrangement.objects.create(
                **{
                    field.name: getattr(arrangement, field.name)
                    for field in Arrangement._meta.concrete_fields
                    if field.name not in ("id", "number")
                },
                number=100 * size + n,
            )
            more.served.create(council=cast.council_b, agreed_quantity=Decimal("6"))
            Arrangement.objects.filter(pk=more.pk).update(review_on=TODAY - DAY)
            volunteer(cast.council_b, name=f"Volunteer {n}", arrangement=more)
            request(cast, grass_cutting)
        with CaptureQueriesContext(connection) as captured:
            for kind in reminders.KINDS:
                kind(IN_SEASON if kind is reminders.record_behind else TODAY)
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
    # Of the 33 arrangements added: a review and a volunteer's training each, the lead's clerk told
    # each is behind (the fixture's too), and two officers told of each of the 33 requests.
    assert Reminder.objects.count() == 33 + 33 + 34 + 2 * 33


def test_a_reminder_whose_cluster_is_gone_is_not_listed(cast, arrangement):
    """A cluster deleted while the scan recorded leaves its reminders matching no cluster (the key
    has no constraint in the database): their missing cluster is not taken for a heading."""
    Arrangement.objects.filter(pk=arrangement.pk).update(review_on=TODAY - DAY)
    keep_pace(cast, arrangement)
    scan.record_due(TODAY)
    Reminder.objects.update(cluster_id=cast.cluster.pk + 10_000)

    scan.run(TODAY)

    assert not mail.outbox
