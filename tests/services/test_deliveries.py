"""The delivery log (issue 9 part 4): who records and reads which lines, the rules of a line with their
messages and nothing written on a refusal, photos checked by content, reversal, the log's filters,
CSV and query counts."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageFile

from clusters.models import ClusterEvent, Membership
from parishes import services as parish_services
from parishes.models import CouncilRole
from services import deliveries
from services.deliveries import DeliveryError
from services.models import Assignment, Delivery, ServedCouncil, TrainingCourse, TrainingRecord, Volunteer
from services.seasons import season_of
from tests.factories import CouncilFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
# A day of the grass-cutting season (March to October) shown as delivered against agreed: today,
# or between seasons the last day of the one just ended.
YESTERDAY = min(TODAY, season_of(TODAY, 3, 10).ends_on)


def url(name, arrangement, *args):
    return reverse(f"services:{name}", args=[arrangement.cluster.slug, arrangement.number, *args])


def png(size=(4, 3)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "green").save(out, "PNG")
    return out.getvalue()


def line(arrangement, council, quantity="1", on=YESTERDAY, **fields):
    return Delivery.objects.create(
        arrangement=arrangement, council=council, done_on=on, quantity=Decimal(quantity), **fields
    )


def body(cast, **changes):
    data = {
        "done_on": YESTERDAY.isoformat(),
        "council": str(cast.council_b.pk),
        "quantity": "1",
        "hours": "2.5",
        "done_by": "Grounds team",
        "notes": "Church green cut",
    }
    return {**data, **changes}


@pytest.fixture
def serves_a_too(cast, arrangement):
    """The lead serves itself as well, so that council B's clerk has someone else's lines not to see."""
    return ServedCouncil.objects.create(
        arrangement=arrangement, council=cast.council_a, agreed_quantity=Decimal("4")
    )


@pytest.fixture
def member_e(cast):
    """Council E: a member of the cluster that the arrangement does not serve, and its clerk."""
    council = CouncilFactory(area=cast.north, name="Eamont", gss_code="E04000105")
    Membership.objects.create(
        cluster=cast.cluster,
        council=council,
        status=Membership.Status.MEMBER,
        joined_on=datetime.date(2026, 4, 1),
    )
    clerk = UserFactory(email="clerk.e@example.org", name="Clerk E")
    parish_services.grant_council_role(
        acting_user=None, council=council, user=clerk, kind=CouncilRole.Kind.CLERK
    )
    return clerk


@pytest.fixture
def strimmer_volunteer(cast, arrangement):
    """A volunteer of council A assigned to the arrangement, whose strimmer certificate ran out last month."""
    volunteer = Volunteer.objects.create(
        council=cast.council_a, name="Sam Hill", joined_on=datetime.date(2024, 1, 1)
    )
    Assignment.objects.create(volunteer=volunteer, arrangement=arrangement)
    TrainingRecord.objects.create(
        volunteer=volunteer,
        course=TrainingCourse.objects.get(name="Strimmer and brushcutter use"),
        completed_on=YESTERDAY - datetime.timedelta(days=800),
        expires_on=YESTERDAY - datetime.timedelta(days=30),
    )
    return volunteer


# Who records and who reads


def test_the_lead_clerk_records_a_line(cast, arrangement, client_for):
    client = client_for(cast.clerk_a)
    assert client.get(url("record", arrangement)).status_code == 200

    response = client.post(url("record", arrangement), body(cast))

    assert response.status_code == 302 and response.url == url("log", arrangement)
    recorded = Delivery.objects.get()
    assert (recorded.council, recorded.done_on, recorded.quantity, recorded.hours) == (
        cast.council_b,
        YESTERDAY,
        Decimal("1"),
        Decimal("2.5"),
    )
    assert (recorded.done_by, recorded.recorded_by) == ("Grounds team", cast.clerk_a)
    event = ClusterEvent.objects.get(action="delivery.recorded")
    assert event.cluster == cast.cluster and "1 cuts for Brampton" in event.summary
    page = client.get(url("log", arrangement)).content.decode()
    assert "1 of 6 cuts done" in page and "Grounds team" in page


@pytest.mark.parametrize("who", ["clerk_b", "officer", "councillor_a", "chair"])
def test_others_may_not_record(cast, arrangement, client_for, who):
    client = client_for(getattr(cast, who))
    assert client.get(url("record", arrangement)).status_code == 403
    assert client.post(url("record", arrangement), body(cast)).status_code == 403
    assert not Delivery.objects.exists()


def test_the_served_clerk_reads_their_own_lines_only(cast, arrangement, serves_a_too, client_for):
    line(arrangement, cast.council_b, done_by="Line for B")
    line(arrangement, cast.council_a, done_by="Line for A")
    client = client_for(cast.clerk_b)

    page = client.get(url("log", arrangement)).content.decode()
    csv = b"".join(client.get(url("log_csv", arrangement)).streaming_content).decode()

    assert "Line for B" in page and "Line for A" not in page
    assert "Line for B" in csv and "Line for A" not in csv
    assert "Record work done" not in page
    # A council's filter for another council's lines is no way round it.
    filtered = client.get(url("log", arrangement), {"council": cast.council_a.pk}).content.decode()
    assert "Line for A" not in filtered


@pytest.mark.parametrize("who", ["officer", "clerk_a", "chair"])
def test_the_lead_the_chair_and_the_officer_read_every_line(cast, arrangement, serves_a_too, client_for, who):
    line(arrangement, cast.council_b, done_by="Line for B")
    line(arrangement, cast.council_a, done_by="Line for A")
    page = client_for(getattr(cast, who)).get(url("log", arrangement)).content.decode()
    assert "Line for B" in page and "Line for A" in page


def test_a_member_not_served_is_told_who_reads_the_log(cast, arrangement, member_e, client_for):
    line(arrangement, cast.council_b, done_by="Line for B", photo_type="png")
    client = client_for(member_e)

    response = client.get(url("log", arrangement))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Line for B" not in page and "not yours to read" in page
    assert client.get(url("log_csv", arrangement)).status_code == 403
    assert client.get(url("record", arrangement)).status_code == 403


@pytest.mark.parametrize("who", ["clerk_c", "clerk_d", "south_officer"])
def test_outsiders_get_404(cast, arrangement, client_for, who):
    recorded = line(arrangement, cast.council_b)
    client = client_for(getattr(cast, who))
    for name, args in [("log", ()), ("record", ()), ("log_csv", ()), ("reverse", (recorded.pk,))]:
        assert client.get(url(name, arrangement, *args)).status_code == 404
    assert client.post(url("record", arrangement), body(cast)).status_code == 404
    assert Delivery.objects.count() == 1


# Refusals: a clear message by the field, nothing written


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"done_on": (TODAY + datetime.timedelta(days=1)).isoformat()},
            "done_on",
            "must be today or in the past",
        ),
        ({"done_on": "2020-05-01"}, "done_on", "must be on or after 1 March"),
        ({"quantity": "-1"}, "quantity", "must be more than 0"),
        ({"quantity": "0"}, "quantity", "must be more than 0"),
        ({"quantity": "600"}, "quantity", "enter no more than 100 cuts"),
        ({"quantity": "1e30"}, "quantity", "enter no more than 100 cuts"),
        ({"quantity": "1.005"}, "quantity", "at most 2 decimal places"),
        ({"quantity": "NaN"}, "quantity", "Enter a number"),
        ({"quantity": "lots"}, "quantity", "Enter a number"),
        ({"hours": "25"}, "hours", "between 0 and 24"),
        ({"hours": "-1"}, "hours", "between 0 and 24"),
        ({"done_by": ""}, "done_by", "Enter who did the work"),
        ({"council": ""}, "council", "Select the council the work was done for"),
        ({"council": "999999999"}, "council", "Select a council this arrangement serves"),
    ],
)
def test_refused_with_a_message_and_nothing_written(cast, arrangement, client_for, changes, field, message):
    events = ClusterEvent.objects.count()
    response = client_for(cast.clerk_a).post(url("record", arrangement), body(cast, **changes))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Delivery.objects.exists() and ClusterEvent.objects.count() == events


def test_a_council_not_served_is_named(cast, arrangement, client_for):
    # Council C, another Brampton of the area, in another cluster.
    response = client_for(cast.clerk_a).post(
        url("record", arrangement), body(cast, council=str(cast.council_c.pk))
    )
    assert response.context["form"].errors["council"] == ["Brampton is not served by this arrangement"]
    assert not Delivery.objects.exists()


def test_a_site_of_another_council_is_refused(cast, arrangement, serves_a_too, site_b, client_for):
    response = client_for(cast.clerk_a).post(
        url("record", arrangement), body(cast, council=str(cast.council_a.pk), site=str(site_b.pk))
    )
    assert response.context["form"].errors["site"] == [
        "Church green is not one of Ashby's sites on this arrangement"
    ]
    assert not Delivery.objects.exists()


def test_a_pdf_renamed_jpg_is_refused(cast, arrangement, client_for):
    fake = SimpleUploadedFile(
        "verge.jpg", b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n", content_type="image/jpeg"
    )
    response = client_for(cast.clerk_a).post(url("record", arrangement), body(cast, photo=fake))
    assert response.context["form"].errors["photo"] == [
        "The selected file must be a photo: a JPEG, PNG or WebP image"
    ]
    assert not Delivery.objects.exists()


def test_a_truncated_png_is_refused(cast, arrangement, client_for):
    broken = SimpleUploadedFile("verge.png", png()[:40])
    response = client_for(cast.clerk_a).post(url("record", arrangement), body(cast, photo=broken))
    assert "photo" in response.context["form"].errors
    assert not Delivery.objects.exists()


def test_a_volunteer_with_expired_training_is_refused(cast, arrangement, strimmer_volunteer, client_for):
    response = client_for(cast.clerk_a).post(
        url("record", arrangement), body(cast, done_by="", volunteer=str(strimmer_volunteer.pk))
    )
    assert response.context["form"].errors["volunteer"] == [
        "Sam Hill does not hold current training for urban grass cutting on that date: "
        "Strimmer and brushcutter use"
    ]
    assert not Delivery.objects.exists()


def test_a_trained_volunteer_is_recorded_and_named_only_to_their_council(
    cast, arrangement, strimmer_volunteer, client_for
):
    TrainingRecord.objects.create(
        volunteer=strimmer_volunteer,
        course=TrainingCourse.objects.get(name="Strimmer and brushcutter use"),
        completed_on=YESTERDAY - datetime.timedelta(days=20),
        expires_on=TODAY + datetime.timedelta(days=700),
    )
    response = client_for(cast.clerk_a).post(
        url("record", arrangement), body(cast, done_by="", volunteer=str(strimmer_volunteer.pk))
    )
    assert response.status_code == 302
    assert Delivery.objects.get().volunteer == strimmer_volunteer
    assert "Sam Hill" in client_for(cast.clerk_a).get(url("log", arrangement)).content.decode()
    # Council B's clerk reads the line, but the volunteer register of council A is not theirs.
    page = client_for(cast.clerk_b).get(url("log", arrangement)).content.decode()
    assert "Sam Hill" not in page and "A volunteer" in page


def test_a_volunteer_no_longer_assigned_is_refused_by_the_service(cast, arrangement, strimmer_volunteer):
    Assignment.objects.filter(volunteer=strimmer_volunteer).update(ended_on=YESTERDAY)
    with pytest.raises(DeliveryError, match="Sam Hill is not assigned to this arrangement"):
        deliveries.record_delivery(
            acting_user=cast.clerk_a,
            arrangement=arrangement,
            council=cast.council_b,
            done_on=YESTERDAY,
            quantity=Decimal(1),
            volunteer=strimmer_volunteer,
        )


def test_the_service_asks_who_records(cast, arrangement):
    with pytest.raises(DeliveryError):
        deliveries.record_delivery(
            acting_user=cast.clerk_b,
            arrangement=arrangement,
            council=cast.council_b,
            done_on=YESTERDAY,
            quantity=Decimal(1),
            done_by="Me",
        )
    assert not Delivery.objects.exists()


def test_the_daily_limit_follows_the_unit():
    assert deliveries.day_limit("cuts") == 100
    assert deliveries.day_limit("signs") == 1000
    assert deliveries.day_limit("hours") == 240


# Photos


def test_a_photo_is_stored_under_a_generated_name_and_served_to_readers_only(
    cast, arrangement, serves_a_too, member_e, client_for
):
    photo = SimpleUploadedFile("../../my verge.php.png", png(), content_type="text/html")
    response = client_for(cast.clerk_a).post(url("record", arrangement), body(cast, photo=photo))
    assert response.status_code == 302
    recorded = Delivery.objects.get()
    assert recorded.photo_type == "png"
    assert "verge" not in recorded.photo.name and ".php" not in recorded.photo.name

    served = client_for(cast.clerk_b).get(url("delivery_photo", arrangement, recorded.pk))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == png()
    assert client_for(member_e).get(url("delivery_photo", arrangement, recorded.pk)).status_code == 404
    a_line = line(arrangement, cast.council_a, photo=recorded.photo.name, photo_type="png")
    assert client_for(cast.clerk_b).get(url("delivery_photo", arrangement, a_line.pk)).status_code == 404
    assert client_for(cast.clerk_c).get(url("delivery_photo", arrangement, recorded.pk)).status_code == 404


def jpeg_from_a_phone(size=(40, 30)) -> bytes:
    """A JPEG as a phone writes it: EXIF with where it was taken (GPS) and the phone's make, an
    orientation (6: turn a quarter clockwise to show it upright), a comment."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation
    exif.get_ifd(0x8825).update({1: "N", 2: (54.0, 28.0, 12.5), 3: "W", 4: (2.0, 21.0, 3.25)})  # GPS
    out = io.BytesIO()
    Image.new("RGB", size, "green").save(out, "JPEG", exif=exif, comment=b"Kirkby verge, 54.47N 2.35W")
    return out.getvalue()


