"""The volunteer register's pages: who sees and changes them, the forms' refusals, the CSV, the
co-ordinator's page of an arrangement's volunteers, the council page's panel, and query counts.

The rule of this part: a council's volunteer register is personal data, seen only by the council's
own people (a role in it). The area's officers and administrators, who see every council of the
area, get 404 for it as if it did not exist; so does every other council, in the cluster or not.
The clerk (who acts for the council) changes it; its councillors and RFO read it (403 on change).
An arrangement's co-ordinator sees the volunteers assigned to that arrangement, not the register."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from services import volunteers
from services.models import Assignment, TrainingCourse, TrainingRecord, Volunteer

TODAY = timezone.localdate()
STRIMMER = "Strimmer and brushcutter use"


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def trained(volunteer, *, completed=-30, expires=900, course=STRIMMER):
    return TrainingRecord.objects.create(
        volunteer=volunteer,
        course=TrainingCourse.objects.get(name=course),
        completed_on=days(completed),
        expires_on=days(expires),
    )


@pytest.fixture
def sam(cast):
    volunteer = Volunteer.objects.create(
        council=cast.council_a,
        name="Sam Hill",
        email="sam@example.org",
        phone="01632 960001",
        skills="Strimmer",
        joined_on=days(-400),
    )
    trained(volunteer)
    return volunteer


@pytest.fixture
def assigned(cast, sam, arrangement):
    return Assignment.objects.create(volunteer=sam, arrangement=arrangement, assigned_on=days(-10))


def url(name, cast, volunteer=None, **more):
    args = [cast.council_a.pk] + ([volunteer.pk] if volunteer else []) + list(more.values())
    return reverse(f"services:{name}", args=args)


def change_pages(cast, volunteer, record, assignment):
    return [
        url("volunteer_new", cast),
        url("volunteer_edit", cast, volunteer),
        url("volunteer_leave", cast, volunteer),
        url("training_new", cast, volunteer),
        url("training_remove", cast, volunteer, record=record.pk),
        url("volunteer_assign", cast, volunteer),
        url("assignment_end", cast, volunteer, assignment=assignment.pk),
    ]


def read_pages(cast, volunteer):
    return [url("volunteers", cast), url("volunteers_csv", cast), url("volunteer", cast, volunteer)]


def test_role_matrix(cast, client, sam, assigned):
    record = sam.training.get()
    changes = change_pages(cast, sam, record, assigned)
    reads = read_pages(cast, sam)
    # The clerk of council A reads and changes.
    client.force_login(cast.clerk_a)
    for page in reads + changes:
        assert client.get(page).status_code == 200, page
    # Its councillor and RFO read, and may change nothing (403, nothing written).
    for reader in (cast.councillor_a, cast.rfo_a, cast.secretary):
        client.force_login(reader)
        for page in reads:
            assert client.get(page).status_code == 200, page
        for page in changes:
            assert client.get(page).status_code == 403, page
            assert client.post(page, {"name": "X", "left_on": TODAY.isoformat()}).status_code == 403, page
    # The register is personal data: the area's officer and administrator get 404, as do the clerk
    # of the other council of the cluster (B), of a council of another cluster (C), and of area South.
    for outsider in (cast.officer, cast.admin, cast.clerk_b, cast.chair, cast.clerk_c, cast.clerk_d):
        client.force_login(outsider)
        for page in reads + changes:
            assert client.get(page).status_code == 404, (outsider, page)
            assert client.post(page, {"name": "X"}).status_code == 404, (outsider, page)
    sam.refresh_from_db()
    assert sam.left_on is None and sam.name == "Sam Hill" and Volunteer.objects.count() == 1
    assert TrainingRecord.objects.count() == 1 and Assignment.objects.get().ended_on is None


def test_another_councils_volunteer_is_not_found_under_this_council(cast, client_for, sam):
    bea = Volunteer.objects.create(council=cast.council_b, name="Bea", joined_on=days(-5))
    client = client_for(cast.clerk_a)
    assert client.get(reverse("services:volunteer", args=[cast.council_a.pk, bea.pk])).status_code == 404
    assert client.get(reverse("services:volunteer_edit", args=[cast.council_a.pk, bea.pk])).status_code == 404


def test_the_register_shows_training_and_what_they_help_with(cast, client_for, sam, assigned):
    trained(sam, course="Emergency first aid", completed=-1200, expires=-3)
    trained(sam, course="Manual handling", completed=-1000, expires=20)
    page = client_for(cast.councillor_a).get(url("volunteers", cast))
    html = page.content.decode()
    assert "Sam Hill" in html and "Urban grass cutting" in html and "Eden Valley" in html
    assert '<strong class="govuk-tag govuk-tag--red">Expired</strong>' in html
    assert '<strong class="govuk-tag govuk-tag--yellow">Expires soon</strong>' in html
    assert '<strong class="govuk-tag govuk-tag--green">Current</strong>' in html
    # A reader is offered no change.
    assert "Add a volunteer" not in html


def test_the_filters_and_the_empty_register(cast, client_for, sam):
    client = client_for(cast.clerk_a)
    Volunteer.objects.create(council=cast.council_a, name="Lee Gone", joined_on=days(-50), left_on=days(-1))
    expiring = Volunteer.objects.create(council=cast.council_a, name="Pat Soon", joined_on=days(-50))
    trained(expiring, completed=-1000, expires=10)

    def names(**query):
        return [v.name for v in client.get(url("volunteers", cast), query).context["page_obj"]]

    assert names() == ["Pat Soon", "Sam Hill"]
    assert names(show="left") == ["Lee Gone"]
    assert names(show="all") == ["Lee Gone", "Pat Soon", "Sam Hill"]
    assert names(training="expiring") == ["Pat Soon"]
    assert names(training="expired") == []
    assert (
        "No volunteer matches these filters"
        in client.get(url("volunteers", cast), {"training": "expired"}).content.decode()
    )
    # A value not offered: the message by the field, the unfiltered register, never a 500.
    refused = client.get(url("volunteers", cast), {"show": "everybody", "training": "x"})
    assert refused.status_code == 200 and "Select who to show from the list" in refused.content.decode()
    Volunteer.objects.all().delete()
    TrainingRecord.objects.all().delete()
    empty = client.get(url("volunteers", cast)).content.decode()
    assert "Ashby has no volunteers on its register yet" in empty and "Add a volunteer" in empty


def test_the_csv_lists_the_register_safely(cast, client_for, sam, assigned):
    Volunteer.objects.create(council=cast.council_a, name="Eve", skills="=HYPERLINK(1)", joined_on=days(-3))
    response = client_for(cast.rfo_a).get(url("volunteers_csv", cast))
    body = b"".join(response.streaming_content).decode()
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0] == "Name,Email,Phone,Skills,Joined,Left,Arrangements,Training"
    assert lines[1].startswith("Eve,,,'=HYPERLINK(1)")
    assert lines[2].startswith("Sam Hill,sam@example.org,01632 960001,Strimmer")
    assert "Urban grass cutting, Eden Valley (arrangement 1)" in lines[2]
    assert f"{STRIMMER}: Current (expires {days(900).isoformat()})" in lines[2]


def test_adding_and_changing_a_volunteer(cast, client_for):
    client = client_for(cast.clerk_a)
    response = client.post(
        url("volunteer_new", cast),
        {
            "name": "Jo Bell",
            "email": "jo@example.org",
            "phone": "+44 7700 900982",
            "skills": "First aider",
            "joined_on": TODAY.isoformat(),
        },
    )
    jo = Volunteer.objects.get()
    assert response.status_code == 302 and response.url == url("volunteer", cast, jo)
    assert (jo.council, jo.email, jo.phone) == (cast.council_a, "jo@example.org", "+44 7700 900982")
    response = client.post(
        url("volunteer_edit", cast, jo),
        {"name": "Jo Bell-Smith", "email": "", "phone": "", "skills": "", "joined_on": days(-3).isoformat()},
    )
    assert response.status_code == 302
    jo.refresh_from_db()
    assert (jo.name, jo.email, jo.joined_on) == ("Jo Bell-Smith", "", days(-3))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter an email address in the correct format, like name@example.com"),
        ("phone", "call me", "Enter a phone number, like 01632 960 001 or +44 7700 900 982"),
        ("name", "", "Enter the volunteer&#x27;s name"),
        ("name", "Jo 2", "The name can only contain letters, spaces, hyphens, apostrophes and full stops"),
        (
            "joined_on",
            (TODAY + datetime.timedelta(days=1)).isoformat(),
            "The date they joined must be today or in the past",
        ),
        ("skills", "a\x1b[31mb", "Enter the skills on one line, without control characters"),
    ],
)
def test_a_volunteer_form_refuses_bad_input(cast, client_for, field, value, message):
    body = {
        "name": "Jo Bell",
        "email": "jo@example.org",
        "phone": "",
        "skills": "",
        "joined_on": TODAY.isoformat(),
    }
    response = client_for(cast.clerk_a).post(url("volunteer_new", cast), {**body, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors[field]
    assert not Volunteer.objects.exists()


def test_recording_training_and_its_refusals(cast, client_for, sam):
    client = client_for(cast.clerk_a)
    course = TrainingCourse.objects.get(name="Emergency first aid")
    page = url("training_new", cast, sam)
    body = {
        "course": course.pk,
        "completed_on": days(-5).isoformat(),
        "expires_on": "",
        "provider": "St John",
    }

    future = client.post(page, {**body, "completed_on": days(1).isoformat()})
    assert "The date the course was completed must be today or in the past" in future.content.decode()
    assert future.context["form"].errors["completed_on"]
    before = client.post(page, {**body, "expires_on": days(-6).isoformat()})
    assert "The expiry date must be after the date the course was completed" in before.content.decode()
    assert before.context["form"].errors["expires_on"]
    assert TrainingRecord.objects.filter(course=course).count() == 0

    assert client.post(page, body).status_code == 302
    record = TrainingRecord.objects.get(course=course)
    assert record.expires_on == days(-5).replace(year=days(-5).year + 3)  # the course lasts 36 months
    assert record.recorded_by == cast.clerk_a and record.provider == "St John"


def test_removing_a_training_record_asks_first(cast, client_for, sam):
    record = sam.training.get()
    client = client_for(cast.clerk_a)
    page = url("training_remove", cast, sam, record=record.pk)
    confirm = client.get(page).content.decode()
    assert "Are you sure you want to remove this training record?" in confirm and "Cancel" in confirm
    assert TrainingRecord.objects.filter(pk=record.pk).exists()
    assert client.post(page).status_code == 302
    assert not TrainingRecord.objects.filter(pk=record.pk).exists()


def test_assignment_refused_with_expired_training(cast, client_for, sam, arrangement):
    TrainingRecord.objects.filter(volunteer=sam).update(completed_on=days(-1200), expires_on=days(-1))
    client = client_for(cast.clerk_a)
    page = url("volunteer_assign", cast, sam)
    form = client.get(page)
    assert "Urban grass cutting, Eden Valley (arrangement 1)" in form.content.decode()
    refused = client.post(page, {"arrangement": arrangement.pk})
    assert refused.status_code == 200
    assert refused.context["form"].errors["arrangement"] == [
        f"Sam Hill does not hold current training for urban grass cutting on that date: {STRIMMER}"
    ]
    assert not Assignment.objects.exists()
    # An arrangement not offered (of another cluster, or made up) is refused too.
    assert client.post(page, {"arrangement": 999999}).context["form"].errors["arrangement"]
    trained(sam, completed=-1)
    assert client.post(page, {"arrangement": arrangement.pk}).status_code == 302
    assert Assignment.objects.get().assigned_by == cast.clerk_a


def test_leaving_asks_first_and_ends_assignments(cast, client_for, sam, assigned):
    client = client_for(cast.clerk_a)
    page = url("volunteer_leave", cast, sam)
    confirm = client.get(page).content.decode()
    assert "Are you sure Sam Hill has left the register?" in confirm and "Cancel" in confirm
    assert "Urban grass cutting" in confirm
    refused = client.post(page, {"left_on": days(-20).isoformat()})
    assert "when they were assigned to" in refused.content.decode()
    assert client.post(page, {"left_on": TODAY.isoformat()}).status_code == 302
    sam.refresh_from_db()
    assert sam.left_on == TODAY and Assignment.objects.get().ended_on == TODAY
    detail = client.get(url("volunteer", cast, sam)).content.decode()
    assert "left the register on" in detail and "Assign to an arrangement" not in detail


def test_ending_an_assignment(cast, client_for, sam, assigned):
    client = client_for(cast.clerk_a)
    page = url("assignment_end", cast, sam, assignment=assigned.pk)
    assert "Cancel" in client.get(page).content.decode()
    assert client.post(page).status_code == 302
    assert Assignment.objects.get().ended_on == TODAY
    # An ended assignment cannot be ended again.
    assert client.post(page).status_code == 404


def test_the_coordinator_sees_only_their_arrangements_volunteers(cast, client, sam, assigned, arrangement):
    """The chair (a councillor of B) co-ordinates the arrangement that A leads: they see A's volunteers
    assigned to it (name, contact, training), not A's register nor A's other volunteers."""
    arrangement.coordinator = cast.chair
    arrangement.save()
    Volunteer.objects.create(council=cast.council_a, name="Not Assigned", joined_on=days(-5))
    ended = Volunteer.objects.create(council=cast.council_a, name="Was Assigned", joined_on=days(-50))
    Assignment.objects.create(
        volunteer=ended, arrangement=arrangement, assigned_on=days(-40), ended_on=days(-2)
    )
    page = reverse("services:arrangement_volunteers", args=[cast.cluster.slug, arrangement.number])

    client.force_login(cast.chair)
    html = client.get(page).content.decode()
    assert "Sam Hill" in html and "sam@example.org" in html and "01632 960001" in html and STRIMMER in html
    assert "Not Assigned" not in html and "Was Assigned" not in html
    assert arrangement.get_absolute_url() in html  # back to the arrangement
    assert client.get(url("volunteers", cast)).status_code == 404
    assert client.get(url("volunteer", cast, sam)).status_code == 404

    # Council B's clerk sees B's volunteers on it, none of A's.
    client.force_login(cast.clerk_b)
    html = client.get(page).content.decode()
    assert "Sam Hill" not in html and "No volunteer of your council is assigned" in html
    # A's clerk sees A's.
    client.force_login(cast.clerk_a)
    assert "Sam Hill" in client.get(page).content.decode()
    # The area's officer sees the arrangement but not its volunteers: 403.
    client.force_login(cast.officer)
    assert client.get(page).status_code == 403
    # Another cluster's clerk and area South: 404.
    for outsider in (cast.clerk_c, cast.clerk_d, cast.south_officer):
        client.force_login(outsider)
        assert client.get(page).status_code == 404


def test_the_council_page_panel_is_for_the_councils_own_people(cast, client, sam):
    expiring = Volunteer.objects.create(council=cast.council_a, name="Pat Soon", joined_on=days(-50))
    trained(expiring, completed=-1000, expires=10)
    Volunteer.objects.create(council=cast.council_a, name="Lee Gone", joined_on=days(-50), left_on=days(-1))
    page = reverse("parishes:council", args=[cast.council_a.pk])
    register = url("volunteers", cast)
    for person in (cast.clerk_a, cast.councillor_a):
        client.force_login(person)
        html = client.get(page).content.decode()
        assert "2 volunteers on the register" in html
        assert "1 with training expiring within 60 days" in html
        assert register in html
    # The area's people see the council page, and nothing of its volunteers.
    for person in (cast.officer, cast.admin):
        client.force_login(person)
        html = client.get(page).content.decode()
        assert client.get(page).status_code == 200
        assert register not in html and "volunteers on the register" not in html


def grow(cast, arrangement, n):
    """n more volunteers, each with two training records and an assignment."""
    start = Volunteer.objects.count()
    people = Volunteer.objects.bulk_create(
        Volunteer(council=cast.council_a, name=f"Volunteer {start + i:03d}", joined_on=days(-100))
        for i in range(n)
    )
    courses = list(TrainingCourse.objects.all()[:2])
    TrainingRecord.objects.bulk_create(
        TrainingRecord(volunteer=v, course=c, completed_on=days(-300), expires_on=days(i * 10 - 10))
        for i, v in enumerate(people)
        for c in courses
    )
    Assignment.objects.bulk_create(
        Assignment(volunteer=v, arrangement=arrangement, assigned_on=days(-5)) for v in people
    )


@pytest.mark.parametrize("page", ["volunteers", "volunteers_csv"])
def test_the_register_reads_the_same_number_of_queries_at_two_sizes(cast, client_for, arrangement, page):
    client = client_for(cast.clerk_a)

    def count(**query):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url(page, cast), query)
            if response.streaming:
                b"".join(response.streaming_content)
            assert response.status_code == 200
        return len(captured)

    grow(cast, arrangement, 3)
    count()  # the session's first request reads more (the person, their session)
    small = count(), count(training="expiring")
    grow(cast, arrangement, 40)
    assert (count(), count(training="expiring")) == small
    assert small[0] <= 12


def test_the_coordinators_page_reads_the_same_number_of_queries_at_two_sizes(cast, client_for, arrangement):
    arrangement.coordinator = cast.clerk_a
    arrangement.save()
    client = client_for(cast.clerk_a)
    page = reverse("services:arrangement_volunteers", args=[cast.cluster.slug, arrangement.number])

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page).status_code == 200
        return len(captured)

    grow(cast, arrangement, 3)
    count()  # the session's first request reads more (the person, their session)
    small = count()
    grow(cast, arrangement, 40)
    assert count() == small


def test_volunteers_helper_is_not_confused_by_left_volunteers_in_the_panel(cast):
    Volunteer.objects.create(council=cast.council_a, name="Lee Gone", joined_on=days(-50), left_on=days(-1))
    assert volunteers.register_counts(cast.council_a) == {"volunteers": 0, "expiring": 0, "expired": 0}
