"""Dates true to the order of things: no resolution dated before the event it answers. Each service
refuses with the date field named and changes nothing; the forms that know the record ask first."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clusters import decisions, documents, membership
from clusters.decision_forms import VoteForm
from clusters.decisions import DecisionError
from clusters.documents import DocumentError
from clusters.forms import AnswerForm
from clusters.membership import MembershipError
from clusters.models import Adoption, ClusterEvent, Membership, Vote
from clusters.views.documents import AdoptForm

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)
JOINED = datetime.date(2026, 4, 1)  # the cast's member councils resolved to join then


def long_date(day):
    return f"{day.day} {day:%B %Y}"


def ratification(cast):
    return decisions.propose_decision(
        acting_user=cast.clerk_a,
        cluster=cast.cluster,
        title="Share a speed-watch kit",
        text="Buy one kit and share it.",
        method="ratification",
        proposing_council=cast.council_a,
    )


def test_a_vote_cannot_be_dated_before_the_decision_was_proposed(cast):
    decision = ratification(cast)
    events = ClusterEvent.objects.count()
    with pytest.raises(DecisionError) as refused:
        decisions.record_vote(
            acting_user=cast.clerk_b,
            decision=decision,
            council=cast.council_b,
            choice="for",
            minute_ref="B/1",
            resolved_on=YESTERDAY,
        )
    assert str(refused.value) == (
        f"The date of the resolution must be on or after {long_date(TODAY)}, when the decision was proposed"
    )
    assert refused.value.field == "resolved_on"
    assert not Vote.objects.exists() and ClusterEvent.objects.count() == events
    # The day it was proposed will do.
    decisions.record_vote(
        acting_user=cast.clerk_b,
        decision=decision,
        council=cast.council_b,
        choice="for",
        minute_ref="B/1",
        resolved_on=TODAY,
    )
    assert Vote.objects.get().resolved_on == TODAY


def test_the_vote_form_asks_the_same_next_to_the_date(cast):
    decision = ratification(cast)
    earlier = {"choice": "for", "minute_ref": "B/1", "resolved_on": YESTERDAY.isoformat()}
    prefix = f"council-{cast.council_b.pk}-"
    form = VoteForm({prefix + k: v for k, v in earlier.items()}, council=cast.council_b, decision=decision)
    assert not form.is_valid()
    assert form.errors["resolved_on"] == [
        f"The date of the resolution must be on or after {long_date(TODAY)}, when the decision was proposed"
    ]


def test_the_adoption_and_answer_rows_ask_the_same_next_to_the_date(cast):
    version = documents.create_document(
        acting_user=cast.chair, cluster=cast.cluster, kind="mou", title="MoU", text="We agree."
    ).versions.get()
    row = {"adopted": "on", "minute_ref": "4/27", "resolved_on": YESTERDAY.isoformat()}
    prefix = f"council-{cast.council_a.pk}-"
    form = AdoptForm({prefix + k: v for k, v in row.items()}, council=cast.council_a, version=version)
    assert form.errors["resolved_on"] == [
        f"The date of the resolution must be on or after {long_date(TODAY)}, when version 1 was added"
    ]
    invited = membership.invite_council(acting_user=cast.chair, cluster=cast.cluster, council=cast.council_c)
    row = {"answer": "join", "minute_ref": "1/27", "resolved_on": YESTERDAY.isoformat()}
    prefix = f"council-{cast.council_c.pk}-"
    form = AnswerForm(
        {prefix + k: v for k, v in row.items()},
        council=cast.council_c,
        invitations={cast.council_c.pk: invited},
    )
    assert form.errors["resolved_on"] == [
        f"The date of the resolution must be on or after {long_date(TODAY)}, when the council was invited"
    ]


def test_an_adoption_cannot_be_dated_before_its_version_was_added(cast):
    document = documents.create_document(
        acting_user=cast.chair, cluster=cast.cluster, kind="mou", title="MoU", text="We agree."
    )
    version = document.versions.get()
    events = ClusterEvent.objects.count()
    with pytest.raises(DocumentError) as refused:
        documents.record_adoption(
            acting_user=cast.clerk_a,
            version=version,
            council=cast.council_a,
            minute_ref="4/27",
            resolved_on=YESTERDAY,
        )
    assert str(refused.value) == (
        f"The date of the resolution must be on or after {long_date(TODAY)}, when version 1 was added"
    )
    assert refused.value.field == "resolved_on"
    assert not Adoption.objects.exists() and ClusterEvent.objects.count() == events


def test_an_answer_cannot_be_dated_before_the_invitation_was_sent(cast):
    invited = membership.invite_council(acting_user=cast.chair, cluster=cast.cluster, council=cast.council_c)
    events = ClusterEvent.objects.count()
    with pytest.raises(MembershipError) as refused:
        membership.answer_invitation(
            acting_user=cast.clerk_c,
            membership=invited,
            accept=True,
            minute_ref="1/27",
            resolved_on=YESTERDAY,
        )
    assert str(refused.value) == (
        f"The date of the resolution must be on or after {long_date(TODAY)}, when the council was invited"
    )
    assert refused.value.field == "resolved_on"
    invited.refresh_from_db()
    assert (invited.status, invited.joined_on, invited.join_minute_ref) == ("invited", None, "")
    assert ClusterEvent.objects.count() == events


def test_leaving_cannot_be_dated_before_joining(cast):
    member_b = cast.cluster.memberships.get(council=cast.council_b)
    assert member_b.joined_on == JOINED
    with pytest.raises(MembershipError) as refused:
        membership.leave_cluster(
            acting_user=cast.clerk_b,
            membership=member_b,
            minute_ref="9/26",
            resolved_on=JOINED - datetime.timedelta(days=1),
        )
    assert str(refused.value) == (
        "The date of the resolution must be on or after 1 April 2026, when the council joined the cluster"
    )
    assert refused.value.field == "resolved_on"
    member_b.refresh_from_db()
    assert (member_b.status, member_b.left_on) == (Membership.Status.MEMBER, None)


def test_the_leave_page_shows_the_order_next_to_the_date_and_changes_nothing(cast, client_for):
    member_b = cast.cluster.memberships.get(council=cast.council_b)
    target = reverse("clusters:membership_leave", args=[cast.cluster.slug, member_b.pk])
    data = {
        "minute_ref": "9/26",
        "resolved_on-day": "31",
        "resolved_on-month": "3",
        "resolved_on-year": "2026",
    }
    response = client_for(cast.clerk_b).post(target, data)
    page = response.content.decode()
    message = (
        "The date of the resolution must be on or after 1 April 2026, when the council joined the cluster"
    )
    assert response.status_code == 200
    assert f'<a href="#id_resolved_on-day">{message}</a>' in page
    assert (
        f'id="id_resolved_on_error">\n      <span class="govuk-visually-hidden">Error:</span> {message}'
        in page
    )
    member_b.refresh_from_db()
    assert member_b.status == Membership.Status.MEMBER
