"""The services of manage.py load_national, on the first few hundred parishes: what the services
would have checked (only members served, never the lead; agreements between proposal and start; lines
within their arrangement's season, after its start and never in the future, at the served councils'
sites; volunteers trained for the work), the proportions the help documents, in bulk and the same
every time."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clusters.models import ClusterEvent, Membership
from parishes.management.commands import load_national
from parishes.models import AuditEvent
from parishes.national import NationalLoad
from services import national
from services.catalogue import USUAL_SERVICES
from services.models import (
    Arrangement,
    Assignment,
    Delivery,
    IndividualRequest,
    ServedCouncil,
    Service,
    Site,
    TrainingRecord,
    Volunteer,
)
from services.progress import behind_arrangement_ids
from services.seasons import season_of
from services.training import missing_training

LIMIT = 900

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        output = StringIO()
        call_command("load_national", "--limit", str(LIMIT), stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


def test_the_help_documents_the_proportions():
    text = load_national.Command().create_parser("manage.py", "load_national").format_help()
    assert "Services (added by services.national" in text
    assert "a Community Interest Company (15%)" in text and "200 individual-model requests" in text


def test_every_area_has_the_usual_catalogue(loaded):
    per_area = Counter(Service.objects.values_list("area_id", flat=True))
    assert set(per_area.values()) == {len(USUAL_SERVICES)}
    # The training each needs, as add_usual_services gives it.
    grass = Service.objects.filter(name="Rural verge cutting").first()
    assert set(grass.required_training.values_list("name", flat=True)) == {
        "Strimmer and brushcutter use",
        "Chapter 8 traffic management",
    }


def test_only_member_councils_are_served_and_they_agreed_in_order(loaded):
    today = timezone.localdate()
    arrangements = list(Arrangement.objects.select_related("cluster", "service"))
    assert len(arrangements) > 10
    statuses = Counter(a.status for a in arrangements)
    assert statuses["active"] > len(arrangements) / 3 and statuses["proposed"] + statuses["ended"] > 0
    members = set(
        Membership.objects.filter(status=Membership.Status.MEMBER).values_list("cluster_id", "council_id")
    )
    for a in arrangements:
        assert a.service.area_id == a.cluster.area_id
        assert (a.cluster_id, a.lead_council_id) in members
        rows = list(a.served.all())
        assert rows and 1 <= len(rows) <= 8
        proposed_on = timezone.localdate(a.proposed_at)
        assert a.cluster.active_since <= proposed_on <= today
        assert a.starts_on < a.review_on and (a.status == "ended" or a.review_on > today)
        for row in rows:
            assert (a.cluster_id, row.council_id) in members and row.council_id != a.lead_council_id
            assert row.agreed_quantity > 0
            if row.resolved_on:
                assert proposed_on <= row.resolved_on <= today and row.minute_ref
        agreed = [row.resolved_on for row in rows if row.resolved_on]
        if a.status == "proposed":
            assert len(agreed) < len(rows)
        else:
            assert len(agreed) == len(rows)
        if a.status in ("active", "ended"):
            assert max(agreed) < a.starts_on <= today
        else:
            assert a.starts_on > today
        if a.status == "ended":
            assert a.starts_on < a.ended_on <= today and a.end_reason
        for site in a.sites.all():
            assert site.council_id in {row.council_id for row in rows}


def test_a_season_of_lines_within_the_season_and_never_in_the_future(loaded):
    today = timezone.localdate()
    lines = list(Delivery.objects.select_related("arrangement", "site"))
    assert len(lines) > 100
    served = set(ServedCouncil.objects.values_list("arrangement_id", "council_id"))
    for line in lines:
        a = line.arrangement
        assert a.status == "active"
        assert line.done_on in season_of(today, a.season_starts, a.season_ends)
        assert a.starts_on <= line.done_on <= today
        assert (a.pk, line.council_id) in served
        assert line.site is None or line.site.council_id == line.council_id
        assert line.quantity > 0 and line.reverses_id is None
        assert line.recorded_at <= timezone.now() and timezone.localdate(line.recorded_at) >= line.done_on
    # Most running arrangements keep pace; some fall behind.
    active = Arrangement.objects.filter(status="active").values_list("pk", flat=True)
    behind = behind_arrangement_ids(active, today)
    assert 0 < len(behind) < len(active) / 3


def test_volunteers_did_the_work_with_current_training(loaded):
    for line in Delivery.objects.filter(volunteer__isnull=False).select_related("volunteer", "arrangement"):
        assert not missing_training(line.volunteer, line.arrangement.service, line.done_on)
        served = set(line.arrangement.served.values_list("council_id", flat=True))
        assert line.volunteer.council_id in {line.arrangement.lead_council_id, *served}
        assert line.volunteer.joined_on <= line.done_on
    for assignment in Assignment.objects.select_related("arrangement", "volunteer"):
        assert assignment.arrangement.delivery_model == "volunteers"
        assert assignment.volunteer.joined_on <= assignment.assigned_on
    for record in TrainingRecord.objects.all():
        assert record.completed_on < record.expires_on


def test_requests_across_the_country_with_their_outcomes(loaded):
    requests = list(IndividualRequest.objects.select_related("council", "service"))
    assert len(requests) == national.REQUESTS
    assert {r.status for r in requests} == {"waiting", "approved", "declined", "withdrawn"}
    for r in requests:
        assert r.service.area_id == r.council.area_id == r.area_id
        if r.status in ("approved", "declined"):
            assert r.submitted_at <= r.decided_at <= timezone.now() and r.reasons and r.decided_by_id
        else:
            assert r.decided_at is None
    assert AuditEvent.objects.filter(action="request.submitted").count() == len(requests)


def services_snapshot():
    return (
        sorted(
            Arrangement.objects.values_list(
                "cluster__slug", "number", "service__name", "status", "starts_on", "lead_council__gss_code"
            )
        ),
        sorted(
            ServedCouncil.objects.values_list("arrangement__cluster__slug", "council__gss_code", "minute_ref")
        ),
        sorted(
            Delivery.objects.values_list(
                "arrangement__cluster__slug", "council__gss_code", "done_on", "quantity"
            )
        ),
        sorted(IndividualRequest.objects.values_list("council__gss_code", "service__name", "status")),
        Site.objects.count(),
        Volunteer.objects.count(),
        TrainingRecord.objects.count(),
        ClusterEvent.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_step_writes_in_bulk_and_the_same_every_time(loaded):
    first = services_snapshot()
    with transaction.atomic():
        Delivery.objects.all().delete()
        Assignment.objects.all().delete()
        Volunteer.objects.all().delete()
        Arrangement.objects.all().delete()
        Site.objects.all().delete()
        IndividualRequest.objects.all().delete()
        ClusterEvent.objects.filter(action__regex=r"^(arrangement|delivery)\.").delete()
        AuditEvent.objects.filter(action__startswith="request.").delete()
        load = NationalLoad(password_hash="!")
        with CaptureQueriesContext(connection) as queries:
            national.load_services(load)
        assert services_snapshot() == first
        # Hundreds of rows a statement, not one.
        assert len(queries) * 20 < sum(load.counts.values())
        transaction.set_rollback(True)
