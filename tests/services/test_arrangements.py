"""Service arrangements, their rules: proposing (numbered, refused when wrong, emails after commit),
each served council's agreement (all or nothing, activation only when all have agreed), keeping,
withdrawing, ending, and the daily job."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from clusters.models import ClusterEvent, Membership
from config.dates import long_date
from parishes import services as parish_services
from parishes.audit_display import kind_of, rows
from parishes.models import Council, CouncilRole
from services import arrangements as services
from services.arrangements import ArrangementError, Served
from services.models import Arrangement, Assignment, ServedCouncil, Site, Volunteer

TODAY = timezone.localdate()


def _member(cast, name, gss, clerk=None):
    council = Council.objects.create(area=cast.north, name=name, gss_code=gss)
    Membership.objects.create(cluster=cast.cluster, council=council, status="member", joined_on=TODAY)
    if clerk is not None:
        parish_services.grant_council_role(acting_user=None, council=council, user=clerk, kind="clerk")
    return council


def propose(cast, service, *, by=None, served=None, **overrides):
    fields = {
        "acting_user": by or cast.clerk_a,
        "cluster": cast.cluster,
        "service": service,
        "lead_council": cast.council_a,
        "served": [Served(cast.council_b, Decimal("6"))] if served is None else served,
        "delivery_model": "own_staff",
        "legal_basis": "s101",
        "specification": "Six cuts of the green",
        "season_starts": 3,
        "season_ends": 10,
        "starts_on": TODAY + datetime.timedelta(days=30),
        "review_on": TODAY + datetime.timedelta(days=365),
        "charging": "fixed",
        "annual_value": Decimal("1200.00"),
    }
    return services.propose_arrangement(**{**fields, **overrides})


def agree(cast, arrangement, council, by, on=TODAY, minute="26/1"):
    return services.record_agreements(
        acting_user=by,
        arrangement=arrangement,
        agreements=[services.CouncilAgreement(council=council, minute_ref=minute, resolved_on=on)],
    )


def test_a_proposal_is_numbered_in_the_cluster_audited_and_asks_the_served_clerks(
    cast, grass_cutting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = propose(cast, grass_cutting)
        second = propose(cast, grass_cutting)
    assert (first.number, second.number) == (1, 2)
    assert first.status == Arrangement.Status.PROPOSED
    assert list(first.served.values_list("council", "agreed_quantity")) == [(cast.council_b.pk, Decimal("6"))]
    event = ClusterEvent.objects.filter(cluster=cast.cluster, action="arrangement.proposed").first()
    assert event.after["arrangement"] == 2 and kind_of(event.action) == "Services"
    assert ("Delivery model", "The lead council's own employees") in rows(event.after)
    assert ("Annual value", "£1,200.00") in rows(event.after)
    # Clerk B is asked, twice (two proposals); the proposer, who acts for the lead, is not.
    assert [m.to for m in mail.outbox] == [[cast.clerk_b.email]] * 2
    assert "record its agreement" in mail.outbox[0].body


def test_the_lead_clerk_is_asked_too_when_someone_else_proposes(
    cast, grass_cutting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        propose(cast, grass_cutting, by=cast.chair)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.clerk_a.email, cast.clerk_b.email])


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"served": []}, "served"),
        ({"delivery_model": "cic", "cic_name": "Verge CIC", "cic_number": "1234"}, "cic_number"),
        ({"delivery_model": "cic", "cic_name": "", "cic_number": "SC123456"}, "cic_name"),
        ({"delivery_model": "contractor"}, "contractor_name"),
        ({"delivery_model": "volunteers"}, "coordinator_name"),
        ({"legal_basis": "other"}, "legal_basis_other"),
        ({"charging": "per_unit"}, "rate"),
        ({"charging": "fixed", "rate": Decimal("5")}, "rate"),
        ({"review_on": TODAY}, "review_on"),
        ({"ends_on": TODAY}, "ends_on"),
        ({"annual_value": Decimal("-1")}, "annual_value"),
        ({"annual_value": Decimal("1.005")}, "annual_value"),
    ],
)
def test_terms_the_rules_refuse(cast, grass_cutting, overrides, field):
    overrides = {"starts_on": TODAY, **overrides}
    with pytest.raises(ArrangementError) as refused:
        propose(cast, grass_cutting, **overrides)
    assert refused.value.field == field
    assert not Arrangement.objects.exists()


def test_a_council_cannot_serve_itself_nor_be_outside_the_cluster(cast, grass_cutting):
    with pytest.raises(ArrangementError, match="does not serve itself"):
        propose(cast, grass_cutting, served=[Served(cast.council_a, Decimal("1"))])
    with pytest.raises(ArrangementError, match="is not a member"):
        propose(cast, grass_cutting, served=[Served(cast.council_c, Decimal("1"))])
    with pytest.raises(ArrangementError, match="more than 0"):
        propose(cast, grass_cutting, served=[Served(cast.council_b, Decimal("0"))])
    assert not Arrangement.objects.exists()


def test_a_retired_service_or_another_areas_cannot_be_chosen(cast, catalogue):
    retired = catalogue.get(name="Litter picking")
    retired.retired_at = timezone.now()
    retired.save()
    south = catalogue.model.objects.filter(area=cast.south).first()
    for service in (retired, south):
        with pytest.raises(ArrangementError, match="catalogue"):
            propose(cast, service)


def test_only_the_chosen_models_fields_are_kept_and_the_company_number_is_normalised(cast, grass_cutting):
    arrangement = propose(
        cast,
        grass_cutting,
        delivery_model="cic",
        cic_name=" Eden Verges CIC ",
        cic_number="sc 123456",
        contractor_name="Left over",
    )
    assert (arrangement.cic_name, arrangement.cic_number, arrangement.contractor_name) == (
        "Eden Verges CIC",
        "SC123456",
        "",
    )


def test_sites_must_be_of_a_council_served(cast, grass_cutting, site_b):
    site_a = Site.objects.create(council=cast.council_a, name="Lead's verge")
    with pytest.raises(ArrangementError, match="not a site"):
        propose(cast, grass_cutting, sites=[site_a])
    assert list(propose(cast, grass_cutting, sites=[site_b]).sites.all()) == [site_b]


def test_the_coordinator_who_signs_in_is_a_person_of_the_lead(cast, grass_cutting):
    with pytest.raises(ArrangementError, match="holds no role"):
        propose(
            cast, grass_cutting, delivery_model="volunteers", coordinator_name="Pat", coordinator=cast.clerk_b
        )
    arrangement = propose(
        cast,
        grass_cutting,
        delivery_model="volunteers",
        coordinator_name="Pat",
        coordinator=cast.councillor_a,
    )
    assert arrangement.coordinator == cast.councillor_a


def test_outsiders_and_officers_cannot_propose(cast, grass_cutting):
    for person in (cast.officer, cast.clerk_c):
        with pytest.raises(ArrangementError):
            propose(cast, grass_cutting, by=person)


# Agreement


def test_a_clerk_of_two_served_councils_agrees_for_both_and_it_becomes_active(
    cast, grass_cutting, django_capture_on_commit_callbacks
):
    third = _member(cast, "Crosby", "E04000150", clerk=cast.clerk_b)
    arrangement = propose(
        cast,
        grass_cutting,
        starts_on=TODAY,
        served=[Served(cast.council_b, Decimal("6")), Served(third, Decimal("4"))],
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.record_agreements(
            acting_user=cast.clerk_b,
            arrangement=arrangement,
            agreements=[
                services.CouncilAgreement(council=cast.council_b, minute_ref="26/4", resolved_on=TODAY),
                services.CouncilAgreement(council=third, minute_ref="C/9", resolved_on=TODAY),
            ],
        )
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.ACTIVE
    assert set(arrangement.served.values_list("minute_ref", flat=True)) == {"26/4", "C/9"}
    actions = list(
        ClusterEvent.objects.filter(action__startswith="arrangement.").values_list("action", flat=True)
    )
    assert actions.count("arrangement.agreement") == 2 and "arrangement.active" in actions
    # The lead's clerk is told that every council has agreed.
    assert [m.to for m in mail.outbox] == [[cast.clerk_a.email]]


def test_it_stays_proposed_until_every_served_council_has_agreed(cast, grass_cutting):
    third = _member(cast, "Crosby", "E04000150", clerk=cast.clerk_c)
    arrangement = propose(
        cast,
        grass_cutting,
        starts_on=TODAY,
        served=[Served(cast.council_b, Decimal("6")), Served(third, Decimal("4"))],
    )
    agree(cast, arrangement, cast.council_b, cast.clerk_b)
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.PROPOSED
    agree(cast, arrangement, third, cast.clerk_c)
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.ACTIVE


def test_agreed_before_its_start_waits_for_the_daily_job(cast, grass_cutting):
    arrangement = propose(cast, grass_cutting, starts_on=TODAY + datetime.timedelta(days=10))
    agree(cast, arrangement, cast.council_b, cast.clerk_b)
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.AGREED
    assert services.run_daily(TODAY).activated == 0
    outcome = services.run_daily(TODAY + datetime.timedelta(days=10))
    arrangement.refresh_from_db()
    assert (outcome.activated, arrangement.status) == (1, Arrangement.Status.ACTIVE)
    assert services.run_daily(TODAY + datetime.timedelta(days=10)).activated == 0  # a rerun does nothing


def test_the_daily_job_never_activates_a_proposal_and_ends_what_has_passed(cast, grass_cutting, arrangement):
    proposal = propose(cast, grass_cutting, starts_on=TODAY - datetime.timedelta(days=1), review_on=TODAY)
    arrangement.ends_on = TODAY - datetime.timedelta(days=1)
    arrangement.save()
    volunteer = Volunteer.objects.create(council=cast.council_a, name="Sam")
    Assignment.objects.create(volunteer=volunteer, arrangement=arrangement)
    outcome = services.run_daily(TODAY)
    proposal.refresh_from_db()
    arrangement.refresh_from_db()
    assert proposal.status == Arrangement.Status.PROPOSED
    assert (outcome.ended, arrangement.status, arrangement.ended_on) == (1, "ended", arrangement.ends_on)
    assert Assignment.objects.get().ended_on == arrangement.ends_on


@pytest.mark.parametrize(
    "by, on, minute, message",
    [
        ("clerk_a", TODAY, "1", "cannot record the agreement"),
        ("clerk_b", TODAY + datetime.timedelta(days=1), "1", "today or in the past"),
        ("clerk_b", TODAY - datetime.timedelta(days=1), "1", "when the arrangement was proposed"),
        ("clerk_b", TODAY, " ", "minute reference"),
    ],
)
def test_agreements_the_rules_refuse(cast, grass_cutting, by, on, minute, message):
    arrangement = propose(cast, grass_cutting)
    with pytest.raises(services.AgreementRefused, match=message) as refused:
        agree(cast, arrangement, cast.council_b, getattr(cast, by), on=on, minute=minute)
    assert refused.value.council == cast.council_b
    assert not ServedCouncil.objects.filter(resolved_on__isnull=False).exists()


def test_one_bad_row_keeps_nothing(cast, grass_cutting):
    third = _member(cast, "Crosby", "E04000150", clerk=cast.clerk_b)
    arrangement = propose(
        cast, grass_cutting, served=[Served(cast.council_b, Decimal("6")), Served(third, Decimal("4"))]
    )
    with pytest.raises(services.AgreementRefused):
        services.record_agreements(
            acting_user=cast.clerk_b,
            arrangement=arrangement,
            agreements=[
                services.CouncilAgreement(council=cast.council_b, minute_ref="1", resolved_on=TODAY),
                services.CouncilAgreement(
                    council=third, minute_ref="1", resolved_on=TODAY + datetime.timedelta(1)
                ),
            ],
        )
    assert not ServedCouncil.objects.filter(resolved_on__isnull=False).exists()


# Keeping, withdrawing, ending


def test_changes_are_audited_with_what_they_were(cast, arrangement, site_b):
    services.update_arrangement(
        acting_user=cast.clerk_a,
        arrangement=arrangement,
        sites=[],
        specification="Eight cuts",
        review_on=arrangement.review_on,
        annual_value=Decimal("1200"),  # as agreed: not a change
        charging="fixed",
        rate=None,
        ends_on=TODAY + datetime.timedelta(days=400),
    )
    event = ClusterEvent.objects.get(action="arrangement.updated")
    assert event.before == {
        "specification": "Six cuts a season of the church green, March to October",
        "ends_on": "",
        "sites": "Church green",
    }
    assert event.after == {
        "specification": "Eight cuts",
        "ends_on": (TODAY + datetime.timedelta(days=400)).isoformat(),
        "sites": "",
    }


@pytest.mark.parametrize(
    "change",
    [
        {"annual_value": Decimal("1500")},
        {"charging": "per_unit", "rate": Decimal("200")},
        {"annual_value": None},
    ],
)
@pytest.mark.parametrize("status", ["agreed", "active"])
def test_once_agreed_the_money_terms_need_a_new_arrangement(cast, arrangement, change, status):
    Arrangement.objects.filter(pk=arrangement.pk).update(status=status)
    with pytest.raises(ArrangementError) as refused:
        services.update_arrangement(acting_user=cast.clerk_a, arrangement=arrangement, sites=[], **change)
    assert refused.value.field == next(iter(change)) and "propose a new one" in str(refused.value)
    arrangement.refresh_from_db()
    assert (arrangement.annual_value, arrangement.charging, arrangement.rate) == (
        Decimal("1200"),
        "fixed",
        None,
    )
    assert arrangement.sites.count() == 1 and not ClusterEvent.objects.filter(action="arrangement.updated")


@pytest.fixture
def half_agreed(cast, grass_cutting):
    """A proposal serving B (agreed, by clerk B) and D (not yet)."""
    council_d = _member(cast, "Dufton", "E04000160")
    arrangement = propose(
        cast, grass_cutting, served=[Served(cast.council_b, Decimal("6")), Served(council_d, Decimal("4"))]
    )
    agree(cast, arrangement, cast.council_b, cast.clerk_b, minute="26/7")
    return arrangement


def test_changing_a_proposals_terms_sets_aside_the_agreements_and_asks_again(
    cast, half_agreed, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_arrangement(
            acting_user=cast.clerk_a,
            arrangement=half_agreed,
            sites=[],
            annual_value=Decimal("1500"),
            charging="fixed",
        )
    half_agreed.refresh_from_db()
    assert (half_agreed.status, half_agreed.annual_value) == ("proposed", Decimal("1500"))
    row = ServedCouncil.objects.get(arrangement=half_agreed, council=cast.council_b)
    assert (row.minute_ref, row.resolved_on, row.recorded_by, row.recorded_at) == ("", None, None, None)
    event = ClusterEvent.objects.get(action="arrangement.updated")
    assert event.after["agreements_cleared"] == [f"{cast.council_b.name}: minute 26/7, {long_date(TODAY)}"]
    assert "1 agreement to be made again" in event.summary
    assert [m.to for m in mail.outbox] == [[cast.clerk_b.email]]
    assert "resolve on the new terms" in mail.outbox[0].body
    # Agreeing again to the new terms is possible, and the proposal goes on.
    agree(cast, half_agreed, cast.council_b, cast.clerk_b, minute="26/9")
    assert ServedCouncil.objects.get(arrangement=half_agreed, council=cast.council_b).minute_ref == "26/9"


def test_an_edit_that_changes_nothing_keeps_the_agreements(
    cast, half_agreed, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_arrangement(
            acting_user=cast.clerk_a,
            arrangement=half_agreed,
            sites=[],
            specification=f"  {half_agreed.specification} ",
            annual_value=Decimal("1200.00"),
        )
    assert ServedCouncil.objects.get(arrangement=half_agreed, council=cast.council_b).minute_ref == "26/7"
    assert not ClusterEvent.objects.filter(action="arrangement.updated") and not mail.outbox


def test_only_its_keepers_change_it_and_never_once_ended(cast, arrangement):
    change = {"sites": [], "specification": "x", "charging": "fixed"}
    for person in (cast.clerk_b, cast.officer, cast.councillor_a):
        with pytest.raises(ArrangementError):
            services.update_arrangement(acting_user=person, arrangement=arrangement, **change)
    services.update_arrangement(acting_user=cast.chair, arrangement=arrangement, **change)
    services.end_arrangement(
        acting_user=cast.clerk_a, arrangement=arrangement, ended_on=TODAY, reason="Merged"
    )
    with pytest.raises(ArrangementError):
        services.update_arrangement(acting_user=cast.clerk_a, arrangement=arrangement, **change)
    with pytest.raises(ArrangementError):
        services.end_arrangement(
            acting_user=cast.clerk_a, arrangement=arrangement, ended_on=TODAY, reason="Again"
        )


def test_ending_closes_the_volunteers_assignments(cast, arrangement):
    volunteer = Volunteer.objects.create(council=cast.council_a, name="Sam")
    Assignment.objects.create(volunteer=volunteer, arrangement=arrangement)
    assert services.what_ending_closes(arrangement) == {"assignments": 1}
    services.end_arrangement(
        acting_user=cast.clerk_a, arrangement=arrangement, ended_on=TODAY, reason="Merged"
    )
    arrangement.refresh_from_db()
    assert (arrangement.status, arrangement.end_reason) == ("ended", "Merged")
    assert Assignment.objects.get().ended_on == TODAY
    event = ClusterEvent.objects.get(action="arrangement.ended")
    assert ("Volunteers' assignments ended", "1") in rows(event.after)


def test_a_proposal_is_withdrawn_by_its_proposer_or_the_lead_only(
    cast, grass_cutting, django_capture_on_commit_callbacks
):
    arrangement = propose(cast, grass_cutting, by=cast.chair)
    with pytest.raises(ArrangementError):
        services.withdraw_arrangement(acting_user=cast.clerk_b, arrangement=arrangement, reason="No")
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_arrangement(acting_user=cast.clerk_a, arrangement=arrangement, reason="Too dear")
    arrangement.refresh_from_db()
    assert arrangement.status == "withdrawn" and arrangement.end_reason == "Proposal withdrawn: Too dear"
    assert {m.to[0] for m in mail.outbox} >= {cast.clerk_b.email}
    event = ClusterEvent.objects.get(action="arrangement.withdrawn")
    assert ("Status", "Withdrawn") in rows(event.after)
    # Withdrawn is as closed as ended: never changed again.
    with pytest.raises(ArrangementError):
        services.update_arrangement(
            acting_user=cast.clerk_a, arrangement=arrangement, sites=[], specification="x", charging="fixed"
        )


def test_proposals_withdrawn_before_the_status_existed_become_withdrawn(cast, arrangement, grass_cutting):
    from django.apps import apps

    migration = importlib.import_module("services.migrations.0003_arrangement_withdrawn")
    withdrawn = propose(cast, grass_cutting)
    Arrangement.objects.filter(pk=withdrawn.pk).update(status="ended", end_reason="Proposal withdrawn: No")
    Arrangement.objects.filter(pk=arrangement.pk).update(status="ended", end_reason="Merged")
    migration.withdrawn_proposals(apps, None)
    assert dict(Arrangement.objects.values_list("pk", "status")) == {
        withdrawn.pk: "withdrawn",
        arrangement.pk: "ended",
    }


def test_a_clerk_who_left_the_lead_council_no_longer_keeps_it(cast, arrangement):
    role = CouncilRole.objects.get(user=cast.clerk_a, council=cast.council_a, ended_on__isnull=True)
    parish_services.end_council_role(acting_user=None, role=role, may_end_last_clerk=True)
    with pytest.raises(ArrangementError):
        services.end_arrangement(
            acting_user=cast.clerk_a, arrangement=arrangement, ended_on=TODAY, reason="x"
        )


def test_the_beat_schedule_runs_the_daily_job_through_its_task(cast, grass_cutting, settings):
    from services.tasks import run_arrangement_dates

    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].endswith("run_arrangement_dates")
    )
    assert entry["task"] == run_arrangement_dates.name
    arrangement = propose(cast, grass_cutting, starts_on=TODAY + datetime.timedelta(days=3))
    agree(cast, arrangement, cast.council_b, cast.clerk_b)
    day = (TODAY + datetime.timedelta(days=3)).isoformat()
    assert run_arrangement_dates.delay(day).get() == {"activated": 1, "ended": 0}
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.ACTIVE
