"""The services of the demo (services/demo.py), built once for this module: the seed documents'
examples, their dates in order, one arrangement behind the season's pace, one expired certificate, one
agreement owed; and a second run changes nothing."""

import datetime
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from clusters.access import ClusterPermissions
from clusters.models import ClusterEvent
from parishes.models import AuditEvent, CouncilRole
from services import demo
from services.access import ArrangementPermissions
from services.catalogue import USUAL_SERVICES
from services.models import (
    Arrangement,
    Assignment,
    Delivery,
    IndividualRequest,
    ServedCouncil,
    Service,
    TrainingRecord,
    Volunteer,
)
from services.progress import behind_arrangement_ids
from services.seasons import progress, season_of
from services.training import EXPIRING_SOON_DAYS

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def services_counts():
    return {m._meta.label: m.objects.count() for m in apps.get_app_config("services").get_models()}


def test_the_seed_documents_examples_are_there(seeded):
    arrangements = {
        (a.cluster.name, a.service.name): a
        for a in Arrangement.objects.select_related("cluster", "service", "lead_council", "coordinator")
    }
    grass = arrangements["Witney & District Services", "Urban grass cutting"]
    assert grass.lead_council.name == "Witney"
    assert grass.delivery_model == Arrangement.DeliveryModel.OWN_STAFF
    assert grass.status == Arrangement.Status.ACTIVE
    assert grass.served.count() == 4
    assert arrangements["Witney & District Services", "Sign cleaning"].lead_council.name == "Witney"
    verges = arrangements["Chipping Norton Area", "Rural verge cutting"]
    assert verges.delivery_model == Arrangement.DeliveryModel.CIC
    assert verges.cic_name and len(verges.cic_number) == 8
    litter = arrangements["Brampton & Area", "Litter picking"]
    assert litter.delivery_model == Arrangement.DeliveryModel.VOLUNTEERS
    # The co-ordinator signs in: a councillor of the lead council.
    assert litter.coordinator.email == "councillor@brampton.example"
    assert CouncilRole.objects.filter(
        user=litter.coordinator, council=litter.lead_council, kind=CouncilRole.Kind.COUNCILLOR
    ).exists()
    # Every demo area has the usual catalogue, and each arrangement's sites are its served councils'.
    for area in ("cumbria", "oxfordshire"):
        assert Service.objects.filter(area__slug=area).count() == len(USUAL_SERVICES)
    for arrangement in arrangements.values():
        served = set(arrangement.served.values_list("council_id", flat=True))
        assert set(arrangement.sites.values_list("council_id", flat=True)) <= served


def test_every_council_served_by_an_active_arrangement_agreed_and_one_agreement_is_owed(seeded):
    active = ServedCouncil.objects.filter(arrangement__status=Arrangement.Status.ACTIVE)
    assert active.exists()
    assert not active.filter(resolved_on__isnull=True).exists()
    assert not active.filter(minute_ref="").exists()
    proposed = Arrangement.objects.select_related("cluster").get(status=Arrangement.Status.PROPOSED)
    owed = proposed.served.filter(resolved_on__isnull=True)
    assert owed.count() == 1
    # The clerk of that council sees the agreement they owe.
    clerk = get_user_model().objects.get(email="clerk@upper-eden.example")
    permissions = ArrangementPermissions(ClusterPermissions(clerk, proposed.cluster), proposed)
    assert permissions.agreeing_council_ids() == {owed.get().council_id}


def test_exactly_one_arrangement_is_behind_the_seasons_pace(seeded):
    today = timezone.localdate()
    active = Arrangement.objects.filter(status=Arrangement.Status.ACTIVE)
    behind = behind_arrangement_ids(active.values_list("pk", flat=True), today)
    assert len(behind) == 1
    arrangement = Arrangement.objects.get(pk=behind.pop())
    assert arrangement.deliveries.exclude(notes="").exists(), "the log says why it is behind"


@pytest.mark.parametrize("offset", range(0, 366, 3))
def test_the_demo_has_one_arrangement_behind_whatever_the_day(offset):
    """The log follows the calendar: on any day of a year, the arrangement chosen to be behind is,
    and every other is on pace (early in a season nothing can be behind yet)."""
    today = datetime.date(2026, 1, 1) + datetime.timedelta(days=offset)
    behind, _ = demo._behind_plan(today)
    for plan in demo.PLANS:
        if plan.proposed_days_ago is not None:
            continue
        season = season_of(today, *plan.season)
        share = demo.BEHIND_SHARE if plan is behind else Decimal(1)
        states = {
            progress(Decimal(q), demo._paced(q, plan.per_line, season, today, share)[1], season, today).behind
            for q in plan.served.values()
        }
        assert states == {plan is behind}, (plan.service, today)


