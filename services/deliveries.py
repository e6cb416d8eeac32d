"""The delivery log: the service lead's people record work done for a served council, and put a
mistaken line right by a record that reverses it (its quantity and hours negated, same council, date
and site), then record the right one. A line is never edited or deleted; a line reversed once is not
reversed again, and a reversing line is never itself reversed.

The rules of a line (`line_problems`) are asked by the record form, so that each message stands next
to its field, and again here before anything is written. Reads of the log (`log_lines`) narrow to the
councils the person may read (ArrangementPermissions.log_council_ids) before anything else.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from clusters import audit
from clusters.access import ClusterPermissions
from config.dates import long_date
from config.money import PLACES, decimal_places
from parishes.models import Council

from .access import ArrangementPermissions
from .models import QUANTITY_CEILING, Arrangement, Delivery, Service, Site, Volunteer
from .photos import PhotoError, check_photo, without_metadata
from .training import training_refusal

Unit = Service.Unit

# A line is one day's work for one council. More than this in one line is a slip of the keyboard
# (600 for 6, a year's signs in a day), not work a team did in a day: a town's grass is a few dozen
# sites cut once; a sign-cleaning round, a few hundred signs; a day's hours, ten people's. The
# absolute ceiling of the column (QUANTITY_CEILING) stands behind these.
DAY_LIMITS = {
    Unit.CUTS: Decimal(100),
    Unit.SIGNS: Decimal(1000),
    Unit.ITEMS: Decimal(1000),
    Unit.VISITS: Decimal(100),
    Unit.HOURS: Decimal(240),
    Unit.KILOMETRES: Decimal(500),
    Unit.BAGS: Decimal(1000),
    Unit.INSPECTIONS: Decimal(100),
    Unit.JOURNEYS: Decimal(100),
}
# The time the work took, in one line: no more than the day has.
HOURS_LIMIT = Decimal(24)
REASON_MAX_LENGTH = 300


class DeliveryError(Exception):
    """A line the rules refuse; its message is shown next to the field it is about, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def day_limit(unit: str) -> Decimal:
    return min(DAY_LIMITS.get(unit, QUANTITY_CEILING), QUANTITY_CEILING)


def number_label(value: Decimal) -> str:
    """6, not 6.00; 2.5 as typed."""
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"


def unit_label(arrangement: Arrangement) -> str:
    return arrangement.service.get_unit_display()


# The rules of a line, for the form and the service alike.


def served_council(arrangement: Arrangement, council: Council) -> None:
    if not arrangement.served.filter(council=council).exists():
        raise DeliveryError(f"{council.name} is not served by this arrangement", "council")


def check_done_on(arrangement: Arrangement, done_on: datetime.date, today: datetime.date) -> None:
    if done_on > today:
        raise DeliveryError("The date the work was done must be today or in the past", "done_on")
    if done_on < arrangement.starts_on:
        raise DeliveryError(
            f"The date the work was done must be on or after {long_date(arrangement.starts_on)}, "
            "when the arrangement started",
            "done_on",
        )


def check_quantity(arrangement: Arrangement, quantity: Decimal) -> None:
    unit = unit_label(arrangement)
    limit = day_limit(arrangement.service.unit)
    if not quantity.is_finite():
        raise DeliveryError(f"Enter the number of {unit} as a number, like 1 or 2.5", "quantity")
    if quantity <= 0:
        raise DeliveryError(f"The number of {unit} must be more than 0", "quantity")
    if quantity > limit:
        raise DeliveryError(
            f"A line is one day's work for one council: enter no more than {number_label(limit)} {unit}, "
            "or record the work on separate lines",
            "quantity",
        )
    if decimal_places(quantity) > PLACES:
        raise DeliveryError(f"Enter the number of {unit} to at most 2 decimal places", "quantity")


def check_hours(hours: Decimal | None) -> None:
    if hours is None:
        return
    if not hours.is_finite() or not 0 <= hours <= HOURS_LIMIT:
        raise DeliveryError(f"The hours must be between 0 and {HOURS_LIMIT}", "hours")
    if decimal_places(hours) > PLACES:
        raise DeliveryError("Enter the hours to at most 2 decimal places", "hours")


def check_site(arrangement: Arrangement, council: Council, site: Site | None) -> None:
    if site is None:
        return
    if (
        site.council_id != council.pk
        or not arrangement.sites.filter(pk=site.pk, retired_at__isnull=True).exists()
    ):
        raise DeliveryError(f"{site.name} is not one of {council.name}'s sites on this arrangement", "site")


