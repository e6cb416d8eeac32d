"""Service arrangements: proposing one in a cluster, each served council's agreement by resolution,
keeping its terms, withdrawing a proposal, ending it, and the daily job that starts and ends
arrangements by their dates.

An arrangement is numbered in order within its cluster (the cluster's row is locked while the next
number is taken, as decisions are numbered). It is proposed, then agreed once every council it serves
has recorded its resolution, active from its start date, and ended: by its end date, by the people
who keep it, or by its cluster's dissolution. While only proposed it is withdrawn instead (so is an
agreed one not yet started when the cluster is dissolved). An ended or withdrawn arrangement is
never changed again.

The rules of its terms (`term_problems`) are asked by the forms, so that each message stands next to
its field, and again here before anything is written.
"""

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.emails import send_templated_email
from clusters import audit
from clusters.access import ClusterPermissions
from clusters.models import Cluster
from config.dates import long_date, not_before
from config.money import PLACES, decimal_places, money_problem
from config.money import pounds as money
from parishes.access import people_acting_for
from parishes.models import Council

from .access import ArrangementPermissions, may_coordinate_for, may_propose_arrangement
from .models import MONEY_CEILING, QUANTITY_CEILING, Arrangement, ServedCouncil, Service, Site

Status = Arrangement.Status
Model = Arrangement.DeliveryModel
Charging = Arrangement.Charging

# A company's number at Companies House: eight digits (England and Wales), or two letters that say
# where or what it is registered (SC Scotland, NI Northern Ireland, OC a partnership…) and six digits.
COMPANY_NUMBER = re.compile(r"(\d{8}|[A-Z]{2}\d{6})")
# The fields each delivery model keeps; the others are cleared when it is chosen.
MODEL_FIELDS = {
    Model.OWN_STAFF: (),
    Model.CIC: ("cic_name", "cic_number"),
    Model.CONTRACTOR: ("contractor_name",),
    Model.VOLUNTEERS: ("coordinator_name", "coordinator"),
}
# Charged by a rate: the rate is what is charged; otherwise there is no rate to keep.
RATED = (Charging.PER_UNIT, Charging.PER_HOUR)
MONTHS = [(m, datetime.date(2000, m, 1).strftime("%B")) for m in range(1, 13)]


class ArrangementError(Exception):
    """A change the rules refuse; its message is shown to the person, next to the field it is about
    when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class AgreementRefused(ArrangementError):
    """One council's agreement of a submission for several, refused: nothing of it is kept, and the
    message is shown in that council's row."""

    def __init__(self, message: str, field: str | None, council: Council):
        super().__init__(message, field)
        self.council = council


def season_label(starts: int, ends: int) -> str:
    return f"{MONTHS[starts - 1][1]} to {MONTHS[ends - 1][1]}"


# How this module's audit records read (parishes.audit_display.describe's keyword arguments). Keys
# of their own ("arrangement_status", not the cluster's "status"): labels are shared across apps.
AUDIT: dict = {
    "labels": {
        "arrangement": "Arrangement",
        "service": "Service",
        "lead_council": "Service lead",
        "served": "Councils served (agreed each season)",
        "arrangement_status": "Status",
        "delivery_model": "Delivery model",
        "cic_name": "Company name",
        "cic_number": "Company number",
        "contractor_name": "Contractor",
        "coordinator_name": "Co-ordinator",
        "coordinator": "Co-ordinator who signs in",
        "legal_basis": "Legal basis",
        "legal_basis_other": "The power, in words",
        "specification": "Specification",
        "season": "Season",
        "sites": "Sites",
        "starts_on": "Starts",
        "ends_on": "Ends",
        "end_reason": "Why it ended",
        "annual_value": "Annual value",
        "charging": "How it is charged",
        "rate": "Rate",
        "volunteers_unassigned": "Volunteers' assignments ended",
        # In the record of the cluster's dissolution (clusters.membership.dissolved_hooks).
        "arrangements_ended": "Service arrangements ended",
        "arrangements_withdrawn": "Service arrangements withdrawn",
        "agreements_cleared": "Agreements set aside (terms changed)",
    },
    "values": {
        "arrangement_status": dict(Status.choices),
        "delivery_model": dict(Model.choices),
        "legal_basis": dict(Arrangement.LegalBasis.choices),
        "charging": dict(Charging.choices),
        "annual_value": money,
        "rate": money,
    },
    "kinds": {"arrangement": "Services"},
}


