"""A council that is not (or no longer) a member: the cluster list does not show it the cluster, and
its votes no longer count towards a ratification (issue 6, part 9)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clusters import decisions, leadership, membership
from clusters.models import Decision, Membership, Position
from parishes import services
from parishes.models import CouncilRole
from tests.factories import CouncilFactory, UserFactory

TODAY = timezone.localdate()


def _person(council, kind, email):
    user = UserFactory(email=email)
    services.grant_council_role(acting_user=None, council=council, user=user, kind=kind)
    return user


@pytest.fixture
def eskdale(cast):
    """A fourth council of area North, in no cluster yet, with its clerk and a councillor."""
    council = CouncilFactory(area=cast.north, name="Eskdale", gss_code="E04000105")
    council.clerk = _person(council, CouncilRole.Kind.CLERK, "clerk.e@example.org")
    council.councillor = _person(council, CouncilRole.Kind.COUNCILLOR, "councillor.e@example.org")
    return council


def _invite(cast, council) -> Membership:
    return membership.invite_council(acting_user=cast.chair, cluster=cast.cluster, council=council)


def _answer(council, invited, accept):
    return membership.answer_invitation(
        acting_user=council.clerk, membership=invited, accept=accept, minute_ref="3/27", resolved_on=TODAY
    )


def _join(cast, council) -> Membership:
    return _answer(council, _invite(cast, council), accept=True)


def _leave(council, joined):
    membership.leave_cluster(
        acting_user=council.clerk, membership=joined, minute_ref="9/27", resolved_on=TODAY
    )


def _invited(cast, council):
    _invite(cast, council)


def _declined(cast, council):
    _answer(council, _invite(cast, council), accept=False)


def _withdrawn(cast, council):
    membership.withdraw_invitation(acting_user=cast.chair, membership=_invite(cast, council))


def _left(cast, council):
    _leave(council, _join(cast, council))


def _left_with_a_position(cast, council):
    """Its councillor was the cluster's treasurer for it: the post ends with the membership."""
    joined = _join(cast, council)
    leadership.appoint(
        acting_user=cast.chair,
        cluster=cast.cluster,
        kind=Position.Kind.TREASURER,
        user=council.councillor,
        council=council,
        starts_on=TODAY,
        ends_on=TODAY + datetime.timedelta(days=365),
    )
    _leave(council, joined)


def _listed(client, user) -> set[str]:
    client.force_login(user)
    response = client.get(reverse("clusters:list"))
    assert response.status_code == 200
    return {cluster.name for cluster in response.context["page_obj"]}


@pytest.mark.parametrize(
    "standing", [_invited, _declined, _withdrawn, _left, _left_with_a_position], ids=lambda f: f.__name__[1:]
)
def test_the_cluster_list_shows_a_cluster_only_to_its_members_people(cast, client, eskdale, standing):
    standing(cast, eskdale)
    for person in (eskdale.clerk, eskdale.councillor):
        assert "Eden Valley" not in _listed(client, person)
    page = client.get(reverse("clusters:list")).content.decode()
    assert reverse("clusters:overview", args=[cast.cluster.slug]) not in page


def test_the_cluster_list_shows_the_cluster_once_the_council_joins(cast, client, eskdale):
    _join(cast, eskdale)
    assert _listed(client, eskdale.clerk) == {"Eden Valley"}
    assert _listed(client, eskdale.councillor) == {"Eden Valley"}


def test_the_cluster_list_of_a_council_that_left_one_cluster_keeps_the_others(cast, client):
    """Council B leaves Eden Valley and joins Fellside: its clerk's list follows."""
    fellside = cast.other_cluster
    invited = membership.invite_council(acting_user=cast.clerk_c, cluster=fellside, council=cast.council_b)
    membership.answer_invitation(
        acting_user=cast.clerk_b, membership=invited, accept=True, minute_ref="4/27", resolved_on=TODAY
    )
    assert _listed(client, cast.clerk_b) == {"Eden Valley", "Fellside"}
    _leave_b(cast)
    assert _listed(client, cast.clerk_b) == {"Fellside"}


