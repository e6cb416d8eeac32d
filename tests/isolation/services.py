"""Object-scoped URLs of services: name → kwargs of an object of the cluster Eden Valley or of
council A or B (area North), which neither the clerk of council C (in another cluster) nor anyone of
area South may reach. Each builds what it needs from the cast (tests/conftest.py)."""

import datetime

from services.catalogue import add_usual_services
from services.models import Arrangement, Assignment, TrainingCourse, TrainingRecord, Volunteer

OBJECT_SCOPED: dict = {}


# Volunteers and training: a volunteer of council A with a training record, and an arrangement of
# Eden Valley that A leads.


def volunteer_without_assignment(cast):
    """A volunteer of council A with strimmer training that does not expire, and urban grass cutting
    (which needs it) led by A, active, to assign them to (the form fuzz's volunteer too)."""
    add_usual_services(area=cast.north)
    arrangement = Arrangement.objects.create(
        cluster=cast.cluster,
        number=1,
        service=cast.north.services.get(name="Urban grass cutting"),
        lead_council=cast.council_a,
        status=Arrangement.Status.ACTIVE,
        delivery_model=Arrangement.DeliveryModel.VOLUNTEERS,
        legal_basis=Arrangement.LegalBasis.GENERAL_POWER,
        specification="Monthly cuts of the green",
        season_starts=3,
        season_ends=10,
        starts_on=datetime.date(2026, 1, 1),
        review_on=datetime.date(2027, 1, 1),
        charging=Arrangement.Charging.FIXED,
    )
    volunteer = Volunteer.objects.create(
        council=cast.council_a, name="Sam Hill", joined_on=datetime.date(2026, 1, 1)
    )
    record = TrainingRecord.objects.create(
        volunteer=volunteer,
        course=TrainingCourse.objects.get(name="Strimmer and brushcutter use"),
        completed_on=datetime.date(2026, 1, 5),
    )
    return {
        "council_id": cast.council_a.pk,
        "volunteer_id": volunteer.pk,
        "record_id": record.pk,
        "slug": cast.cluster.slug,
        "number": arrangement.number,
        "arrangement_id": arrangement.pk,
    }


def _volunteer(cast):
    kwargs = volunteer_without_assignment(cast)
    assignment = Assignment.objects.create(
        volunteer_id=kwargs["volunteer_id"], arrangement_id=kwargs["arrangement_id"]
    )
    return {**kwargs, "assignment_id": assignment.pk}


def _volunteer_keys(*keys):
    return lambda cast: {key: value for key, value in _volunteer(cast).items() if key in keys}


OBJECT_SCOPED.update(
    {
        "services:volunteers": _volunteer_keys("council_id"),
        "services:volunteers_csv": _volunteer_keys("council_id"),
        "services:volunteer_new": _volunteer_keys("council_id"),
        "services:volunteer": _volunteer_keys("council_id", "volunteer_id"),
        "services:volunteer_edit": _volunteer_keys("council_id", "volunteer_id"),
        "services:volunteer_leave": _volunteer_keys("council_id", "volunteer_id"),
        "services:training_new": _volunteer_keys("council_id", "volunteer_id"),
        "services:training_remove": _volunteer_keys("council_id", "volunteer_id", "record_id"),
        "services:volunteer_assign": _volunteer_keys("council_id", "volunteer_id"),
        "services:assignment_end": _volunteer_keys("council_id", "volunteer_id", "assignment_id"),
        "services:arrangement_volunteers": _volunteer_keys("slug", "number"),
    }
)


# The catalogue (area North's), sites (council A's) and individual-model requests (council A's).


def _catalogue(cast):
    from services.catalogue import add_usual_services

    add_usual_services(area=cast.north)
    return {"area_slug": cast.north.slug, "service_id": cast.north.services.get(name="Litter picking").pk}


def _site(cast):
    from services.models import Site

    site = Site.objects.create(council=cast.council_a, name="Village green")
    return {"council_id": cast.council_a.pk, "site_id": site.pk}


def _request(cast):
    import datetime

    from services.catalogue import add_usual_services
    from services.models import IndividualRequest

    add_usual_services(area=cast.north)
    request = IndividualRequest.objects.create(
        area=cast.north,
        council=cast.council_a,
        service=cast.north.services.get(name="Litter picking"),
        capacity="Two staff",
        equipment="Pickers",
        insurance="£10m",
        annual_cost="900.00",
        starts_on=datetime.date(2027, 4, 1),
        submitted_by=cast.clerk_a,
    )
    return {"request_id": request.pk}


def _area(cast):
    return {"area_slug": cast.north.slug}


def _council(cast):
    return {"council_id": cast.council_a.pk}