# The rules of an arrangement's terms


def normal_company_number(number: str) -> str:
    return "".join(number.split()).upper()


def term_problems(terms: dict) -> list[ArrangementError]:
    """What is wrong with the terms given (those present of the fields below), each with its field:
    the fields a delivery model, a legal basis or a way of charging needs, and the order of dates.
    Fields absent (a form's field already refused) are not checked."""
    problems = []

    def need(field: str, message: str):
        if field in terms and not str(terms[field] or "").strip():
            problems.append(ArrangementError(message, field))

    model = terms.get("delivery_model")
    if model == Model.CIC:
        need("cic_name", "Enter the name of the Community Interest Company")
        need("cic_number", "Enter the company number of the Community Interest Company")
        number = normal_company_number(terms.get("cic_number") or "")
        if number and not COMPANY_NUMBER.fullmatch(number):
            problems.append(
                ArrangementError(
                    "Enter the company number as Companies House writes it: 8 characters, "
                    "digits or two letters and 6 digits, like 09876543 or SC123456",
                    "cic_number",
                )
            )
    elif model == Model.CONTRACTOR:
        need("contractor_name", "Enter the name of the contractor")
    elif model == Model.VOLUNTEERS:
        need("coordinator_name", "Enter the name of the volunteers' co-ordinator")
    if terms.get("legal_basis") == Arrangement.LegalBasis.OTHER:
        need("legal_basis_other", "Enter the power the arrangement is made under")

    charging = terms.get("charging")
    if charging in RATED and "rate" in terms and terms["rate"] is None:
        unit = "unit" if charging == Charging.PER_UNIT else "hour"
        problems.append(ArrangementError(f"Enter the rate per {unit}", "rate"))
    if charging and charging not in RATED and terms.get("rate") is not None:
        problems.append(
            ArrangementError("Leave the rate empty: only a charge per unit or per hour has a rate", "rate")
        )

    starts_on = terms.get("starts_on")
    if starts_on:
        if terms.get("review_on") and terms["review_on"] <= starts_on:
            problems.append(ArrangementError("The review date must be after the start date", "review_on"))
        if terms.get("ends_on") and terms["ends_on"] <= starts_on:
            problems.append(ArrangementError("The end date must be after the start date", "ends_on"))
    return problems


def _refuse_terms(terms: dict) -> None:
    if problems := term_problems(terms):
        raise problems[0]


def _check_money(value: Decimal | None, field: str, what: str) -> None:
    # The forms say the same by the field; a caller that skips them still stores nothing absurd.
    if value is not None and (problem := money_problem(value, what=what, ceiling=MONEY_CEILING)):
        raise ArrangementError(problem, field)


def _check_quantity(council: Council, quantity: Decimal) -> None:
    if not (0 < quantity <= QUANTITY_CEILING and decimal_places(quantity) <= PLACES):
        raise ArrangementError(
            f"The quantity agreed for {council.name} must be more than 0 and at most {QUANTITY_CEILING:,}",
            f"served_{council.pk}",
        )


def _check_sites(sites: Iterable[Site], served_ids: set[int]) -> list[Site]:
    sites = list(sites)
    for site in sites:
        if site.council_id not in served_ids or site.retired_at is not None:
            raise ArrangementError(f"{site.name} is not a site of a council the arrangement serves", "sites")
    return sites


