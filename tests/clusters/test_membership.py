import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clusters import membership
from clusters.membership import MembershipError
from clusters.models import Cluster, ClusterEvent, Membership, Position

TODAY = datetime.date.today()


def test_starting_a_cluster_makes_the_lead_its_first_member(cast):
    cluster = membership.start_cluster(
        acting_user=cast.clerk_b, area=cast.north, lead_council=cast.council_b, name="Becks", purpose="Verges"
    )
    assert cluster.status == Cluster.Status.FORMING
    assert list(cluster.memberships.values_list("council", "status")) == [(cast.council_b.pk, "member")]
    assert ClusterEvent.objects.filter(cluster=cluster, action="cluster.started").exists()


def test_a_cluster_is_of_one_area(cast):
    with pytest.raises(MembershipError, match="area"):
        membership.start_cluster(
            acting_user=cast.admin, area=cast.north, lead_council=cast.council_d, name="X", purpose="Y"
        )
    with pytest.raises(MembershipError, match="Only councils of the cluster's area"):
        membership.invite_council(acting_user=cast.chair, cluster=cast.cluster, council=cast.council_d)


def test_invitation_accepted_by_resolution(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invited = membership.invite_council(
            acting_user=cast.chair, cluster=cast.cluster, council=cast.council_c
        )
    assert mail.outbox[-1].to == [cast.clerk_c.email]
    assert "invited to join the cluster Eden Valley" in mail.outbox[-1].subject
    with pytest.raises(MembershipError, match="already a member or already invited"):
        membership.invite_council(acting_user=cast.chair, cluster=cast.cluster, council=cast.council_c)
    with django_capture_on_commit_callbacks(execute=True):
        membership.answer_invitation(
            acting_user=cast.clerk_c, membership=invited, accept=True, minute_ref="7/26", resolved_on=TODAY
        )
    invited.refresh_from_db()
    assert (invited.status, invited.join_minute_ref, invited.joined_on) == ("member", "7/26", TODAY)
    assert mail.outbox[-1].to == [cast.chair.email]
    with pytest.raises(MembershipError, match="already been answered"):
        membership.answer_invitation(
            acting_user=cast.clerk_c, membership=invited, accept=False, minute_ref="8/26", resolved_on=TODAY
        )


def test_a_resolution_cannot_be_dated_in_the_future(cast):
    invited = membership.invite_council(acting_user=cast.chair, cluster=cast.cluster, council=cast.council_c)
    with pytest.raises(MembershipError, match="future"):
        membership.answer_invitation(
            acting_user=cast.clerk_c,
            membership=invited,
            accept=True,
            minute_ref="1",
            resolved_on=TODAY + datetime.timedelta(days=1),
        )
    invited.refresh_from_db()
    assert invited.status == Membership.Status.INVITED


def test_leaving_ends_the_councils_positions(cast):
    member_b = cast.cluster.memberships.get(council=cast.council_b)
    membership.leave_cluster(
        acting_user=cast.clerk_b, membership=member_b, minute_ref="9/26", resolved_on=TODAY
    )
    member_b.refresh_from_db()
    assert member_b.status == Membership.Status.LEFT
    chair = Position.objects.get(cluster=cast.cluster, user=cast.chair)
    assert chair.ended_on == TODAY
    assert not cast.chair.has_perm("clusters.decide_for_cluster", cast.cluster)


def test_the_lead_council_cannot_leave(cast):
    lead = cast.cluster.memberships.get(council=cast.council_a)
    with pytest.raises(MembershipError, match="lead council cannot leave"):
        membership.leave_cluster(acting_user=cast.clerk_a, membership=lead, minute_ref="1", resolved_on=TODAY)


def test_status_moves_forward_only(cast):
    with pytest.raises(MembershipError):
        membership.move_status(acting_user=cast.chair, cluster=cast.cluster, to="forming")
    membership.move_status(
        acting_user=cast.chair,
        cluster=cast.cluster,
        to="dissolved",
        reason="Merged",
        minute_ref="Decision 9",
        resolved_on=TODAY,
    )
    cast.cluster.refresh_from_db()
    assert cast.cluster.dissolved_on == TODAY
    with pytest.raises(MembershipError, match="dissolved"):
        membership.invite_council(acting_user=cast.chair, cluster=cast.cluster, council=cast.council_c)


def url(name, *args):
    return reverse(f"clusters:{name}", args=args)


def test_the_chair_invites_through_the_page(cast, client_for):
    client = client_for(cast.chair)
    form = client.get(url("invite", cast.cluster.slug)).context["form"]
    offered = set(form.fields["council"].queryset)
    assert cast.council_c in offered and cast.council_a not in offered and cast.council_d not in offered
    response = client.post(url("invite", cast.cluster.slug), {"council": cast.council_c.pk})
    assert response.status_code == 302
    assert cast.cluster.memberships.filter(council=cast.council_c, status="invited").exists()


def test_inviting_a_council_of_another_area_is_refused(cast, client_for):
    response = client_for(cast.chair).post(url("invite", cast.cluster.slug), {"council": cast.council_d.pk})
    assert "council" in response.context["form"].errors
    assert not cast.cluster.memberships.filter(council=cast.council_d).exists()


def test_members_may_not_invite(cast, client_for):
    for person in (cast.clerk_a, cast.councillor_a, cast.secretary, cast.officer):
        assert (
            client_for(person)
            .post(url("invite", cast.cluster.slug), {"council": cast.council_c.pk})
            .status_code
            == 403
        )


def test_the_invited_clerk_answers_from_the_council_page(cast, client_for):
    invited = membership.invite_council(acting_user=cast.chair, cluster=cast.cluster, council=cast.council_c)
    client = client_for(cast.clerk_c)
    page = client.get(reverse("parishes:council", args=[cast.council_c.pk])).content.decode()
    target = reverse("clusters:invitation_answer", args=[cast.council_c.pk, invited.pk])
    assert target in page
    prefix = f"council-{cast.council_c.pk}"
    response = client.post(
        target,
        {f"{prefix}-answer": "join", f"{prefix}-minute_ref": "", f"{prefix}-resolved_on": "2099-01-01"},
    )
    assert set(response.context["rows"].rows[0].errors) == {"minute_ref", "resolved_on"}
    response = client.post(
        target,
        {
            f"{prefix}-answer": "join",
            f"{prefix}-minute_ref": "14/26",
            f"{prefix}-resolved_on": TODAY.isoformat(),
        },
    )
    assert response.url == cast.cluster.get_absolute_url()
    assert client.get(response.url).status_code == 200


def test_a_councillor_cannot_answer_for_the_council(cast, client_for):
    other = membership.start_cluster(
        acting_user=cast.clerk_c, area=cast.north, lead_council=cast.council_c, name="Becks", purpose="Verges"
    )
    invited = membership.invite_council(acting_user=cast.clerk_c, cluster=other, council=cast.council_a)
    target = reverse("clusters:invitation_answer", args=[cast.council_a.pk, invited.pk])
    assert client_for(cast.councillor_a).get(target).status_code == 403
    assert client_for(cast.clerk_b).get(target).status_code == 404


def test_a_member_clerk_records_leaving(cast, client_for):
    member_b = cast.cluster.memberships.get(council=cast.council_b)
    target = url("membership_leave", cast.cluster.slug, member_b.pk)
    assert client_for(cast.clerk_a).get(target).status_code == 403
    client = client_for(cast.clerk_b)
    response = client.post(target, {"minute_ref": "3/27", "resolved_on": TODAY.isoformat()})
    assert response.status_code == 302
    assert client.get(cast.cluster.get_absolute_url()).status_code == 404


def test_withdrawing_an_invitation(cast, client_for):
    invited = membership.invite_council(acting_user=cast.chair, cluster=cast.cluster, council=cast.council_c)
    client_for(cast.chair).post(url("membership_withdraw", cast.cluster.slug, invited.pk))
    invited.refresh_from_db()
    assert invited.status == Membership.Status.WITHDRAWN


def test_a_council_leaving_settles_ratifications_the_others_have_voted_on(cast):
    from clusters import decisions
    from clusters.models import Decision

    decision = decisions.propose_decision(
        acting_user=cast.clerk_a,
        cluster=cast.cluster,
        title="Share a mower",
        text="…",
        method=Decision.Method.RATIFICATION,
        proposing_council=cast.council_a,
    )
    decisions.record_vote(
        acting_user=cast.clerk_a,
        decision=decision,
        council=cast.council_a,
        choice="for",
        minute_ref="1/26",
        resolved_on=TODAY,
    )
    decision.refresh_from_db()
    assert decision.status == Decision.Status.PROPOSED
    member_b = cast.cluster.memberships.get(council=cast.council_b)
    membership.leave_cluster(
        acting_user=cast.clerk_b, membership=member_b, minute_ref="9/26", resolved_on=TODAY
    )
    decision.refresh_from_db()
    assert decision.status == Decision.Status.APPROVED


def test_only_someone_who_acts_for_the_invited_council_answers_in_the_service(cast):
    invited = membership.invite_council(
        acting_user=cast.clerk_a, cluster=cast.cluster, council=cast.council_c
    )
    with pytest.raises(MembershipError, match="You do not act for Brampton"):
        membership.answer_invitation(
            acting_user=cast.clerk_b,
            membership=invited,
            accept=True,
            minute_ref="1/26",
            resolved_on=timezone.localdate(),
        )
    invited.refresh_from_db()
    assert invited.status == Membership.Status.INVITED