def _leave_b(cast):
    membership.leave_cluster(
        acting_user=cast.clerk_b,
        membership=cast.cluster.memberships.get(council=cast.council_b, status=Membership.Status.MEMBER),
        minute_ref="9/27",
        resolved_on=TODAY,
    )


# Votes of a council that left


def _ratification(cast, threshold="all") -> Decision:
    cast.cluster.ratification_threshold = threshold
    cast.cluster.save(update_fields=["ratification_threshold"])
    return decisions.propose_decision(
        acting_user=cast.clerk_a,
        cluster=cast.cluster,
        title="Share a clerk",
        text="The member councils share one clerk from April.",
        method=Decision.Method.RATIFICATION,
        proposing_council=cast.council_a,
    )


def _vote(decision, council, clerk, choice):
    decisions.record_vote(
        acting_user=clerk,
        decision=decision,
        council=council,
        choice=choice,
        minute_ref="5/27",
        resolved_on=TODAY,
    )


def _status(decision) -> str:
    return Decision.objects.get(pk=decision.pk).status


def test_a_council_that_left_does_not_complete_a_ratification_when_it_leaves(cast, eskdale):
    """Members A, B and E, every member needed: B and E vote for, A has not voted. B leaves: of the
    two members now, only E has voted, so the decision stays open (counting B would approve it)."""
    _join(cast, eskdale)
    decision = _ratification(cast)
    _vote(decision, cast.council_b, cast.clerk_b, "for")
    _vote(decision, eskdale, eskdale.clerk, "for")
    assert _status(decision) == Decision.Status.PROPOSED
    _leave_b(cast)
    assert _status(decision) == Decision.Status.PROPOSED


def test_a_council_that_left_does_not_count_towards_the_next_vote(cast, eskdale):
    """Members A, B and E, every member needed: B votes for and leaves. E's vote is then one of two
    (counting B would approve it); A's completes it, and the reasons count two votes of two members."""
    _join(cast, eskdale)
    decision = _ratification(cast)
    _vote(decision, cast.council_b, cast.clerk_b, "for")
    _leave_b(cast)
    _vote(decision, eskdale, eskdale.clerk, "for")
    assert _status(decision) == Decision.Status.PROPOSED
    _vote(decision, cast.council_a, cast.clerk_a, "abstain")
    decided = Decision.objects.get(pk=decision.pk)
    assert decided.status == Decision.Status.APPROVED
    assert decided.reasons.startswith("For 1, against 0, abstain 1, agree to differ 0 (2 of 2 member")


def test_a_majority_is_of_the_councils_still_members(cast, eskdale):
    """Majority of A, B and E: B's vote for and E's make two of three. With B gone before E votes,
    E's vote for is one of two, which is not more than half: still open until A votes."""
    _join(cast, eskdale)
    decision = _ratification(cast, threshold="majority")
    _vote(decision, cast.council_b, cast.clerk_b, "for")
    _leave_b(cast)
    _vote(decision, eskdale, eskdale.clerk, "for")
    assert _status(decision) == Decision.Status.PROPOSED
    _vote(decision, cast.council_a, cast.clerk_a, "for")
    assert _status(decision) == Decision.Status.APPROVED


def test_the_decision_page_counts_only_the_votes_of_members(cast, client, eskdale):
    _join(cast, eskdale)
    decision = _ratification(cast)
    _vote(decision, cast.council_b, cast.clerk_b, "for")
    _leave_b(cast)
    client.force_login(cast.clerk_a)
    response = client.get(reverse("clusters:decision", args=[cast.cluster.slug, decision.number]))
    tally = response.context["tally"]
    assert (tally.members, tally.votes_for, tally.voted) == (2, 0, 0)