def _kept_model_fields(delivery_model: str, fields: dict) -> dict:
    """Only the chosen model's fields: a CIC's name left over from a change of mind is not kept."""
    blank = {
        "cic_name": "",
        "cic_number": "",
        "contractor_name": "",
        "coordinator_name": "",
        "coordinator": None,
    }
    kept = {name: fields.get(name, blank[name]) for name in MODEL_FIELDS[delivery_model]}
    if "cic_number" in kept:
        kept["cic_number"] = normal_company_number(kept["cic_number"])
    return {**blank, **{k: v.strip() if isinstance(v, str) else v for k, v in kept.items()}}


# Emails


def _tell(council_ids: Iterable[int], template: str, context: dict, skip=None) -> None:
    """One email to each person who acts for any of the councils, however many of them they act for."""
    seen = {skip.pk} if skip is not None else set()
    for people in people_acting_for(set(council_ids)).values():
        for person in people:
            if person.pk not in seen and person.is_active:
                seen.add(person.pk)
                send_templated_email(template=template, to=person.email, context={**context, "user": person})


# Proposing


@dataclass(frozen=True)
class Served:
    council: Council
    agreed_quantity: Decimal


@transaction.atomic
def propose_arrangement(
    *,
    acting_user,
    cluster: Cluster,
    service: Service,
    lead_council: Council,
    served: Sequence[Served],
    delivery_model: str,
    legal_basis: str,
    specification: str,
    season_starts: int,
    season_ends: int,
    starts_on: datetime.date,
    review_on: datetime.date,
    charging: str,
    ends_on: datetime.date | None = None,
    annual_value: Decimal | None = None,
    rate: Decimal | None = None,
    legal_basis_other: str = "",
    sites: Iterable[Site] = (),
    **model_fields,
) -> Arrangement:
    """A new arrangement, numbered next in the cluster, in which `lead_council` delivers `service`
    for the member councils `served`; their clerks (and the lead's, when the proposer does not act
    for it) are asked for their resolutions. `model_fields`: cic_name, cic_number, contractor_name,
    coordinator_name, coordinator (a person of the lead council)."""
    permissions = ClusterPermissions(acting_user, cluster)
    # Locking the cluster's row numbers one proposal at a time (see clusters.decisions).
    status = Cluster.objects.select_for_update().values_list("status", flat=True).get(pk=cluster.pk)
    if status == Cluster.Status.DISSOLVED or not may_propose_arrangement(permissions):
        raise ArrangementError("You cannot propose a service arrangement in this cluster.")
    if service.area_id != cluster.area_id or service.retired_at is not None:
        raise ArrangementError("Select a service of the area's catalogue", "service")
    members = permissions.member_council_ids
    if lead_council.pk not in members:
        raise ArrangementError(f"{lead_council.name} is not a member of {cluster.name}", "lead_council")
    if not served:
        raise ArrangementError(
            "Enter what the arrangement delivers for at least one member council", "served"
        )
    served_ids = [row.council.pk for row in served]
    if len(set(served_ids)) != len(served_ids):
        raise ArrangementError("Give each council served one quantity", "served")
    for row in served:
        if row.council.pk == lead_council.pk:
            raise ArrangementError(
                f"{lead_council.name} leads the arrangement: it does not serve itself",
                f"served_{row.council.pk}",
            )
        if row.council.pk not in members:
            raise ArrangementError(
                f"{row.council.name} is not a member of {cluster.name}", f"served_{row.council.pk}"
            )
        _check_quantity(row.council, row.agreed_quantity)
    if delivery_model not in Model.values:
        raise ArrangementError("Select how the service is delivered", "delivery_model")
    if legal_basis not in Arrangement.LegalBasis.values:
        raise ArrangementError("Select the legal basis", "legal_basis")
    if charging not in Charging.values:
        raise ArrangementError("Select how it is charged", "charging")
    if not (1 <= season_starts <= 12 and 1 <= season_ends <= 12):
        raise ArrangementError("Select the months the season runs", "season_starts")
    if not specification.strip():
        raise ArrangementError("Enter the specification", "specification")
    kept = _kept_model_fields(delivery_model, model_fields)
    coordinator = kept["coordinator"]
    if coordinator is not None and not may_coordinate_for(coordinator, lead_council.pk):
        raise ArrangementError(f"{coordinator.name} holds no role in {lead_council.name}", "coordinator")
    _refuse_terms(
        {
            "delivery_model": delivery_model,
            **kept,
            "legal_basis": legal_basis,
            "legal_basis_other": legal_basis_other,
            "charging": charging,
            "rate": rate,
            "starts_on": starts_on,
            "review_on": review_on,
            "ends_on": ends_on,
        }
    )
    _check_money(annual_value, "annual_value", "the annual value")
    _check_money(rate, "rate", "the rate")
    sites = _check_sites(sites, set(served_ids))

    number = (Arrangement.objects.filter(cluster=cluster).aggregate(last=Max("number"))["last"] or 0) + 1
    arrangement = Arrangement.objects.create(
        cluster=cluster,
        number=number,
        service=service,
        lead_council=lead_council,
        delivery_model=delivery_model,
        **kept,
        legal_basis=legal_basis,
        legal_basis_other=legal_basis_other.strip() if legal_basis == Arrangement.LegalBasis.OTHER else "",
        specification=specification.strip(),
        season_starts=season_starts,
        season_ends=season_ends,
        starts_on=starts_on,
        review_on=review_on,
        ends_on=ends_on,
        annual_value=annual_value,
        charging=charging,
        rate=rate if charging in RATED else None,
        proposed_by=acting_user,
    )
    arrangement.sites.set(sites)
    rows = ServedCouncil.objects.bulk_create(
        ServedCouncil(arrangement=arrangement, council=row.council, agreed_quantity=row.agreed_quantity)
        for row in sorted(served, key=lambda row: row.council.name)
    )
    audit.record(
        actor=acting_user,
        cluster=cluster,
        action="arrangement.proposed",
        summary=f"Arrangement {number} proposed: {service.name} led by {lead_council.name}",
        after={"arrangement": number, **terms_audit(arrangement, sites), "served": served_audit(rows)},
    )
    asked = set(served_ids)
    if not permissions.may_act_for(lead_council):
        asked.add(lead_council.pk)
    _tell(asked, "arrangement_proposed", {"arrangement": arrangement, "cluster": cluster}, skip=acting_user)
    return arrangement