OBJECT_SCOPED.update(
    {
        "services:catalogue": _area,
        "services:catalogue_add": _area,
        "services:catalogue_usual": _area,
        "services:catalogue_edit": _catalogue,
        "services:catalogue_retire": _catalogue,
        "services:sites": _council,
        "services:site_add": _council,
        "services:site_edit": _site,
        "services:site_retire": _site,
        "services:council_requests": _council,
        "services:request_new": _council,
        "services:request": _request,
        "services:request_withdraw": _request,
        "services:request_queue": _area,
        "services:request_queue_csv": _area,
        # The area dashboard's list of arrangements and its CSV.
        "services:dashboard_arrangements": _area,
        "services:dashboard_arrangements_csv": _area,
    }
)


# Arrangements: one of Eden Valley that council A leads for council B (the form fuzz's too).


def arrangement(cast, *, status=Arrangement.Status.PROPOSED, number=1):
    """Sign cleaning led by A for B: a proposal starting in a month, or (active) one that started a
    month ago and B agreed to."""
    from django.utils import timezone

    from services.models import ServedCouncil

    add_usual_services(area=cast.north)
    today = timezone.localdate()
    active = status == Arrangement.Status.ACTIVE
    starts_on = today + datetime.timedelta(days=-30 if active else 30)
    created = Arrangement.objects.create(
        cluster=cast.cluster,
        number=number,
        status=status,
        service=cast.north.services.get(name="Sign cleaning"),
        lead_council=cast.council_a,
        delivery_model=Arrangement.DeliveryModel.OWN_STAFF,
        legal_basis=Arrangement.LegalBasis.S101,
        specification="Forty signs a season",
        season_starts=4,
        season_ends=9,
        starts_on=starts_on,
        review_on=starts_on + datetime.timedelta(days=365),
        charging=Arrangement.Charging.FIXED,
        proposed_by=cast.clerk_a,
    )
    ServedCouncil.objects.create(
        arrangement=created,
        council=cast.council_b,
        agreed_quantity=40,
        minute_ref="26/3" if active else "",
        resolved_on=starts_on if active else None,
    )
    return {"slug": cast.cluster.slug, "number": created.number}


def _cluster(cast):
    return {"slug": cast.cluster.slug}


OBJECT_SCOPED.update(
    {
        "services:cluster": _cluster,
        "services:propose": _cluster,
        "services:arrangement": arrangement,
        "services:agree": arrangement,
        "services:arrangement_edit": arrangement,
        "services:arrangement_end": arrangement,
        "services:arrangement_withdraw": arrangement,
    }
)


# The delivery log and statements: grass cutting of Eden Valley that council A leads for council B,
# active for a year, a line of this month with its photo, and B's statement of the month as a PDF.


def delivery_log(cast):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from services.models import Delivery, ServedCouncil, Statement

    add_usual_services(area=cast.north)
    today = timezone.localdate()
    arrangement = Arrangement.objects.create(
        cluster=cast.cluster,
        number=1,
        service=cast.north.services.get(name="Urban grass cutting"),
        lead_council=cast.council_a,
        status=Arrangement.Status.ACTIVE,
        delivery_model=Arrangement.DeliveryModel.OWN_STAFF,
        legal_basis=Arrangement.LegalBasis.S101,
        specification="Six cuts a season",
        season_starts=3,
        season_ends=10,
        starts_on=today - datetime.timedelta(days=400),
        review_on=today + datetime.timedelta(days=300),
        charging=Arrangement.Charging.FIXED,
    )
    ServedCouncil.objects.create(arrangement=arrangement, council=cast.council_b, agreed_quantity=6)
    month = today.replace(day=1)
    line = Delivery.objects.create(
        arrangement=arrangement,
        council=cast.council_b,
        done_on=month,
        quantity=1,
        done_by="Grounds team",
        photo=ContentFile(b"\x89PNG\r\n\x1a\n", name="photo"),
        photo_type="png",
    )
    statement = Statement.objects.create(
        arrangement=arrangement,
        council=cast.council_b,
        month=month,
        status=Statement.Status.READY,
        file=ContentFile(b"%PDF-1.4", name="statement.pdf"),
    )
    return {
        "slug": cast.cluster.slug,
        "number": arrangement.number,
        "delivery_id": line.pk,
        "council_id": cast.council_b.pk,
        "month": f"{month:%Y-%m}",
        "statement_id": statement.pk,
    }


def _log_keys(*keys):
    return lambda cast: {key: value for key, value in delivery_log(cast).items() if key in keys}


OBJECT_SCOPED.update(
    {
        "services:log": _log_keys("slug", "number"),
        "services:log_csv": _log_keys("slug", "number"),
        "services:record": _log_keys("slug", "number"),
        "services:reverse": _log_keys("slug", "number", "delivery_id"),
        "services:delivery_photo": _log_keys("slug", "number", "delivery_id"),
        "services:statement": _log_keys("slug", "number", "council_id", "month"),
        "services:statement_csv": _log_keys("slug", "number", "council_id", "month"),
        "services:statement_pdf": _log_keys("slug", "number", "council_id", "month"),
        "services:statement_job": _log_keys("slug", "number", "council_id", "month", "statement_id"),
        "services:statement_download": _log_keys("slug", "number", "council_id", "month", "statement_id"),
    }
)