def test_a_photo_is_stored_upright_without_its_exif_and_gps_position(cast, arrangement, client_for):
    original = jpeg_from_a_phone()
    with Image.open(io.BytesIO(original)) as sent:
        assert sent.getexif().get_ifd(0x8825)  # the test's photo does carry a position

    photo = SimpleUploadedFile("verge.jpg", original, content_type="image/jpeg")
    response = client_for(cast.clerk_a).post(url("record", arrangement), body(cast, photo=photo))

    assert response.status_code == 302
    recorded = Delivery.objects.get()
    stored = recorded.photo.read()
    assert b"Exif" not in stored and b"PhoneMaker" not in stored and b"Kirkby verge" not in stored
    with Image.open(io.BytesIO(stored)) as kept:
        assert kept.format == "JPEG" and recorded.photo_type == "jpeg"
        assert not kept.getexif() and "comment" not in kept.info
        assert kept.size == (30, 40)  # turned upright by the orientation it lost


def test_a_jpeg_cut_short_is_refused_when_decoded(cast, arrangement, monkeypatch):
    # Pillow's verify() reads a JPEG's headers only: this one passes it and fails to decode.
    # WeasyPrint, once imported, lets Pillow pad such a picture with grey (LOAD_TRUNCATED_IMAGES);
    # Pillow's default is what is tested here.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", False)
    out = io.BytesIO()
    Image.effect_noise((400, 300), 64).convert("RGB").save(out, "JPEG")
    cut = SimpleUploadedFile("verge.jpg", out.getvalue()[:20000], content_type="image/jpeg")
    with pytest.raises(DeliveryError, match="The selected photo is damaged") as refused:
        deliveries.record_delivery(
            acting_user=cast.clerk_a,
            arrangement=arrangement,
            council=cast.council_b,
            done_on=YESTERDAY,
            quantity=Decimal(1),
            done_by="Grounds team",
            photo=cut,
        )
    assert refused.value.field == "photo"
    assert not Delivery.objects.exists()