def served_audit(rows: Iterable[ServedCouncil]) -> str:
    return "; ".join(f"{row.council.name}: {row.agreed_quantity.normalize():f}" for row in rows)


def terms_audit(arrangement: Arrangement, sites: Iterable[Site] | None = None) -> dict:
    """The arrangement's terms as its audit records store them (codes and ISO dates, read through AUDIT)."""
    a = arrangement
    terms = {
        "service": a.service.name,
        "lead_council": a.lead_council.name,
        "delivery_model": a.delivery_model,
        **{name: getattr(a, name) for name in MODEL_FIELDS[a.delivery_model] if name != "coordinator"},
        "legal_basis": a.legal_basis,
        "legal_basis_other": a.legal_basis_other,
        "specification": a.specification,
        "season": season_label(a.season_starts, a.season_ends),
        "starts_on": a.starts_on.isoformat(),
        "review_on": a.review_on.isoformat(),
        "ends_on": a.ends_on.isoformat() if a.ends_on else "",
        "annual_value": f"{a.annual_value:.2f}" if a.annual_value is not None else "",
        "charging": a.charging,
        "rate": f"{a.rate:.2f}" if a.rate is not None else "",
    }
    if a.delivery_model == Model.VOLUNTEERS:
        terms["coordinator"] = a.coordinator.name if a.coordinator else ""
    if sites is not None:
        terms["sites"] = ", ".join(site.name for site in sites)
    return terms


# Agreeing


def _lock(arrangement: Arrangement) -> Arrangement:
    """The arrangement's row, locked until the transaction ends, as it is now."""
    locked = (
        Arrangement.objects.select_for_update(of=("self",))
        .select_related("cluster", "service", "lead_council", "coordinator")
        .get(pk=arrangement.pk)
    )
    return locked