def check_volunteer(arrangement: Arrangement, volunteer: Volunteer, done_on: datetime.date) -> None:
    if volunteer.left_on is not None:
        raise DeliveryError(f"{volunteer.name} has left the volunteer register", "volunteer")
    if not volunteer.assignments.filter(arrangement=arrangement, ended_on__isnull=True).exists():
        raise DeliveryError(f"{volunteer.name} is not assigned to this arrangement", "volunteer")
    if refusal := training_refusal(volunteer, arrangement.service, done_on):
        raise DeliveryError(refusal, "volunteer")


def line_problems(arrangement: Arrangement, line: dict, today: datetime.date) -> list[DeliveryError]:
    """Every rule the line breaks; `line` holds the record form's cleaned values (those present)."""
    problems = []
    council, done_on = line.get("council"), line.get("done_on")

    def ask(check, *args):
        try:
            check(*args)
        except DeliveryError as error:
            problems.append(error)

    if council is not None:
        ask(served_council, arrangement, council)
        ask(check_site, arrangement, council, line.get("site"))
    if done_on is not None:
        ask(check_done_on, arrangement, done_on, today)
        if line.get("volunteer") is not None:
            ask(check_volunteer, arrangement, line["volunteer"], done_on)
    if line.get("quantity") is not None:
        ask(check_quantity, arrangement, line["quantity"])
    ask(check_hours, line.get("hours"))
    if not line.get("done_by") and line.get("volunteer") is None:
        problems.append(DeliveryError("Enter who did the work, or choose a volunteer", "done_by"))
    return problems


# What the record form offers.


def volunteer_choices(arrangement: Arrangement, permissions: ArrangementPermissions) -> QuerySet[Volunteer]:
    """The volunteers who may be recorded as doing the work, whose names the person may see: assigned
    now and still on the register (their training is checked against the date when recorded)."""
    volunteers = Volunteer.objects.filter(
        assignments__arrangement=arrangement, assignments__ended_on__isnull=True, left_on__isnull=True
    )
    if not permissions.coordinates_it:
        volunteers = volunteers.filter(council_id__in=permissions.visible_volunteer_council_ids())
    return volunteers.order_by("name", "pk")


def site_choices(arrangement: Arrangement) -> QuerySet[Site]:
    return (
        arrangement.sites.filter(retired_at__isnull=True)
        .select_related("council")
        .order_by("council__name", "name")
    )


# Recording and reversing.


def _permissions(acting_user, arrangement: Arrangement) -> ArrangementPermissions:
    return ArrangementPermissions(ClusterPermissions(acting_user, arrangement.cluster), arrangement)


def line_audit(delivery: Delivery) -> dict:
    return {
        "delivery": delivery.pk,
        "arrangement_number": delivery.arrangement.number,
        "council": delivery.council.name,
        "done_on": delivery.done_on.isoformat(),
        "site": delivery.site.name if delivery.site else "",
        "quantity": number_label(delivery.quantity),
        "hours": number_label(delivery.hours) if delivery.hours is not None else "",
        "done_by": delivery.volunteer.name if delivery.volunteer else delivery.done_by,
        "photo": bool(delivery.photo),
    }


@transaction.atomic
def record_delivery(
    *,
    acting_user,
    arrangement: Arrangement,
    council: Council,
    done_on: datetime.date,
    quantity: Decimal,
    hours: Decimal | None = None,
    site: Site | None = None,
    done_by: str = "",
    volunteer: Volunteer | None = None,
    notes: str = "",
    photo=None,
) -> Delivery:
    if not _permissions(acting_user, arrangement).may_record_delivery():
        raise DeliveryError("Only the service lead's people record work on an active arrangement")
    line = {
        "council": council,
        "done_on": done_on,
        "quantity": quantity,
        "hours": hours,
        "site": site,
        "done_by": done_by,
        "volunteer": volunteer,
    }
    if problems := line_problems(arrangement, line, timezone.localdate()):
        raise problems[0]
    photo_type = ""
    if photo:
        try:
            photo_type = check_photo(photo).kind
            photo = without_metadata(photo, photo_type)
        except PhotoError as error:
            raise DeliveryError(str(error), "photo") from None
    delivery = Delivery(
        arrangement=arrangement,
        council=council,
        done_on=done_on,
        site=site,
        quantity=quantity,
        hours=hours,
        # Named by the register when a volunteer did it: their name stays with their records.
        done_by="" if volunteer else done_by,
        volunteer=volunteer,
        notes=notes,
        photo_type=photo_type,
        recorded_by=acting_user,
    )
    if photo:
        # Stored under a generated name (delivery_photo_upload_to), never the uploaded one, and
        # without the uploaded file's metadata (its GPS position among it).
        delivery.photo.save("photo", photo, save=False)
    delivery.save()
    audit.record(
        actor=acting_user,
        cluster=arrangement.cluster,
        action="delivery.recorded",
        summary=f"{number_label(quantity)} {unit_label(arrangement)} for {council.name} on "
        f"{long_date(done_on)} recorded ({arrangement.service.name}, arrangement {arrangement.number})",
        after=line_audit(delivery),
    )
    return delivery


