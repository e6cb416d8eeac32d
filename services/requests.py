"""The individual model: a council asks its area's officers to let it deliver a service for its own area
alone, making its case (staff and capacity, equipment, insurance, cost); the officers approve or
decline it with reasons, and the council's clerks are told. A decided request is final: the council
may ask again with a new request. A waiting one may be withdrawn by whoever acts for the council.

Deciding and withdrawing lock the request's row and check its status inside the transaction, so two
clicks at the same moment decide it once.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.emails import send_templated_email
from config.money import money_problem, pounds
from parishes import audit
from parishes.access import people_acting_for
from parishes.models import Area, Council

from .access import may_decide_requests, may_request_for, request_deciders
from .models import MONEY_CEILING, IndividualRequest, Service

Status = IndividualRequest.Status


# How this module's audit records read (parishes.audit_display.describe's keyword arguments).
AUDIT: dict = {
    "labels": {
        "service": "Service",
        "capacity": "Staff and capacity",
        "equipment": "Equipment",
        "insurance": "Insurance",
        "annual_cost": "Estimated annual cost",
        "proposed_start": "Proposed start",
        "request_status": "Status",
        "reasons": "Reasons",
    },
    "values": {"request_status": dict(Status.choices), "annual_cost": pounds},
    "kinds": {"request": "Service requests"},
}

# The district filter's value for councils whose district is not known (as the dashboard's lists).
NO_DISTRICT = "none"


class RequestError(Exception):
    """A change the rules refuse; its message is shown next to `field` when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# Checks the form asks too, so that the message stands by the field; the service asks again.

COST = {"what": "the estimated annual cost", "ceiling": MONEY_CEILING}


def check_cost(cost: Decimal) -> None:
    if problem := money_problem(cost, **COST):
        raise RequestError(problem, "annual_cost")


def check_start(starts_on: date) -> None:
    if starts_on < timezone.localdate():
        raise RequestError("The proposed start must be today or in the future", "starts_on")


def check_service(council: Council, service: Service) -> None:
    if service.area_id != council.area_id:
        raise RequestError("Select a service of the area's catalogue", "service")
    if service.retired_at is not None:
        raise RequestError(f"{service.name} has been retired from the catalogue: select another", "service")


# Reads


def requests_of(council: Council) -> QuerySet[IndividualRequest]:
    """The council's requests, newest first, with their services."""
    return council.individual_requests.select_related("service").order_by("-submitted_at", "-pk")