def check_agreement_date(arrangement: Arrangement, resolved_on: datetime.date) -> None:
    """A council cannot have resolved on a proposal before it was made (the agreement form asks too)."""
    proposed = timezone.localdate(arrangement.proposed_at)
    if message := not_before(resolved_on, proposed, "when the arrangement was proposed"):
        raise ArrangementError(message, "resolved_on")
    if resolved_on > timezone.localdate():
        raise ArrangementError("The date of the resolution must be today or in the past", "resolved_on")


@dataclass(frozen=True)
class CouncilAgreement:
    council: Council
    minute_ref: str
    resolved_on: datetime.date


@transaction.atomic
def record_agreements(
    *, acting_user, arrangement: Arrangement, agreements: Sequence[CouncilAgreement]
) -> Arrangement:
    """The resolutions of served councils agreeing to a proposed arrangement, recorded together by a
    person who acts for them all; all or none. Once every served council has agreed the arrangement
    is agreed, and active at once if its start date has come (else the daily job starts it)."""
    if not agreements:
        raise ArrangementError("Record the resolution of at least one council.")
    arrangement = _lock(arrangement)
    if arrangement.status != Status.PROPOSED:
        raise ArrangementError(
            f"Arrangement {arrangement.number} is {arrangement.get_status_display().lower()}: "
            "its agreements can no longer be recorded."
        )
    permissions = ArrangementPermissions(ClusterPermissions(acting_user, arrangement.cluster), arrangement)
    served = {row.council_id: row for row in arrangement.served.select_related("council")}
    now = timezone.now()
    for agreement in agreements:
        row = served.get(agreement.council.pk)
        try:
            if row is None:
                raise ArrangementError(f"{agreement.council.name} is not served by this arrangement.")
            if not permissions.may_agree_for(row):
                raise ArrangementError(f"You cannot record the agreement of {agreement.council.name}.")
            if not agreement.minute_ref.strip():
                raise ArrangementError("Enter the minute reference", "minute_ref")
            check_agreement_date(arrangement, agreement.resolved_on)
        except ArrangementError as error:
            raise AgreementRefused(str(error), error.field, agreement.council) from error
        row.minute_ref = agreement.minute_ref.strip()
        row.resolved_on = agreement.resolved_on
        row.recorded_by = acting_user
        row.recorded_at = now
        row.save(update_fields=["minute_ref", "resolved_on", "recorded_by", "recorded_at"])
        audit.record(
            actor=acting_user,
            cluster=arrangement.cluster,
            action="arrangement.agreement",
            summary=f"{row.council.name} agreed to arrangement {arrangement.number} "
            f"({arrangement.service.name})",
            after={
                "arrangement": arrangement.number,
                "council": row.council.name,
                "minute_ref": row.minute_ref,
                "resolved_on": row.resolved_on.isoformat(),
            },
        )
    if all(row.has_agreed for row in served.values()):
        today = timezone.localdate()
        status = Status.ACTIVE if arrangement.starts_on <= today else Status.AGREED
        _move(arrangement, status, acting_user, "every council it serves has agreed")
        _tell(
            [arrangement.lead_council_id],
            "arrangement_agreed",
            {"arrangement": arrangement, "cluster": arrangement.cluster},
            skip=acting_user,
        )
    return arrangement


def _move(arrangement: Arrangement, status: str, actor, why: str, **changes) -> None:
    before = arrangement.status
    arrangement.status = status
    for name, value in changes.items():
        setattr(arrangement, name, value)
    arrangement.save(update_fields=["status", *changes])
    label = Status(status).label.lower()
    audit.record(
        actor=actor,
        cluster=arrangement.cluster,
        action=f"arrangement.{status}",
        summary=f"Arrangement {arrangement.number} ({arrangement.service.name}) {label}: {why}",
        before={"arrangement_status": before},
        after={"arrangement_status": status, **{k: _audit_value(v) for k, v in changes.items()}},
    )