def reversal_refusal(delivery: Delivery) -> str | None:
    """Why a line cannot be reversed, or None. Asks the database: a page's line may be stale."""
    if delivery.reverses_id is not None:
        return "This line reverses another: it cannot itself be reversed. Record the work again instead."
    if Delivery.objects.filter(reverses=delivery).exists():
        return "This line has already been reversed."
    return None


@transaction.atomic
def reverse_delivery(*, acting_user, delivery: Delivery, reason: str) -> Delivery:
    """Put a line right: a record that cancels it, same council, date and site, quantity and hours
    negated; the reason kept as its notes."""
    arrangement = delivery.arrangement
    if not _permissions(acting_user, arrangement).may_record_delivery():
        raise DeliveryError("Only the service lead's people correct the log of an active arrangement")
    reason = reason.strip()
    if not reason:
        raise DeliveryError("Enter why the line is being reversed", "reason")
    # Two clicks at once reverse the line once: the second waits here, then finds the first.
    Delivery.objects.select_for_update().filter(pk=delivery.pk).first()
    if refusal := reversal_refusal(delivery):
        raise DeliveryError(refusal)
    reversal = Delivery.objects.create(
        arrangement=arrangement,
        council=delivery.council,
        done_on=delivery.done_on,
        site=delivery.site,
        quantity=-delivery.quantity,
        hours=-delivery.hours if delivery.hours is not None else None,
        done_by=delivery.done_by,
        volunteer=delivery.volunteer,
        notes=reason[:REASON_MAX_LENGTH],
        reverses=delivery,
        recorded_by=acting_user,
    )
    audit.record(
        actor=acting_user,
        cluster=arrangement.cluster,
        action="delivery.reversed",
        summary=f"{number_label(delivery.quantity)} {unit_label(arrangement)} for {delivery.council.name} "
        f"on {long_date(delivery.done_on)} reversed "
        f"({arrangement.service.name}, arrangement {arrangement.number})",
        before=line_audit(delivery),
        after={"delivery": reversal.pk, "reason": reversal.notes},
    )
    return reversal


# Reading the log.


@dataclass(frozen=True)
class LogFilters:
    council_id: int | None = None
    site_id: int | None = None
    volunteer_id: int | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None


def log_lines(
    arrangement: Arrangement, council_ids: set[int] | None, filters: LogFilters
) -> QuerySet[Delivery]:
    """The lines the person reads (`council_ids`, None for all), filtered, newest first; each with its
    council, site, volunteer, the line it reverses and the line that reverses it."""
    lines = arrangement.deliveries.all()
    if council_ids is not None:
        lines = lines.filter(council_id__in=council_ids)
    conditions = {
        "council_id": filters.council_id,
        "site_id": filters.site_id,
        "volunteer_id": filters.volunteer_id,
        "done_on__gte": filters.since,
        "done_on__lte": filters.until,
    }
    lines = lines.filter(**{key: value for key, value in conditions.items() if value is not None})
    return lines.select_related(
        "council", "site", "volunteer", "reverses", "reversed_by", "recorded_by"
    ).order_by("-done_on", "-id")


def month_lines(arrangement: Arrangement, council: Council, first: datetime.date, last: datetime.date):
    """A council's lines of a month, oldest first (a statement reads in the order work was done)."""
    return (
        arrangement.deliveries.filter(council=council, done_on__range=(first, last))
        .select_related("site", "volunteer", "reverses", "reversed_by")
        .order_by("done_on", "id")
    )


def month_totals(lines) -> dict:
    quantity = sum((line.quantity for line in lines), Decimal(0))
    hours = sum((line.hours for line in lines if line.hours is not None), Decimal(0))
    return {
        "quantity": quantity,
        "hours": hours,
        "lines": sum(1 for line in lines if line.reverses_id is None),
    }


def who_did_it(line: Delivery, visible_volunteer: bool) -> str:
    """Who did the work, as the person may read it: a volunteer's name is personal data of their
    council's register, shown only to those who may see it (services.access)."""
    if line.volunteer_id is None:
        return line.done_by
    return line.volunteer.name if visible_volunteer else "A volunteer"


# How this module's audit records read (parishes.audit_display.describe's keyword arguments).
AUDIT: dict = {
    "labels": {
        "arrangement_number": "Arrangement",
        "done_on": "Date done",
        "site": "Site",
        "quantity": "Quantity",
        "hours": "Hours",
        "done_by": "Who did it",
        "photo": "Photo",
        "reason": "Reason",
        "statement_month": "Month",
    },
    "kinds": {"delivery": "Services", "statement": "Services"},
    "hidden": ("delivery", "statement"),
}
