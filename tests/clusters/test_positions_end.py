"""Positions follow their holder's standing and their term; a cluster without a chair has a way on.

The cast's chair is a councillor of council B, the secretary a councillor of council A; both hold a
year's term half run.
"""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clusters import decisions, leadership, membership
from clusters.access import ClusterPermissions, deciders, visible_clusters
from clusters.leadership import LeadershipError
from clusters.models import ClusterEvent, Decision, Membership, Position
from parishes import services
from parishes.hooks import role_ended_hooks
from parishes.models import CouncilRole

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def url(name, cast, *args):
    return reverse(f"clusters:{name}", args=[cast.cluster.slug, *args])


def chair_decision(cast) -> Decision:
    return decisions.propose_decision(
        acting_user=cast.clerk_a,
        cluster=cast.cluster,
        title="Buy a verge mower",
        text="One mower for the verges.",
        method="chair",
        proposing_council=cast.council_a,
    )


def chair_position(cast) -> Position:
    return cast.cluster.positions.get(kind="chair", user=cast.chair)


def assert_the_chair_can_do_nothing(cast, client, status):
    decision = chair_decision(cast)
    response = client.post(url("decision_decide", cast, decision.number), {"outcome": "approve"})
    assert response.status_code == status
    decision.refresh_from_db()
    assert decision.status == Decision.Status.PROPOSED
    assert client.get(url("edit", cast)).status_code == status
    assert client.get(url("invite", cast)).status_code == status
    assert client.get(url("appoint", cast)).status_code == status
    assert not ClusterPermissions(cast.chair, cast.cluster).may_decide()
    assert cast.chair not in deciders(cast.cluster)


# 1. Positions follow the person's standing


def test_the_registry_ends_positions_from_clusters_without_parishes_importing_it():
    assert leadership.end_positions_of_role in role_ended_hooks


def test_a_chair_whose_council_role_is_ended_stops_chairing_that_day(cast, client_for):
    role = CouncilRole.objects.get(user=cast.chair, council=cast.council_b)
    client = client_for(cast.admin)
    response = client.post(reverse("parishes:council_role_end", args=[cast.council_b.pk, role.pk]))
    assert response.status_code == 302

    position = chair_position(cast)
    assert position.ended_on == TODAY
    event = ClusterEvent.objects.filter(cluster=cast.cluster, action="position.ended").latest("pk")
    assert event.after["cause"] == "Chair no longer holds a role in Brampton"
    assert event.actor == cast.admin
    # No longer a person of a member council, the former chair does not see the cluster at all.
    assert_the_chair_can_do_nothing(cast, client_for(cast.chair), 404)
    assert cast.cluster not in visible_clusters(cast.chair)


def test_a_chair_who_keeps_another_role_in_their_council_keeps_the_chair(cast):
    services.grant_council_role(
        acting_user=cast.clerk_b, council=cast.council_b, user=cast.chair, kind=CouncilRole.Kind.RFO
    )
    councillor = CouncilRole.objects.get(user=cast.chair, council=cast.council_b, kind="councillor")
    services.end_council_role(acting_user=cast.clerk_b, role=councillor)
    assert chair_position(cast).ended_on is None
    assert ClusterPermissions(cast.chair, cast.cluster).may_decide()


def test_the_vacancy_is_announced_to_the_clusters_people(cast, django_capture_on_commit_callbacks):
    role = CouncilRole.objects.get(user=cast.chair, council=cast.council_b)
    with django_capture_on_commit_callbacks(execute=True):
        services.end_council_role(acting_user=cast.clerk_b, role=role)
    vacancy = [m for m in mail.outbox if m.subject == "Clusterwork: Eden Valley has no chair"]
    # The clerks of both member councils and the remaining officer (the secretary); not the former chair.
    assert sorted(m.to[0] for m in vacancy) == sorted(
        [cast.clerk_a.email, cast.clerk_b.email, cast.secretary.email]
    )
    assert "no longer holds a role in Brampton" in vacancy[0].body