# Reversal


def test_a_line_is_reversed_then_offered_to_record_again(cast, arrangement, site_b, client_for):
    wrong = line(arrangement, cast.council_b, "2", site=site_b, hours=Decimal("3"), done_by="Grounds team")
    client = client_for(cast.clerk_a)

    confirm = client.get(url("reverse", arrangement, wrong.pk))
    assert confirm.status_code == 200 and "Cancel" in confirm.content.decode()
    assert not client.post(url("reverse", arrangement, wrong.pk), {"reason": ""}).context["form"].is_valid()
    assert Delivery.objects.count() == 1

    response = client.post(url("reverse", arrangement, wrong.pk), {"reason": "Entered twice"})

    assert response.status_code == 302
    assert response.url == url("record", arrangement) + f"?from={wrong.pk}"
    reversal = Delivery.objects.get(reverses=wrong)
    assert (reversal.quantity, reversal.hours, reversal.council, reversal.done_on, reversal.site) == (
        Decimal("-2"),
        Decimal("-3"),
        cast.council_b,
        wrong.done_on,
        site_b,
    )
    assert reversal.notes == "Entered twice"
    assert ClusterEvent.objects.filter(action="delivery.reversed").count() == 1
    # The form to record the right one starts from the reversed line.
    again = client.get(response.url)
    assert again.context["form"].initial["quantity"] == Decimal("2")
    page = client.get(url("log", arrangement)).content.decode()
    assert "Reversed" in page and "Reverses the line of" in page and "0 of 6 cuts done" in page


