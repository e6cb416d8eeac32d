"""The arrangement pages: who sees and changes what (lead clerk, served clerk, chair, officer, a
councillor of the lead; council C's clerk and area South's people get 404), bad input refused by
the field with nothing written, one form for a clerk of two served councils, delivered against
agreed only for the councils whose log a person reads, and query counts that do not grow."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clusters.models import ClusterEvent, Membership
from parishes import services as parish_services
from parishes.models import Council
from services.models import Arrangement, Delivery, ServedCouncil

TODAY = timezone.localdate()
INSIDERS = ("clerk_a", "clerk_b", "chair", "officer", "councillor_a", "secretary")
OUTSIDERS = ("clerk_c", "clerk_d", "south_officer", "south_admin")


def url(name, cast, number=None):
    args = [cast.cluster.slug] + ([number] if number is not None else [])
    return reverse(f"services:{name}", args=args)


def _member(cast, name, gss, clerk):
    council = Council.objects.create(area=cast.north, name=name, gss_code=gss)
    Membership.objects.create(cluster=cast.cluster, council=council, status="member", joined_on=TODAY)
    parish_services.grant_council_role(acting_user=None, council=council, user=clerk, kind="clerk")
    return council


def _deliver(arrangement, council, quantity):
    Delivery.objects.create(
        arrangement=arrangement,
        council=council,
        done_on=max(TODAY.replace(month=3, day=15), arrangement.starts_on)
        if TODAY.month >= 3
        else TODAY.replace(year=TODAY.year - 1, month=5),
        quantity=Decimal(quantity),
    )


def valid_proposal(cast, service, **changes):
    return {
        "service": service.pk,
        "lead_council": cast.council_a.pk,
        f"served_{cast.council_b.pk}": "6",
        "delivery_model": "own_staff",
        "legal_basis": "s101",
        "specification": "Six cuts of the church green",
        "season_starts": "3",
        "season_ends": "10",
        "starts_on": TODAY.isoformat(),
        "review_on": (TODAY + datetime.timedelta(days=365)).isoformat(),
        "annual_value": "£1,200.00",
        "charging": "fixed",
        **changes,
    }


# The services page


def test_the_cluster_sub_navigation_shows_services(cast, client_for):
    page = client_for(cast.clerk_b).get(reverse("clusters:overview", args=[cast.cluster.slug]))
    assert f'href="{url("cluster", cast)}"' in page.content.decode()


@pytest.mark.parametrize("who", INSIDERS)
def test_insiders_see_the_services_page_and_the_arrangement(cast, client_for, arrangement, who):
    client = client_for(getattr(cast, who))
    listing = client.get(url("cluster", cast))
    assert listing.status_code == 200 and "Urban grass cutting" in listing.content.decode()
    assert client.get(url("arrangement", cast, 1)).status_code == 200


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_everywhere(cast, client_for, arrangement, who):
    client = client_for(getattr(cast, who))
    for name, number in [
        ("cluster", None),
        ("propose", None),
        ("arrangement", 1),
        ("agree", 1),
        ("arrangement_edit", 1),
        ("arrangement_end", 1),
        ("arrangement_withdraw", 1),
    ]:
        assert client.get(url(name, cast, number)).status_code == 404
        assert client.post(url(name, cast, number)).status_code == 404


def test_the_empty_state_explains_and_offers_to_propose(cast, client_for, catalogue):
    page = client_for(cast.clerk_a).get(url("cluster", cast)).content.decode()
    assert "No services yet" in page and "A service arrangement is how" in page
    assert url("propose", cast) in page
    assert url("propose", cast) not in client_for(cast.officer).get(url("cluster", cast)).content.decode()


def test_figures_only_for_the_councils_whose_log_a_person_reads(cast, client_for, arrangement):
    crosby = _member(cast, "Crosby", "E04000150", cast.clerk_c)
    ServedCouncil.objects.create(
        arrangement=arrangement,
        council=crosby,
        agreed_quantity=Decimal("4"),
        minute_ref="1",
        resolved_on=TODAY,
    )
    _deliver(arrangement, cast.council_b, "2")
    _deliver(arrangement, crosby, "3")
    for page in ("cluster", "arrangement"):
        seen_by_b = client_for(cast.clerk_b).get(url(page, cast, 1 if page == "arrangement" else None))
        text = seen_by_b.content.decode()
        assert "2 of 6 cuts done" in text and "3 of 4 cuts done" not in text
        whole = (
            client_for(cast.officer)
            .get(url(page, cast, 1 if page == "arrangement" else None))
            .content.decode()
        )
        assert "2 of 6 cuts done" in whole and "3 of 4 cuts done" in whole


def test_the_status_filter(cast, client_for, arrangement, grass_cutting):
    Arrangement.objects.create(
        **{
            f.name: getattr(arrangement, f.name)
            for f in Arrangement._meta.concrete_fields
            if f.name not in ("id",)
        }
        | {"number": 2, "status": "ended", "ended_on": TODAY, "service": grass_cutting}
    )
    client = client_for(cast.chair)
    ended = client.get(url("cluster", cast), {"status": "ended"}).content.decode()
    assert "1 arrangement ended" in ended
    bad = client.get(url("cluster", cast), {"status": "nonsense"})
    assert bad.status_code == 200 and "Select a status from the list" in bad.content.decode()
    assert "2 arrangements" in bad.content.decode()


# Proposing


@pytest.mark.parametrize(
    "who, status",
    [("clerk_a", 200), ("clerk_b", 200), ("chair", 200), ("officer", 403), ("councillor_a", 403)],
)
def test_who_may_propose(cast, client_for, catalogue, who, status):
    assert client_for(getattr(cast, who)).get(url("propose", cast)).status_code == status


def test_a_proposal_through_the_page(cast, client_for, grass_cutting, site_b):
    client = client_for(cast.clerk_a)
    response = client.post(url("propose", cast), valid_proposal(cast, grass_cutting, sites=[site_b.pk]))
    assert response.status_code == 302, response.content.decode()[:3000]
    arrangement = Arrangement.objects.get()
    assert response.url == url("arrangement", cast, arrangement.number)
    assert (arrangement.annual_value, list(arrangement.sites.all())) == (Decimal("1200.00"), [site_b])
    assert arrangement.served.get().agreed_quantity == Decimal("6")
    page = client.get(response.url).content.decode()
    assert "Agreed so far by 0 of the 1 council it serves" in page
    assert url("log", cast, arrangement.number) not in page  # nothing to log until it is active
    history = client.get(reverse("clusters:history", args=[cast.cluster.slug]), {"kind": "services"})
    assert "Arrangement 1 proposed: Urban grass cutting led by Ashby" in history.content.decode()
    assert "£1,200.00" in history.content.decode()


@pytest.mark.parametrize("who", ["clerk_a", "clerk_b", "officer"])
def test_the_delivery_log_is_linked_once_active(cast, client_for, arrangement, who):
    page = client_for(getattr(cast, who)).get(url("arrangement", cast, 1)).content.decode()
    assert url("log", cast, 1) in page


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("service", "", "Select the service"),
        ("service", "999999", "Select a service of the catalogue"),
        ("lead_council", "", "Select the service lead"),
        ("served_B", "", "at least one member council"),
        ("served_B", "-1", "more than 0"),
        ("served_B", "1.005", "2 decimal places"),
        ("served_B", "1e30", "at most"),
        ("served_A", "3", "leads the arrangement"),
        ("delivery_model", "", "Select how the service is delivered"),
        ("cic_number", "12345", "Companies House"),
        ("legal_basis", "other", "Enter the power"),
        ("specification", "", "Enter the specification"),
        ("season_starts", "13", "Select a month"),
        ("starts_on", "2026-02-30", "must be a real date"),
        ("review_on", "1990-01-01", "after the start date"),
        ("ends_on", "1990-01-01", "after the start date"),
        ("annual_value", "-5", "£0 or more"),
        ("annual_value", "12.345", "pounds and pence"),
        ("annual_value", "NaN", "pounds and pence"),
        ("charging", "per_unit", "Enter the rate per unit"),
        ("rate", "5", "Leave the rate empty"),
        ("sites", "999999", "Select sites"),
        ("coordinator", "999999:1", "Select a person"),
    ],
)
def test_bad_proposals_are_refused_by_the_field_and_write_nothing(
    cast, client_for, grass_cutting, field, value, message
):
    data = valid_proposal(cast, grass_cutting)
    if field == "cic_number":
        data |= {"delivery_model": "cic", "cic_name": "Verges CIC"}
    field = {"served_B": f"served_{cast.council_b.pk}", "served_A": f"served_{cast.council_a.pk}"}.get(
        field, field
    )
    data[field] = value
    events = ClusterEvent.objects.count()
    response = client_for(cast.clerk_a).post(url("propose", cast), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Arrangement.objects.exists() and ClusterEvent.objects.count() == events


def test_a_cic_coordinator_and_another_power_are_kept(cast, client_for, grass_cutting):
    data = valid_proposal(
        cast,
        grass_cutting,
        delivery_model="volunteers",
        coordinator_name="Pat Green",
        coordinator=f"{cast.councillor_a.pk}:{cast.council_a.pk}",
        legal_basis="other",
        legal_basis_other="Open Spaces Act 1906, s10",
        charging="per_unit",
        rate="25.50",
    )
    assert client_for(cast.clerk_a).post(url("propose", cast), data).status_code == 302
    arrangement = Arrangement.objects.get()
    assert (arrangement.coordinator, arrangement.legal_basis_other, arrangement.rate) == (
        cast.councillor_a,
        "Open Spaces Act 1906, s10",
        Decimal("25.50"),
    )


# Agreement


@pytest.fixture
def proposal(cast, grass_cutting):
    """Proposed today by clerk A: Brampton (clerk B) and Crosby (clerk B too) to agree."""
    crosby = _member(cast, "Crosby", "E04000150", cast.clerk_b)
    arrangement = Arrangement.objects.create(
        cluster=cast.cluster,
        number=1,
        service=grass_cutting,
        lead_council=cast.council_a,
        delivery_model="own_staff",
        legal_basis="s101",
        specification="Cuts",
        season_starts=3,
        season_ends=10,
        starts_on=TODAY,
        review_on=TODAY + datetime.timedelta(days=365),
        charging="fixed",
        proposed_by=cast.clerk_a,
    )
    for council, quantity in ((cast.council_b, "6"), (crosby, "4")):
        ServedCouncil.objects.create(
            arrangement=arrangement, council=council, agreed_quantity=Decimal(quantity)
        )
    return arrangement


def _rows(*councils, minute="26/4", on=TODAY):
    data = {}
    for council in councils:
        data |= {
            f"council-{council.pk}-minute_ref": minute,
            f"council-{council.pk}-resolved_on": on.isoformat(),
        }
    return data


def test_a_clerk_of_two_served_councils_agrees_for_both_in_one_submission(cast, client_for, proposal):
    crosby = Council.objects.get(name="Crosby")
    client = client_for(cast.clerk_b)
    page = client.get(url("arrangement", cast, 1)).content.decode()
    assert f"council-{cast.council_b.pk}-minute_ref" in page and f"council-{crosby.pk}-minute_ref" in page
    response = client.post(url("agree", cast, 1), _rows(cast.council_b, crosby))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Arrangement.Status.ACTIVE
    assert ServedCouncil.objects.filter(resolved_on=TODAY).count() == 2


def test_one_bad_row_keeps_nothing_and_shows_its_error(cast, client_for, proposal):
    crosby = Council.objects.get(name="Crosby")
    data = _rows(cast.council_b) | _rows(crosby, on=TODAY + datetime.timedelta(days=3))
    response = client_for(cast.clerk_b).post(url("agree", cast, 1), data)
    assert response.status_code == 200
    assert "Crosby: The date of the resolution must be today or in the past" in response.content.decode()
    assert not ServedCouncil.objects.filter(resolved_on__isnull=False).exists()
    before = _rows(cast.council_b, on=TODAY - datetime.timedelta(days=1))
    response = client_for(cast.clerk_b).post(url("agree", cast, 1), before)
    assert "when the arrangement was proposed" in response.content.decode()
    response = client_for(cast.clerk_b).post(url("agree", cast, 1), {})
    assert "Record the resolution of at least one council" in response.content.decode()
    assert not ServedCouncil.objects.filter(resolved_on__isnull=False).exists()


@pytest.mark.parametrize("who", ["officer", "chair", "clerk_a", "councillor_a"])
def test_people_who_act_for_no_served_council_may_not_agree(cast, client_for, proposal, who):
    response = client_for(getattr(cast, who)).post(url("agree", cast, 1), _rows(cast.council_b))
    assert response.status_code == 403
    assert not ServedCouncil.objects.filter(resolved_on__isnull=False).exists()


# Keeping, ending, withdrawing


@pytest.mark.parametrize(
    "who, status",
    [("clerk_a", 200), ("chair", 200), ("clerk_b", 403), ("officer", 403), ("councillor_a", 403)],
)
def test_who_may_keep_it(cast, client_for, arrangement, who, status):
    client = client_for(getattr(cast, who))
    assert client.get(url("arrangement_edit", cast, 1)).status_code == status
    assert client.get(url("arrangement_end", cast, 1)).status_code == status
    if status == 403:
        assert client.post(url("arrangement_edit", cast, 1), {"specification": "x"}).status_code == 403
        assert client.post(url("arrangement_end", cast, 1), {"reason": "x"}).status_code == 403
        arrangement.refresh_from_db()
        assert arrangement.status == "active"


def test_editing_a_proposal_through_the_page_warns_of_the_agreements_it_sets_aside(
    cast, client_for, proposal, site_b
):
    client = client_for(cast.clerk_a)
    assert "have agreed" not in client.get(url("arrangement_edit", cast, 1)).content.decode()
    ServedCouncil.objects.filter(council=cast.council_b).update(minute_ref="26/4", resolved_on=TODAY)
    page = client.get(url("arrangement_edit", cast, 1)).content.decode()
    assert f"1 council has agreed to the terms as they are ({cast.council_b.name})" in page
    assert "asked to resolve again" in page
    data = {
        "specification": "Eight cuts",
        "sites": [site_b.pk],
        "review_on": (TODAY + datetime.timedelta(days=100)).isoformat(),
        "annual_value": "1500",
        "charging": "per_hour",
        "rate": "",
    }
    response = client.post(url("arrangement_edit", cast, 1), data)
    assert "Enter the rate per hour" in response.content.decode()
    assert ServedCouncil.objects.get(council=cast.council_b).has_agreed  # refused: nothing set aside
    response = client.post(url("arrangement_edit", cast, 1), data | {"rate": "18.00"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.specification, proposal.rate) == ("Eight cuts", Decimal("18.00"))
    assert ClusterEvent.objects.filter(action="arrangement.updated").count() == 1
    assert not ServedCouncil.objects.filter(arrangement=proposal, resolved_on__isnull=False).exists()


def test_once_agreed_the_page_changes_only_the_wording_sites_and_dates(cast, client_for, arrangement):
    client = client_for(cast.clerk_a)
    page = client.get(url("arrangement_edit", cast, 1)).content.decode()
    assert "end this arrangement and propose a new one" in page
    assert 'name="annual_value"' not in page and 'name="charging"' not in page and 'name="rate"' not in page
    data = {
        "specification": "Eight cuts",
        "review_on": arrangement.review_on.isoformat(),
        "annual_value": "9999",  # not a field here: never kept
        "charging": "per_hour",
    }
    assert client.post(url("arrangement_edit", cast, 1), data).status_code == 302
    arrangement.refresh_from_db()
    assert (arrangement.specification, arrangement.annual_value, arrangement.charging) == (
        "Eight cuts",
        Decimal("1200.00"),
        "fixed",
    )
    # An agreed arrangement's agreements stay: only a proposal's are set aside.
    assert ServedCouncil.objects.get(arrangement=arrangement).minute_ref == "24/31"


def test_ending_asks_first_then_makes_it_read_only(cast, client_for, arrangement):
    client = client_for(cast.clerk_a)
    page = client.get(url("arrangement_end", cast, 1)).content.decode()
    assert "Cancel" in page and "no more work can be recorded" in page
    response = client.post(url("arrangement_end", cast, 1), {"ended_on": TODAY.isoformat(), "reason": ""})
    assert "Enter why the arrangement is ending" in response.content.decode()
    future = (TODAY + datetime.timedelta(days=1)).isoformat()
    response = client.post(url("arrangement_end", cast, 1), {"ended_on": future, "reason": "Merged"})
    assert "today or in the past" in response.content.decode()
    arrangement.refresh_from_db()
    assert arrangement.status == "active"
    response = client.post(
        url("arrangement_end", cast, 1), {"ended_on": TODAY.isoformat(), "reason": "Merged"}
    )
    assert response.status_code == 302
    arrangement.refresh_from_db()
    assert arrangement.status == "ended"
    page = client.get(url("arrangement", cast, 1)).content.decode()
    assert "It can no longer be changed" in page and url("arrangement_edit", cast, 1) not in page
    assert client.get(url("arrangement_edit", cast, 1)).status_code == 302


def test_withdrawing_a_proposal(cast, client_for, proposal):
    for who in ("clerk_b", "officer", "councillor_a"):
        other = client_for(getattr(cast, who))
        assert other.get(url("arrangement_withdraw", cast, 1)).status_code == 403
        assert other.post(url("arrangement_withdraw", cast, 1), {"reason": "No"}).status_code == 403
    client = client_for(cast.clerk_a)
    assert "Cancel" in client.get(url("arrangement_withdraw", cast, 1)).content.decode()
    assert client.post(url("arrangement_withdraw", cast, 1), {"reason": ""}).status_code == 200
    assert client.post(url("arrangement_withdraw", cast, 1), {"reason": "Too dear"}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"
    page = client.get(url("arrangement", cast, 1)).content.decode()
    assert "govuk-tag--grey" in page and "was withdrawn on" in page
    assert url("arrangement_edit", cast, 1) not in page
    assert client.get(url("arrangement_edit", cast, 1)).status_code == 302


# Query counts


def _grow(cast, arrangement, extra: int):
    """More arrangements, each serving B with a delivery, and more member councils served."""
    start = Council.objects.count()
    last = Arrangement.objects.filter(cluster=cast.cluster).count()
    for i in range(start, start + extra):
        council = Council.objects.create(area=cast.north, name=f"Member {i}", gss_code=f"E04{900000 + i:06d}")
        Membership.objects.create(cluster=cast.cluster, council=council, status="member", joined_on=TODAY)
        copy = Arrangement.objects.create(
            **{
                f.name: getattr(arrangement, f.name)
                for f in Arrangement._meta.concrete_fields
                if f.name != "id"
            }
            | {"number": last + i - start + 1}
        )
        for served in (cast.council_b, council):
            ServedCouncil.objects.create(
                arrangement=copy,
                council=served,
                agreed_quantity=Decimal("5"),
                minute_ref="1",
                resolved_on=TODAY,
            )
            ServedCouncil.objects.get_or_create(
                arrangement=arrangement,
                council=council,
                defaults={"agreed_quantity": Decimal("2"), "minute_ref": "1", "resolved_on": TODAY},
            )
            _deliver(copy, served, "1")


def _count(client, address):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["clerk_a", "clerk_b", "officer"])
def test_query_counts_do_not_grow_with_arrangements_and_records(cast, client_for, arrangement, who):
    client = client_for(getattr(cast, who))
    _grow(cast, arrangement, 1)
    _count(client, url("cluster", cast))  # warm up: caches filled on a first request (content types)
    small = [_count(client, url("cluster", cast)), _count(client, url("arrangement", cast, 1))]
    _grow(cast, arrangement, 11)
    assert Arrangement.objects.count() == 13
    large = [_count(client, url("cluster", cast)), _count(client, url("arrangement", cast, 1))]
    assert small == large


@pytest.mark.parametrize("status", ["proposed", "active"])
def test_the_edit_page_query_count_does_not_grow_with_councils_agreed(cast, client_for, arrangement, status):
    Arrangement.objects.filter(pk=arrangement.pk).update(status=status)
    client = client_for(cast.clerk_a)
    _grow(cast, arrangement, 1)
    _count(client, url("arrangement_edit", cast, 1))
    small = _count(client, url("arrangement_edit", cast, 1))
    _grow(cast, arrangement, 11)
    assert ServedCouncil.objects.filter(arrangement=arrangement, resolved_on__isnull=False).count() == 13
    assert _count(client, url("arrangement_edit", cast, 1)) == small