def test_a_chair_whose_council_leaves_stops_chairing(cast, client_for):
    membership = cast.cluster.memberships.get(council=cast.council_b, status=Membership.Status.MEMBER)
    response = client_for(cast.clerk_b).post(
        url("membership_leave", cast, membership.pk),
        {"minute_ref": "26/40", "resolved_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    assert chair_position(cast).ended_on == TODAY
    event = ClusterEvent.objects.filter(cluster=cast.cluster, action="position.ended").latest("pk")
    assert event.after["cause"] == "Brampton left the cluster"
    assert_the_chair_can_do_nothing(cast, client_for(cast.chair), 404)


# 2. Terms end


def test_a_passed_term_confers_nothing_before_the_daily_job_runs(cast, client_for):
    Position.objects.filter(pk=chair_position(cast).pk).update(ends_on=YESTERDAY)
    # Still a councillor of a member council, the former chair sees the cluster but may not act.
    assert_the_chair_can_do_nothing(cast, client_for(cast.chair), 403)
    assert chair_position(cast).ended_on is None  # the job has not run
    overview = client_for(cast.clerk_a).get(url("overview", cast)).content.decode()
    assert "This cluster has no chair" in overview
    assert "Appoint a chair" in overview


def test_a_term_ending_today_still_confers_the_position(cast, client_for):
    Position.objects.filter(pk=chair_position(cast).pk).update(ends_on=TODAY)
    assert ClusterPermissions(cast.chair, cast.cluster).may_decide()
    assert (
        "This cluster has no chair"
        not in client_for(cast.clerk_a).get(url("overview", cast)).content.decode()
    )


def test_the_daily_job_ends_passed_terms_once_and_announces_them(cast, django_capture_on_commit_callbacks):
    Position.objects.filter(pk=chair_position(cast).pk).update(ends_on=YESTERDAY)
    with django_capture_on_commit_callbacks(execute=True):
        assert leadership.end_terms(TODAY) == leadership.TermsEnded(handed_on=0, vacated=1)
        assert leadership.end_terms(TODAY) == leadership.TermsEnded(handed_on=0, vacated=0)
    position = chair_position(cast)
    assert position.ended_on == TODAY
    assert not cast.cluster.clusteruserobjectpermission_set.filter(user=cast.chair).exists()
    event = ClusterEvent.objects.get(cluster=cast.cluster, action="position.ended")
    assert event.actor is None
    assert event.after["cause"] == f"the term ended on {YESTERDAY:%-d %B %Y}"
    assert len([m for m in mail.outbox if "has no chair" in m.subject]) == 3


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "message"),
    [
        (TODAY, YESTERDAY, "The term must end after it starts"),
        (TODAY - datetime.timedelta(days=400), YESTERDAY, "The term has already ended"),
        (TODAY, TODAY.replace(year=TODAY.year + 5), "A term lasts at most 5 years"),
        (TODAY, datetime.date(9999, 12, 31), "Enter a date between 1894 and"),
        (datetime.date(1066, 10, 14), None, "Enter a date between 1894 and"),
        (TODAY + datetime.timedelta(days=1), None, "The term must start today or in the past"),
    ],
)
def test_appointments_refuse_terms_a_council_cannot_mean(cast, client_for, starts_on, ends_on, message):
    with pytest.raises(LeadershipError, match=message):
        leadership.appoint(
            acting_user=cast.chair,
            cluster=cast.cluster,
            kind="treasurer",
            user=cast.clerk_a,
            council=cast.council_a,
            starts_on=starts_on,
            ends_on=ends_on,
        )
    holder = f"{cast.clerk_a.pk}:{cast.council_a.pk}"
    response = client_for(cast.chair).post(
        url("appoint", cast),
        {
            "kind": "treasurer",
            "holder": holder,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat() if ends_on else "",
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not cast.cluster.positions.filter(kind="treasurer").exists()


def test_a_term_of_just_under_five_years_is_allowed(cast):
    position = leadership.appoint(
        acting_user=cast.chair,
        cluster=cast.cluster,
        kind="treasurer",
        user=cast.clerk_a,
        council=cast.council_a,
        starts_on=TODAY,
        ends_on=TODAY.replace(year=TODAY.year + 5) - datetime.timedelta(days=1),
    )
    assert position.ended_on is None


@pytest.mark.parametrize("leadership_model", ["fixed", "rotating_chair"])
def test_no_stored_date_makes_a_page_fail(cast, client_for, leadership_model):
    if leadership_model == "rotating_chair":
        leadership.set_rota(
            acting_user=cast.chair,
            cluster=cast.cluster,
            councils=[cast.council_b, cast.council_a],
            term_months=12,
        )
    # Stored before terms were bounded: the calendar's last day.
    Position.objects.filter(pk=chair_position(cast).pk).update(ends_on=datetime.date(9999, 12, 31))
    for person in (cast.chair, cast.clerk_a, cast.officer):
        client = client_for(person)
        for page in ("overview", "officers"):
            response = client.get(url(page, cast))
            assert response.status_code == 200, (person, page)
    assert "31 Dec 9999" in client_for(cast.clerk_a).get(url("officers", cast)).content.decode()


# 3. No cluster is left without a way on


def vacate_the_chair(cast):
    leadership.end_position(acting_user=None, position=chair_position(cast))


def fill(client, cast, **fields):
    data = {
        "kind": "chair",
        "holder": f"{cast.clerk_a.pk}:{cast.council_a.pk}",
        "starts_on": TODAY.isoformat(),
        "ends_on": "",
        "chosen_at": "Ashby minute 26/51",
        **fields,
    }
    return client.post(url("appoint", cast), data)


@pytest.mark.parametrize("who", ["clerk_a", "clerk_b", "admin"])
def test_a_member_councils_clerk_or_the_area_administrator_fills_a_vacant_chair(cast, client_for, who):
    vacate_the_chair(cast)
    client = client_for(getattr(cast, who))
    page = client.get(url("appoint", cast)).content.decode()
    assert "Appoint a chair" in page
    assert 'value="secretary"' not in page  # only a chair or a co-ordinator
    response = fill(client, cast)
    assert response.status_code == 302
    position = cast.cluster.positions.get(kind="chair", ended_on__isnull=True)
    assert (position.user, position.chosen_at, position.appointed_by) == (
        cast.clerk_a,
        "Ashby minute 26/51",
        getattr(cast, who),
    )
    assert ClusterPermissions(cast.clerk_a, cast.cluster).may_decide()
    # Once the cluster has a chair, only its officers appoint.
    if who != "clerk_a":
        assert client.get(url("appoint", cast)).status_code == 403


def test_filling_a_vacancy_needs_the_resolution_and_a_leading_position(cast, client_for):
    vacate_the_chair(cast)
    client = client_for(cast.clerk_b)
    response = fill(client, cast, chosen_at="")
    assert "Enter the resolution or meeting that chose them" in response.content.decode()
    response = fill(client, cast, kind="secretary")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not cast.cluster.positions.filter(ended_on__isnull=True, kind="chair").exists()
    with pytest.raises(LeadershipError, match="Appoint a chair or a co-ordinator"):
        leadership.fill_vacancy(
            acting_user=cast.clerk_b,
            cluster=cast.cluster,
            kind="treasurer",
            user=cast.clerk_b,
            council=cast.council_b,
            starts_on=TODAY,
            ends_on=None,
            chosen_at="Brampton minute 4",
        )


@pytest.mark.parametrize(
    ("who", "status"), [("councillor_a", 403), ("officer", 403), ("clerk_c", 404), ("south_admin", 404)]
)
def test_nobody_else_fills_a_vacancy(cast, client_for, who, status):
    vacate_the_chair(cast)
    client = client_for(getattr(cast, who))
    assert client.get(url("appoint", cast)).status_code == status
    assert fill(client, cast).status_code == status
    assert not cast.cluster.positions.filter(ended_on__isnull=True, kind="chair").exists()


def test_a_cluster_with_a_chair_is_not_vacant(cast, client_for):
    assert client_for(cast.clerk_a).get(url("appoint", cast)).status_code == 403
    with pytest.raises(LeadershipError, match="has a chair or co-ordinator now"):
        leadership.fill_vacancy(
            acting_user=cast.clerk_a,
            cluster=cast.cluster,
            kind="chair",
            user=cast.clerk_a,
            council=cast.council_a,
            starts_on=TODAY,
            ends_on=None,
            chosen_at="Ashby minute 26/51",
        )
    assert chair_position(cast).ended_on is None


def test_a_co_ordinator_leads_a_cluster_too(cast, client_for):
    leadership.appoint(
        acting_user=cast.chair,
        cluster=cast.cluster,
        kind="coordinator",
        user=cast.clerk_b,
        council=cast.council_b,
        starts_on=TODAY,
    )
    vacate_the_chair(cast)
    assert (
        "This cluster has no chair"
        not in client_for(cast.clerk_a).get(url("overview", cast)).content.decode()
    )
    assert client_for(cast.clerk_a).get(url("appoint", cast)).status_code == 403


# Standing is checked when access is, too: nothing left behind by a path no hook saw


def test_a_deactivated_chair_leaves_the_chair_vacant_for_a_member_council_to_fill(
    cast, client_for, django_capture_on_commit_callbacks
):
    cast.chair.is_active = False
    cast.chair.save(update_fields=["is_active"])
    assert cast.chair not in deciders(cast.cluster)
    overview = client_for(cast.clerk_a).get(url("overview", cast)).content.decode()
    assert "This cluster has no chair" in overview
    assert client_for(cast.clerk_a).get(url("appoint", cast)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert leadership.end_terms(TODAY).vacated == 1
    event = ClusterEvent.objects.get(cluster=cast.cluster, action="position.ended")
    assert event.after["cause"] == "Chair's account was closed"


def test_a_role_ended_behind_the_hooks_back_confers_nothing_and_the_job_tidies_it(cast):
    CouncilRole.objects.filter(user=cast.chair, council=cast.council_b).update(ended_on=TODAY)
    assert not ClusterPermissions(cast.chair, cast.cluster).may_decide()
    assert not ClusterPermissions(cast.clerk_a, cast.cluster).has_leader
    assert leadership.end_terms(TODAY).vacated == 1
    event = ClusterEvent.objects.get(cluster=cast.cluster, action="position.ended")
    assert event.after["cause"] == "Chair no longer holds a role in Brampton"


def test_a_council_left_behind_the_services_back_confers_nothing(cast):
    cast.cluster.memberships.filter(council=cast.council_b).update(status=Membership.Status.LEFT)
    assert not Position.objects.current().filter(user=cast.chair).exists()
    assert leadership.end_terms(TODAY).vacated == 1


def test_nobody_is_appointed_whose_account_is_closed(cast):
    cast.clerk_b.is_active = False
    cast.clerk_b.save(update_fields=["is_active"])
    with pytest.raises(LeadershipError, match="account is closed"):
        leadership.appoint(
            acting_user=cast.chair,
            cluster=cast.cluster,
            kind="treasurer",
            user=cast.clerk_b,
            council=cast.council_b,
            starts_on=TODAY,
        )


def test_a_term_given_without_an_end_runs_for_the_longest_allowed(cast):
    position = leadership.appoint(
        acting_user=cast.chair,
        cluster=cast.cluster,
        kind="treasurer",
        user=cast.clerk_a,
        council=cast.council_a,
        starts_on=TODAY,
    )
    assert position.ends_on == leadership.add_months(TODAY, 60) - datetime.timedelta(days=1)


def test_only_the_clusters_chair_or_co_ordinator_appoints_through_the_service(cast):
    with pytest.raises(LeadershipError, match="Only the cluster's chair or co-ordinator"):
        leadership.appoint(
            acting_user=cast.clerk_a,
            cluster=cast.cluster,
            kind="treasurer",
            user=cast.clerk_a,
            council=cast.council_a,
            starts_on=TODAY,
        )
    assert not cast.cluster.positions.filter(kind="treasurer").exists()


def test_a_rotating_chair_due_to_pass_goes_by_the_rota_not_to_whoever_asks_first(cast, client_for):
    leadership.set_rota(
        acting_user=cast.chair,
        cluster=cast.cluster,
        councils=[cast.council_b, cast.council_a],
        term_months=12,
    )
    Position.objects.filter(pk=chair_position(cast).pk).update(ends_on=YESTERDAY)
    assert client_for(cast.clerk_b).get(url("appoint", cast)).status_code == 403
    with pytest.raises(LeadershipError, match="passes to the next council of the rota"):
        leadership.fill_vacancy(
            acting_user=cast.clerk_b,
            cluster=cast.cluster,
            kind="chair",
            user=cast.clerk_b,
            council=cast.council_b,
            starts_on=TODAY,
            ends_on=None,
            chosen_at="Brampton minute 9",
        )
    assert leadership.end_terms(TODAY).handed_on == 1
    assert Position.objects.current().get(cluster=cast.cluster, kind="chair").council == cast.council_a


def test_filling_a_vacancy_tells_every_member_council(cast, client_for, django_capture_on_commit_callbacks):
    vacate_the_chair(cast)
    with django_capture_on_commit_callbacks(execute=True):
        assert fill(client_for(cast.clerk_b), cast).status_code == 302
    told = sorted(
        m.to[0] for m in mail.outbox if m.subject == "Clusterwork: Clerk A is now chair of Eden Valley"
    )
    assert told == [cast.clerk_b.email]  # the other member's clerk; Clerk A has their own email
    assert "Ashby minute 26/51" in next(m.body for m in mail.outbox if m.to == [cast.clerk_b.email])


def test_the_starter_of_a_forming_cluster_invites_only_while_they_act_for_its_lead(cast):
    services.grant_council_role(
        acting_user=None, council=cast.council_c, user=cast.clerk_b, kind=CouncilRole.Kind.CLERK
    )
    forming = membership.start_cluster(
        acting_user=cast.clerk_c,
        area=cast.north,
        lead_council=cast.council_c,
        name="Fellside Two",
        purpose="x",
    )
    assert ClusterPermissions(cast.clerk_c, forming).has("manage_cluster_members")
    services.grant_council_role(
        acting_user=None, council=cast.council_c, user=cast.clerk_c, kind=CouncilRole.Kind.COUNCILLOR
    )
    services.end_council_role(
        acting_user=cast.clerk_b, role=CouncilRole.objects.get(user=cast.clerk_c, kind="clerk")
    )
    assert not ClusterPermissions(cast.clerk_c, forming).has("manage_cluster_members")