def queue(area: Area, *, status: str = "", district: str = "", service: int | None = None) -> QuerySet:
    """The area's register of requests: those waiting first, oldest first (the longest wait at the
    top), then the others, most recently settled first. With council, district and service: a fixed
    number of queries for a page, however many requests."""
    requests = IndividualRequest.objects.filter(area=area)
    if status:
        requests = requests.filter(status=status)
    if district == NO_DISTRICT:
        requests = requests.filter(council__district__isnull=True)
    elif district:
        requests = requests.filter(council__district__gss_code=district)
    if service:
        requests = requests.filter(service_id=service)
    is_waiting = Q(status=Status.WAITING)
    return (
        requests.select_related("council__district", "service", "decided_by")
        .annotate(
            waiting_first=Case(
                When(is_waiting, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            # Null for the others, so that only the waiting ones are ordered by it.
            waiting_since=Case(When(is_waiting, then=F("submitted_at")), default=None),
            settled=Coalesce("decided_at", "submitted_at"),
        )
        .order_by("waiting_first", "waiting_since", F("settled").desc(), "pk")
    )


def days_waiting(request: IndividualRequest, today: date | None = None) -> int:
    """Days from the request to its decision, or to today while it waits."""
    end = timezone.localdate(request.decided_at) if request.decided_at else today or timezone.localdate()
    return (end - timezone.localdate(request.submitted_at)).days


# Emails


def _tell(people, template: str, context: dict, skip=None) -> None:
    """One email per person (after commit), however many roles bring them in."""
    seen = set()
    for person in people:
        if person.pk in seen or (skip is not None and person.pk == skip.pk):
            continue
        seen.add(person.pk)
        send_templated_email(template=template, to=person.email, context={**context, "user": person})


# Changes


@transaction.atomic
def submit_request(
    *,
    acting_user,
    council: Council,
    service: Service,
    capacity: str,
    equipment: str,
    insurance: str,
    annual_cost: Decimal,
    starts_on: date,
) -> IndividualRequest:
    """The council's case, sent to the area's officers and administrators."""
    if not may_request_for(acting_user, council.pk):
        raise RequestError(f"Only the people who act for {council.name} can ask for it.")
    check_service(council, service)
    check_cost(annual_cost)
    check_start(starts_on)
    request = IndividualRequest.objects.create(
        area_id=council.area_id,
        council=council,
        service=service,
        capacity=capacity.strip(),
        equipment=equipment.strip(),
        insurance=insurance.strip(),
        annual_cost=annual_cost,
        starts_on=starts_on,
        submitted_by=acting_user,
    )
    audit.record(
        actor=acting_user,
        area=council.area,
        council=council,
        action="request.submitted",
        summary=f"Asked to deliver {service.name.lower()} for {council.name} alone",
        after={
            "service": service.name,
            "capacity": request.capacity,
            "equipment": request.equipment,
            "insurance": request.insurance,
            "annual_cost": str(annual_cost),
            "proposed_start": starts_on.isoformat(),
        },
    )
    _tell(
        request_deciders(council.area_id),
        "services_request_submitted",
        {"request": request, "council": council, "service": service},
    )
    return request


def _lock(request: IndividualRequest) -> IndividualRequest:
    return (
        IndividualRequest.objects.select_for_update()
        .select_related("area", "council", "service")
        .get(pk=request.pk)
    )


def _refuse_unless_waiting(request: IndividualRequest) -> None:
    if request.status != Status.WAITING:
        raise RequestError(
            f"This request has already been {request.get_status_display().lower()}: it is final. "
            "The council may make a new request."
        )


@transaction.atomic
def decide_request(
    *, acting_user, request: IndividualRequest, approve: bool, reasons: str
) -> IndividualRequest:
    """The officers' decision, with reasons (required to decline); the council's clerks are told."""
    request = _lock(request)
    _refuse_unless_waiting(request)
    if not may_decide_requests(acting_user, request.area_id):
        raise RequestError("Only the area's officers and administrators decide requests.")
    reasons = reasons.strip()
    if not approve and not reasons:
        raise RequestError("Enter the reasons for declining the request", "reasons")
    request.status = Status.APPROVED if approve else Status.DECLINED
    request.decided_by = acting_user
    request.decided_at = timezone.now()
    request.reasons = reasons
    request.save(update_fields=["status", "decided_by", "decided_at", "reasons"])
    audit.record(
        actor=acting_user,
        area=request.area,
        council=request.council,
        action=f"request.{request.status}",
        summary=f"Request to deliver {request.service.name.lower()} alone {request.status}",
        before={"request_status": Status.WAITING},
        after={"request_status": request.status, "reasons": reasons},
    )
    _tell(
        people_acting_for([request.council_id])[request.council_id],
        "services_request_decided",
        {"request": request, "council": request.council, "service": request.service},
    )
    return request


@transaction.atomic
def withdraw_request(*, acting_user, request: IndividualRequest) -> IndividualRequest:
    request = _lock(request)
    _refuse_unless_waiting(request)
    if not may_request_for(acting_user, request.council_id):
        raise RequestError(f"Only the people who act for {request.council.name} can withdraw its request.")
    request.status = Status.WITHDRAWN
    request.save(update_fields=["status"])
    audit.record(
        actor=acting_user,
        area=request.area,
        council=request.council,
        action="request.withdrawn",
        summary=f"Request to deliver {request.service.name.lower()} alone withdrawn",
        before={"request_status": Status.WAITING},
        after={"request_status": Status.WITHDRAWN},
    )
    return request