def test_a_line_is_reversed_once_and_a_reversal_never(cast, arrangement, client_for):
    wrong = line(arrangement, cast.council_b)
    reversal = deliveries.reverse_delivery(acting_user=cast.clerk_a, delivery=wrong, reason="Wrong day")
    client = client_for(cast.clerk_a)

    for target, message in [(wrong, "already been reversed"), (reversal, "cannot itself be reversed")]:
        page = client.get(url("reverse", arrangement, target.pk)).content.decode()
        assert message in page
        client.post(url("reverse", arrangement, target.pk), {"reason": "Again"})
    assert Delivery.objects.count() == 2
    with pytest.raises(DeliveryError, match="already been reversed"):
        deliveries.reverse_delivery(acting_user=cast.clerk_a, delivery=wrong, reason="Again")


@pytest.mark.parametrize("who", ["clerk_b", "officer"])
def test_readers_may_not_reverse(cast, arrangement, client_for, who):
    recorded = line(arrangement, cast.council_b)
    client = client_for(getattr(cast, who))
    assert client.get(url("reverse", arrangement, recorded.pk)).status_code == 403
    assert client.post(url("reverse", arrangement, recorded.pk), {"reason": "x"}).status_code == 403
    assert Delivery.objects.count() == 1


# The log's filters, CSV and pages


