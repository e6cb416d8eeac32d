"""Dissolving a cluster is deliberate: it needs a reason and the resolution that decided it, says
what it will close, and closes exactly that (open proposals withdrawn, positions ended, invitations
withdrawn) in one audited step. Every confirmation page offers a way back."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clusters import decisions, leadership, membership
from clusters.membership import MembershipError
from clusters.models import Cluster, ClusterEvent, Decision, Membership, Position
from parishes.models import CouncilRole

TODAY = timezone.localdate()


def status_url(cast):
    return reverse("clusters:status", args=[cast.cluster.slug])


def body(**fields):
    return {
        "to": "dissolved",
        "reason": "The councils now share a clerk through the district",
        "minute_ref": "Decision 14",
        "resolved_on": TODAY.isoformat(),
        **fields,
    }


@pytest.fixture
def open_business(cast):
    """What an active cluster has open: a proposal waiting for the chair, one already decided,
    and an invitation not yet answered."""
    waiting = decisions.propose_decision(
        acting_user=cast.clerk_a,
        cluster=cast.cluster,
        title="Buy a verge mower",
        text="One mower for the cluster's verges.",
        method="chair",
        proposing_council=cast.council_a,
    )
    decided = decisions.propose_decision(
        acting_user=cast.clerk_a,
        cluster=cast.cluster,
        title="Share a speed-watch kit",
        text="One kit, passed between the councils.",
        method="chair",
        proposing_council=cast.council_a,
    )
    decisions.decide(acting_user=cast.chair, decision=decided, approve=True, reasons="Agreed")
    invited = membership.invite_council(acting_user=cast.chair, cluster=cast.cluster, council=cast.council_c)
    return waiting, decided, invited


def snapshot(cast):
    return (
        Cluster.objects.get(pk=cast.cluster.pk).status,
        sorted(Decision.objects.filter(cluster=cast.cluster).values_list("number", "status")),
        sorted(Position.objects.filter(cluster=cast.cluster).values_list("pk", "ended_on")),
        sorted(Membership.objects.filter(cluster=cast.cluster).values_list("pk", "status")),
        ClusterEvent.objects.filter(cluster=cast.cluster).count(),
    )


def test_the_page_says_what_dissolving_closes_and_offers_cancel(cast, client_for, open_business):
    page = client_for(cast.chair).get(status_url(cast)).content.decode()
    assert "1 open decision will be withdrawn: 1, “Buy a verge mower”" in page
    assert "Share a speed-watch kit" not in page  # decided: nothing to withdraw
    assert "2 positions will end today" in page
    assert "chair, Chair (Brampton)" in page and "secretary, Secretary (Ashby)" in page
    assert "1 invitation to join will be withdrawn: Brampton" in page
    assert f'href="{cast.cluster.get_absolute_url()}">Cancel</a>' in page
    for field in ("reason", "minute_ref", "resolved_on"):  # the date as one input or as its boxes
        assert f'name="{field}' in page


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"reason": "  "}, "reason", "Enter why the cluster is being dissolved"),
        ({"minute_ref": ""}, "minute_ref", "Enter the reference of the resolution to dissolve the cluster"),
        ({"resolved_on": ""}, "resolved_on", "Enter the date of the resolution"),
        ({"resolved_on": "2026-02-31"}, "resolved_on", "real date"),
        (
            {"resolved_on": (TODAY + datetime.timedelta(days=1)).isoformat()},
            "resolved_on",
            "must be today or in the past",
        ),
        (
            {"resolved_on": (TODAY - datetime.timedelta(days=1)).isoformat()},
            "resolved_on",
            "when the cluster was formed",
        ),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_changes_nothing(
    cast, client_for, open_business, fields, field, message
):
    before = snapshot(cast)
    response = client_for(cast.chair).post(status_url(cast), body(**fields))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field] and message in errors[field][0]
    page = response.content.decode()
    assert "There is a problem" in page and f'id="id_{field}_error"' in page
    assert snapshot(cast) == before


def test_dissolving_withdraws_ends_and_records_what_it_said(cast, client_for, open_business):
    waiting, decided, invited = open_business
    response = client_for(cast.chair).post(status_url(cast), body())
    assert response.status_code == 302
    cast.cluster.refresh_from_db()
    assert (cast.cluster.status, cast.cluster.dissolved_on) == ("dissolved", TODAY)
    waiting.refresh_from_db()
    decided.refresh_from_db()
    assert (waiting.status, waiting.withdrawn_by) == ("withdrawn", cast.chair)
    assert decided.status == "approved"
    assert not Position.objects.filter(cluster=cast.cluster, ended_on__isnull=True).exists()
    assert set(Position.objects.filter(cluster=cast.cluster).values_list("ended_on", flat=True)) == {TODAY}
    invited.refresh_from_db()
    assert invited.status == Membership.Status.WITHDRAWN
    # The chair's position, and what it allowed, is gone: the page now answers 403.
    assert client_for(cast.chair).get(status_url(cast)).status_code == 403
    event = ClusterEvent.objects.filter(cluster=cast.cluster, action="cluster.status").latest("id")
    assert event.actor == cast.chair
    assert event.after == {
        "status": "dissolved",
        "reason": "The councils now share a clerk through the district",
        "resolution_ref": "Decision 14",
        "resolved_on": TODAY.isoformat(),
        "decisions_withdrawn": ["1. Buy a verge mower"],
        "positions_ended": ["Chair: Chair (Brampton)", "Secretary: Secretary (Ashby)"],
        "invitations_withdrawn": ["Brampton"],
    }
    ended = ClusterEvent.objects.filter(cluster=cast.cluster, action="position.ended")
    assert ended.count() == 2 and all("dissolved" in e.after["cause"] for e in ended)
    history = client_for(cast.clerk_a).get(reverse("clusters:history", args=[cast.cluster.slug]))
    page = history.content.decode()
    for shown in (
        "Reason",
        "Resolution reference",
        "Open decisions withdrawn",
        "Positions ended",
        "Dissolved",
    ):
        assert shown in page


@pytest.mark.parametrize(
    "fields",
    [
        {"reason": ""},
        {"minute_ref": "   "},
        {"resolved_on": None},
        {"resolved_on": TODAY + datetime.timedelta(days=1)},
        {"resolved_on": TODAY - datetime.timedelta(days=1)},
    ],
)
def test_the_service_refuses_a_dissolution_without_its_decision(cast, open_business, fields):
    before = snapshot(cast)
    decided = {"reason": "Merged", "minute_ref": "Decision 14", "resolved_on": TODAY, **fields}
    with pytest.raises(MembershipError):
        membership.move_status(acting_user=cast.chair, cluster=cast.cluster, to="dissolved", **decided)
    assert snapshot(cast) == before


def test_a_page_left_open_on_another_step_is_refused_with_a_message(cast, client_for):
    response = client_for(cast.chair).post(status_url(cast), {"to": "active"}, follow=True)
    assert "cannot become active" in response.content.decode()
    assert Cluster.objects.get(pk=cast.cluster.pk).status == "active"


@pytest.mark.parametrize("person", ["clerk_c", "clerk_d", "south_officer", "south_admin"])
def test_outsiders_get_404_and_change_nothing(cast, client_for, person):
    client = client_for(getattr(cast, person))
    before = snapshot(cast)
    assert client.get(status_url(cast)).status_code == 404
    assert client.post(status_url(cast), body()).status_code == 404
    assert snapshot(cast) == before


@pytest.mark.parametrize("person", ["clerk_a", "councillor_a", "secretary", "officer", "admin"])
def test_people_who_only_read_get_403_and_change_nothing(cast, client_for, person):
    client = client_for(getattr(cast, person))
    before = snapshot(cast)
    assert client.get(status_url(cast)).status_code == 403
    assert client.post(status_url(cast), body()).status_code == 403
    assert snapshot(cast) == before


# Every confirmation page has a way back


def test_every_confirmation_page_has_a_cancel_link(cast, client_for, open_business):
    waiting, _, _ = open_business
    chair = cast.cluster.positions.get(kind=Position.Kind.CHAIR)
    leaving = cast.cluster.memberships.get(council=cast.council_b)
    role = CouncilRole.objects.get(council=cast.council_a, user=cast.councillor_a)
    area_role = cast.north.roles.get(user=cast.officer)
    officers = reverse("clusters:officers", args=[cast.cluster.slug])
    pages = [
        (cast.chair, reverse("clusters:position_end", args=[cast.cluster.slug, chair.pk]), officers),
        (
            cast.clerk_a,
            reverse("clusters:decision_withdraw", args=[cast.cluster.slug, waiting.number]),
            reverse("clusters:decision", args=[cast.cluster.slug, waiting.number]),
        ),
        (
            cast.clerk_b,
            reverse("clusters:membership_leave", args=[cast.cluster.slug, leaving.pk]),
            reverse("clusters:members", args=[cast.cluster.slug]),
        ),
        (
            cast.clerk_a,
            reverse("parishes:council_role_end", args=[cast.council_a.pk, role.pk]),
            reverse("parishes:council_people", args=[cast.council_a.pk]),
        ),
        (
            cast.admin,
            reverse("parishes:area_role_end", args=[cast.north.slug, area_role.pk]),
            reverse("parishes:area_people", args=[cast.north.slug]),
        ),
        (cast.chair, status_url(cast), cast.cluster.get_absolute_url()),
    ]
    for person, page, back in pages:
        response = client_for(person).get(page)
        assert response.status_code == 200, page
        assert f'<a class="govuk-link" href="{back}">Cancel</a>' in response.content.decode(), page


def test_marking_a_forming_cluster_active_has_a_cancel_link(cast, client_for):
    forming = membership.start_cluster(
        acting_user=cast.clerk_a, area=cast.north, lead_council=cast.council_a, name="New", purpose="Verges"
    )
    leadership.appoint(
        acting_user=None,
        cluster=forming,
        kind=Position.Kind.CHAIR,
        user=cast.clerk_a,
        council=cast.council_a,
        starts_on=TODAY,
        ends_on=None,
    )
    page = client_for(cast.clerk_a).get(reverse("clusters:status", args=[forming.slug])).content.decode()
    assert "Mark as active" in page
    assert f'<a class="govuk-link" href="{forming.get_absolute_url()}">Cancel</a>' in page


# Ending your own role


LOSES_ACCESS = "you will lose access to"


def test_ending_your_only_role_warns_that_you_lose_access(cast, client_for):
    role = CouncilRole.objects.get(council=cast.council_a, user=cast.clerk_a)
    page = client_for(cast.clerk_a).get(
        reverse("parishes:council_role_end", args=[cast.council_a.pk, role.pk])
    )
    assert f"{LOSES_ACCESS} Ashby" in page.content.decode()


def test_ending_someone_elses_role_or_one_of_several_does_not_warn(cast, client_for):
    client = client_for(cast.clerk_a)
    others = CouncilRole.objects.get(council=cast.council_a, user=cast.councillor_a)
    page = client.get(reverse("parishes:council_role_end", args=[cast.council_a.pk, others.pk]))
    assert LOSES_ACCESS not in page.content.decode()
    CouncilRole.objects.create(council=cast.council_a, user=cast.clerk_a, kind=CouncilRole.Kind.RFO)
    own = CouncilRole.objects.get(council=cast.council_a, user=cast.clerk_a, kind=CouncilRole.Kind.CLERK)
    page = client.get(reverse("parishes:council_role_end", args=[cast.council_a.pk, own.pk]))
    assert page.status_code == 200 and LOSES_ACCESS not in page.content.decode()


def test_an_administrator_ending_their_own_area_role_is_warned(cast, client_for):
    role = cast.north.roles.get(user=cast.admin)
    page = client_for(cast.admin).get(reverse("parishes:area_role_end", args=[cast.north.slug, role.pk]))
    assert f"{LOSES_ACCESS} North" in page.content.decode()


def test_every_member_council_is_told_once_what_dissolving_closed(
    cast, client_for, open_business, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(cast.chair).post(status_url(cast), body()).status_code == 302
    told = [m for m in mail.outbox if m.subject == "Clusterwork: Eden Valley has been dissolved"]
    assert sorted(m.to[0] for m in told) == [cast.clerk_a.email, cast.clerk_b.email]
    assert "The councils now share a clerk through the district" in told[0].body
    assert "Proposals withdrawn: 1. Buy a verge mower" in told[0].body