def test_one_certificate_has_expired_and_one_expires_soon(seeded):
    today = timezone.localdate()
    assert TrainingRecord.objects.filter(expires_on__lt=today).count() == 1
    assert (
        TrainingRecord.objects.filter(
            expires_on__gte=today, expires_on__lte=today + datetime.timedelta(EXPIRING_SOON_DAYS)
        ).count()
        == 1
    )
    # A volunteer has left, keeping their records; the others are assigned to the litter pick.
    leaver = Volunteer.objects.get(left_on__isnull=False)
    assert Delivery.objects.filter(volunteer=leaver).exists()
    assert not Assignment.objects.filter(volunteer=leaver, ended_on__isnull=True).exists()
    assert (
        Assignment.objects.filter(ended_on__isnull=True).count()
        == Volunteer.objects.filter(left_on=None).count()
    )


def test_dates_are_in_order_and_never_in_the_future(seeded):
    today = timezone.localdate()
    now = timezone.now()
    problems = []

    def check(ok, message):
        if not ok:
            problems.append(message)

    def day(moment):
        return timezone.localdate(moment)

    for a in Arrangement.objects.select_related("cluster"):
        what = f"{a.cluster.name} {a.number}"
        check(a.cluster.active_since <= day(a.proposed_at) <= today, f"{what}: proposed out of order")
        check(a.starts_on < a.review_on and a.review_on > today, f"{what}: review date")
        for served in a.served.all():
            if served.resolved_on:
                check(
                    day(a.proposed_at) <= served.resolved_on <= day(served.recorded_at), f"{what}: agreement"
                )
                check(served.recorded_at <= now, f"{what}: agreement recorded in the future")
                check(
                    a.status == "proposed" or served.resolved_on < a.starts_on,
                    f"{what}: agreed after it started",
                )
        season = season_of(today, a.season_starts, a.season_ends)
        lines = list(a.deliveries.all())
        served_ids = set(a.served.values_list("council_id", flat=True))
        check(a.status == "active" or not lines, f"{what}: lines of an arrangement not active")
        for line in lines:
            check(
                line.done_on in season and a.starts_on <= line.done_on <= today,
                f"{what}: {line} out of season",
            )
            check(
                line.done_on <= day(line.recorded_at) and line.recorded_at <= now, f"{what}: {line} recorded"
            )
            check(line.council_id in served_ids, f"{what}: {line} for a council not served")
            check(line.site is None or line.site.council_id == line.council_id, f"{what}: {line}'s site")
        events = ClusterEvent.objects.filter(cluster=a.cluster, action__startswith="arrangement")
        check(all(day(e.created_at) >= a.cluster.active_since for e in events), f"{what}: history")
    for v in Volunteer.objects.all():
        for assignment in v.assignments.all():
            check(v.joined_on <= assignment.assigned_on <= today, f"{v}: assigned before joining")
        for record in v.training.all():
            check(record.completed_on <= today, f"{record}: completed in the future")
            check(record.expires_on is None or record.expires_on > record.completed_on, f"{record}: expiry")
            check(
                day(record.recorded_at) >= max(record.completed_on, v.joined_on), f"{record}: recorded early"
            )
        for line in Delivery.objects.filter(volunteer=v):
            check(
                v.joined_on <= line.done_on and (v.left_on is None or line.done_on < v.left_on),
                f"{v}: {line}",
            )
    for r in IndividualRequest.objects.all():
        check(r.submitted_at <= now and r.starts_on > day(r.submitted_at), f"{r}: submitted")
        check(r.decided_at is None or r.submitted_at < r.decided_at <= now, f"{r}: decided out of order")
    for model in (ClusterEvent, AuditEvent):
        check(not model.objects.filter(created_at__gt=now).exists(), f"a {model.__name__} in the future")
    assert not problems, "\n".join(problems)


def test_a_council_asks_to_deliver_for_itself_alone(seeded):
    requests = IndividualRequest.objects.filter(council__name="Woodstock")
    assert set(requests.values_list("status", flat=True)) == {"waiting", "approved"}
    approved = requests.get(status="approved")
    assert approved.reasons and approved.decided_by.email == "officer@oxfordshire.example"
    assert AuditEvent.objects.filter(council__name="Woodstock", action__startswith="request.").count() == 3


def test_running_it_twice_changes_nothing(seeded):
    first = services_counts()
    latest = ClusterEvent.objects.latest("pk").pk, AuditEvent.objects.latest("pk").pk
    output = StringIO()
    call_command("seed_demo", stdout=output)
    # The services' step lists the person it made in the printed table, on every run.
    assert re.search(
        r"^clerk@woodstock\.example +Clerk, asks the county for services +Woodstock ", output.getvalue(), re.M
    )
    assert services_counts() == first
    assert (ClusterEvent.objects.latest("pk").pk, AuditEvent.objects.latest("pk").pk) == latest