def _audit_value(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


# Withdrawing and ending


@transaction.atomic
def withdraw_arrangement(*, acting_user, arrangement: Arrangement, reason: str) -> Arrangement:
    """The proposer or the lead council takes back a proposal the councils have not all agreed to:
    it is withdrawn (not ended: it never ran), and the councils asked are told."""
    arrangement = _lock(arrangement)
    permissions = ArrangementPermissions(ClusterPermissions(acting_user, arrangement.cluster), arrangement)
    if arrangement.status != Status.PROPOSED:
        raise ArrangementError(
            f"Arrangement {arrangement.number} is no longer a proposal: it cannot be withdrawn."
        )
    if not permissions.may_withdraw():
        raise ArrangementError("Only the person who proposed it or the lead council can withdraw a proposal.")
    if not reason.strip():
        raise ArrangementError("Enter why the proposal is withdrawn", "reason")
    _close(
        arrangement,
        acting_user,
        timezone.localdate(),
        f"Proposal withdrawn: {reason.strip()}",
        "proposal withdrawn",
        Status.WITHDRAWN,
    )
    asked = {row.council_id for row in arrangement.served.all()} | {arrangement.lead_council_id}
    _tell(
        asked,
        "arrangement_withdrawn",
        {"arrangement": arrangement, "cluster": arrangement.cluster},
        skip=acting_user,
    )
    return arrangement


def what_ending_closes(arrangement: Arrangement) -> dict:
    """What ending the arrangement closes, for the page that asks to confirm it."""
    return {"assignments": arrangement.assignments.filter(ended_on__isnull=True).count()}


def check_end_date(arrangement: Arrangement, ended_on: datetime.date) -> None:
    """Ended on a day from its proposal to today (the end form asks too)."""
    proposed = timezone.localdate(arrangement.proposed_at)
    if message := not_before(ended_on, proposed, "when it was proposed", subject="The date it ends"):
        raise ArrangementError(message, "ended_on")
    if ended_on > timezone.localdate():
        raise ArrangementError("The date it ends must be today or in the past", "ended_on")


@transaction.atomic
def end_arrangement(
    *, acting_user, arrangement: Arrangement, ended_on: datetime.date, reason: str
) -> Arrangement:
    """The people who keep an arrangement end it now, with a reason: no more deliveries are recorded
    and its volunteers' assignments end; its log and statements stay."""
    arrangement = _lock(arrangement)
    permissions = ArrangementPermissions(ClusterPermissions(acting_user, arrangement.cluster), arrangement)
    if not permissions.may_keep():
        raise ArrangementError(
            f"Arrangement {arrangement.number} cannot be ended by you, or has ended already."
        )
    if not reason.strip():
        raise ArrangementError("Enter why the arrangement is ending", "reason")
    check_end_date(arrangement, ended_on)
    _close(arrangement, acting_user, ended_on, reason.strip(), "ended by the lead council or the cluster")
    return arrangement


def _close(
    arrangement: Arrangement, actor, ended_on: datetime.date, reason: str, why: str, status=Status.ENDED
) -> None:
    """Ended (or withdrawn, when it never ran) on `ended_on`, its volunteers' assignments with it."""
    closed = arrangement.assignments.filter(ended_on__isnull=True).update(ended_on=ended_on)
    before = arrangement.status
    arrangement.status = status
    arrangement.ended_on = ended_on
    arrangement.end_reason = reason[:300]
    arrangement.save(update_fields=["status", "ended_on", "end_reason"])
    audit.record(
        actor=actor,
        cluster=arrangement.cluster,
        action=f"arrangement.{status}",
        summary=f"Arrangement {arrangement.number} ({arrangement.service.name}) "
        f"{Status(status).label.lower()}: {why}",
        before={"arrangement_status": before},
        after={
            "arrangement_status": status,
            "ended_on": ended_on.isoformat(),
            "end_reason": arrangement.end_reason,
            "volunteers_unassigned": closed,
        },
    )


# Dissolving the cluster (clusters.membership's registries, filled in services.apps)


def _open_arrangements(cluster: Cluster):
    return (
        Arrangement.objects.filter(cluster=cluster)
        .exclude(status__in=Arrangement.CLOSED)
        .select_related("service")
        .order_by("number")
    )


def _named(arrangements: Iterable[Arrangement]) -> list[str]:
    return [f"{a.number}. {a.service.name}" for a in arrangements]


def dissolving_closes(cluster: Cluster) -> list[str]:
    """What dissolving the cluster does to its arrangements, in words for the confirmation page."""
    arrangements = list(_open_arrangements(cluster))
    running = [a for a in arrangements if a.status == Status.ACTIVE]
    waiting = [a for a in arrangements if a.status != Status.ACTIVE]
    said = []
    if running:
        said.append(
            f"{len(running)} service arrangement{'s' if len(running) != 1 else ''} will end today, "
            f"and their volunteers' assignments with them: {'; '.join(_named(running))}."
        )
    if waiting:
        said.append(
            f"{len(waiting)} service arrangement{'s' if len(waiting) != 1 else ''} not yet started "
            f"will be withdrawn: {'; '.join(_named(waiting))}."
        )
    return said


def close_for_dissolution(*, acting_user, cluster: Cluster, reason: str, on: datetime.date) -> dict:
    """Inside the dissolving transaction: the running arrangements end on the day, with the reason;
    those not yet started (proposed or agreed) are withdrawn. Not through end_arrangement or
    withdraw_arrangement, which ask whether the person keeps each one: dissolving is the cluster's
    own decision."""
    arrangements = list(_open_arrangements(cluster).select_for_update(of=("self",)))
    why = "the cluster was dissolved"
    for arrangement in arrangements:
        if arrangement.status == Status.ACTIVE:
            _close(arrangement, acting_user, on, f"The cluster was dissolved: {reason}", why)
        else:
            _close(
                arrangement,
                acting_user,
                on,
                f"Withdrawn: the cluster was dissolved: {reason}",
                why,
                Status.WITHDRAWN,
            )
    closed = {
        "arrangements_ended": _named(a for a in arrangements if a.status == Status.ENDED),
        "arrangements_withdrawn": _named(a for a in arrangements if a.status == Status.WITHDRAWN),
    }
    # A cluster without arrangements leaves no empty lines in the record of its dissolution.
    return {key: names for key, names in closed.items() if names}


# Keeping


EDITABLE = ("specification", "review_on", "annual_value", "charging", "rate", "ends_on")
# What every council served agreed to pay: once they all have, a change to it is a new arrangement
# (end this one and propose another), not an edit. The wording, sites and dates still change.
AGREED_MONEY = ("annual_value", "charging", "rate")


def agreed_rows(arrangement: Arrangement) -> list[ServedCouncil]:
    """The served councils' agreements that a change to a proposal's terms sets aside."""
    if arrangement.status != Status.PROPOSED:
        return []
    return [row for row in arrangement.served.select_related("council") if row.has_agreed]


@transaction.atomic
def update_arrangement(
    *, acting_user, arrangement: Arrangement, sites: Iterable[Site], **changes
) -> Arrangement:
    """The terms the people who keep an arrangement may change (EDITABLE and its sites; once agreed,
    not AGREED_MONEY), audited with what they were. A proposal's terms changed after some served
    councils agreed to them: those agreements were to other terms, so they are cleared, kept in the
    audit record, and those councils are asked for their resolution again."""
    if set(changes) - set(EDITABLE):
        raise ArrangementError(
            "Only the specification, sites, review date, value, charging and end date change."
        )
    arrangement = _lock(arrangement)
    permissions = ArrangementPermissions(ClusterPermissions(acting_user, arrangement.cluster), arrangement)
    if not permissions.may_keep():
        raise ArrangementError(f"Arrangement {arrangement.number} cannot be changed by you, or has ended.")
    if arrangement.status != Status.PROPOSED:
        for name in AGREED_MONEY:
            if name in changes and changes[name] != getattr(arrangement, name):
                raise ArrangementError(
                    "Every council served agreed to the value and how it is charged: to change them, "
                    "end this arrangement and propose a new one",
                    name,
                )
    merged = {name: changes.get(name, getattr(arrangement, name)) for name in EDITABLE}
    if not str(merged["specification"]).strip():
        raise ArrangementError("Enter the specification", "specification")
    if merged["charging"] not in Charging.values:
        raise ArrangementError("Select how it is charged", "charging")
    _refuse_terms({**merged, "starts_on": arrangement.starts_on})
    _check_money(merged["annual_value"], "annual_value", "the annual value")
    _check_money(merged["rate"], "rate", "the rate")
    sites = _check_sites(sites, {row.council_id for row in arrangement.served.all()})

    old_sites = list(arrangement.sites.order_by("name"))
    before = terms_audit(arrangement, old_sites)
    merged["specification"] = merged["specification"].strip()
    for name, value in merged.items():
        setattr(arrangement, name, value)
    arrangement.save(update_fields=list(EDITABLE))
    arrangement.sites.set(sites)
    after = terms_audit(arrangement, sorted(sites, key=lambda site: site.name))
    changed = [key for key in after if before.get(key) != after[key]]
    if not changed:
        return arrangement
    set_aside = agreed_rows(arrangement)
    ServedCouncil.objects.filter(pk__in=[row.pk for row in set_aside]).update(
        minute_ref="", resolved_on=None, recorded_by=None, recorded_at=None
    )
    cleared = [
        f"{row.council.name}: minute {row.minute_ref}, {long_date(row.resolved_on)}" for row in set_aside
    ]
    audit.record(
        actor=acting_user,
        cluster=arrangement.cluster,
        action="arrangement.updated",
        summary=f"Arrangement {arrangement.number} ({arrangement.service.name}) changed"
        + (
            f": {len(set_aside)} agreement{'s' if len(set_aside) != 1 else ''} to be made again"
            if set_aside
            else ""
        ),
        before={key: before.get(key, "") for key in changed},
        after={
            **{key: after[key] for key in changed},
            **({"agreements_cleared": cleared} if cleared else {}),
        },
    )
    if set_aside:
        _tell(
            [row.council_id for row in set_aside],
            "arrangement_terms_changed",
            {"arrangement": arrangement, "cluster": arrangement.cluster},
            skip=acting_user,
        )
    return arrangement


# The daily job


@dataclass
class DailyOutcome:
    activated: int = 0
    ended: int = 0


def run_daily(today: datetime.date | None = None) -> DailyOutcome:
    """Starts agreed arrangements whose start date has come, and ends those whose end date has
    passed (on that date). Each in its own transaction, each audited as done by Clusterwork; a rerun
    finds nothing left to do."""
    today = today or timezone.localdate()
    outcome = DailyOutcome()
    for pk in Arrangement.objects.filter(status=Status.AGREED, starts_on__lte=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            arrangement = _lock(Arrangement(pk=pk))
            if arrangement.status == Status.AGREED and arrangement.starts_on <= today:
                _move(
                    arrangement,
                    Status.ACTIVE,
                    None,
                    f"its start date, {long_date(arrangement.starts_on)}, came",
                )
                outcome.activated += 1
    ending = Arrangement.objects.filter(status__in=[Status.AGREED, Status.ACTIVE], ends_on__lt=today)
    for pk in ending.values_list("pk", flat=True):
        with transaction.atomic():
            arrangement = _lock(Arrangement(pk=pk))
            if (
                arrangement.status not in Arrangement.CLOSED
                and arrangement.ends_on
                and arrangement.ends_on < today
            ):
                _close(
                    arrangement,
                    None,
                    arrangement.ends_on,
                    "Its end date passed",
                    f"its end date, {long_date(arrangement.ends_on)}, passed",
                )
                outcome.ended += 1
    return outcome