def test_filters_by_month_site_and_dates(cast, arrangement, site_b, client_for):
    this_month = TODAY.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    line(arrangement, cast.council_b, on=last_month, done_by="Last month")
    line(arrangement, cast.council_b, on=this_month, done_by="This month at the green", site=site_b)
    client = client_for(cast.clerk_a)

    by_month = client.get(url("log", arrangement), {"month": f"{last_month:%Y-%m}"}).content.decode()
    by_site = client.get(url("log", arrangement), {"site": site_b.pk}).content.decode()
    by_dates = client.get(
        url("log", arrangement), {"since": this_month.isoformat(), "until": TODAY.isoformat()}
    )
    csv = b"".join(client.get(url("log_csv", arrangement), {"site": site_b.pk}).streaming_content).decode()

    assert "Last month" in by_month and "This month" not in by_month
    assert "This month" in by_site and "Last month" not in by_site
    assert "This month" in by_dates.content.decode() and "Last month" not in by_dates.content.decode()
    assert "This month at the green" in csv and "Last month" not in csv
    wrong = client.get(url("log", arrangement), {"since": TODAY.isoformat(), "until": this_month.isoformat()})
    if this_month != TODAY:
        assert "The last date must be the same as or after the first date" in wrong.content.decode()
    assert client.get(url("log", arrangement), {"month": "1999-01", "site": "x"}).status_code == 200


def test_the_csv_is_safe_in_a_spreadsheet(cast, arrangement, client_for):
    line(arrangement, cast.council_b, done_by="=HYPERLINK(1)")
    response = client_for(cast.clerk_a).get(url("log_csv", arrangement))
    text = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK(1)" in text


def test_the_log_is_paginated_newest_first(cast, arrangement, client_for):
    for days in range(55):
        line(arrangement, cast.council_b, on=TODAY - datetime.timedelta(days=days), done_by=f"Line {days}")
    client = client_for(cast.clerk_a)
    first = client.get(url("log", arrangement)).context["page_obj"]
    assert len(first.object_list) == 50 and first.object_list[0].done_by == "Line 0"
    assert len(client.get(url("log", arrangement), {"page": 2}).context["page_obj"].object_list) == 5


@pytest.mark.parametrize("who", ["clerk_a", "clerk_b"])
def test_the_log_reads_as_many_queries_for_5_lines_as_for_200(cast, arrangement, site_b, client_for, who):
    client = client_for(getattr(cast, who))
    client.get(url("log", arrangement))  # the first request of a session records it (usersessions)
    counts = []
    for total in (5, 200):
        Delivery.objects.bulk_create(
            Delivery(
                arrangement=arrangement,
                council=cast.council_b,
                done_on=TODAY - datetime.timedelta(days=n % 300),
                quantity=Decimal(1),
                site=site_b if n % 2 else None,
                done_by=f"Team {n}",
            )
            for n in range(total - Delivery.objects.count())
        )
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("log", arrangement)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_who_did_it_or_a_volunteer(cast, arrangement, strimmer_volunteer, client_for):
    response = client_for(cast.clerk_a).post(url("record", arrangement), body(cast, done_by=""))
    assert response.context["form"].errors["done_by"] == ["Enter who did the work, or choose a volunteer"]
    assert not Delivery.objects.exists()


def test_the_clusters_history_reads_the_log_in_words(cast, arrangement, client_for):
    wrong = deliveries.record_delivery(
        acting_user=cast.clerk_a,
        arrangement=arrangement,
        council=cast.council_b,
        done_on=YESTERDAY,
        quantity=Decimal("2.5"),
        hours=Decimal(3),
        done_by="Grounds team",
    )
    deliveries.reverse_delivery(acting_user=cast.clerk_a, delivery=wrong, reason="Entered twice")

    page = client_for(cast.chair).get(reverse("clusters:history", args=[cast.cluster.slug]))

    text = page.content.decode()
    assert "Services" in text  # the kind of change, in the history's filter
    assert "Date done" in text and f"{YESTERDAY.day} {YESTERDAY:%B %Y}" in text
    assert "Who did it" in text and "Entered twice" in text
