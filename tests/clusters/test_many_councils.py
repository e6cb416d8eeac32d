"""One page for a clerk of many councils (issue 7, part 2): ratification votes, adoptions and answers
to invitations recorded for every council they act for in one submission; a row per council, blank
rows skipped, each row validated on its own, all or nothing."""

import datetime
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clusters import decisions, documents
from clusters.models import Adoption, Cluster, ClusterEvent, Decision, Membership, Vote
from parishes import services as parish_services
from parishes.models import Council, CouncilRole

TODAY = timezone.localdate().isoformat()
OUTSIDERS = ["clerk_c", "clerk_d", "south_officer"]
# The button that records a page's rows.
BUTTON = re.compile(r'<button type="submit"[^>]*>Record the (resolution|adoption|answer)s?</button>')


def row(council, **fields) -> dict:
    """A council's row as the page posts it; a date as one ISO value, as the tests post dates."""
    return {f"council-{council.pk}-{name}": value for name, value in fields.items()}


def vote_row(council, choice="for", minute_ref=None):
    return row(council, choice=choice, minute_ref=minute_ref or f"{council.pk}/26", resolved_on=TODAY)


def acting_for(cast, count: int) -> list[Council]:
    """Clerk A acts for `count` member councils of Eden Valley: Ashby, Brampton and new members."""
    parish_services.grant_council_role(
        acting_user=None, council=cast.council_b, user=cast.clerk_a, kind=CouncilRole.Kind.CLERK
    )
    add_members(cast, count - 2)
    return list(
        Council.objects.filter(
            cluster_memberships__cluster=cast.cluster, cluster_memberships__status="member"
        )
    )


def add_members(cast, count: int) -> None:
    """More member councils of Eden Valley, each with clerk A as its clerk."""
    for _ in range(count):
        n = Council.objects.count()
        council = Council.objects.create(area=cast.north, name=f"Member {n:02d}", gss_code=f"E04{700000 + n}")
        Membership.objects.create(
            cluster=cast.cluster, council=council, status="member", joined_on=datetime.date(2026, 4, 1)
        )
        parish_services.grant_council_role(
            acting_user=None, council=council, user=cast.clerk_a, kind=CouncilRole.Kind.CLERK
        )


def ratification(cast, threshold="all") -> Decision:
    cast.cluster.ratification_threshold = threshold
    cast.cluster.save()
    return decisions.propose_decision(
        acting_user=cast.clerk_a,
        cluster=cast.cluster,
        title="Share a clerk",
        text="…",
        method="ratification",
        proposing_council=cast.council_a,
    )


def decision_url(name, cast, decision):
    return reverse(f"clusters:{name}", args=[cast.cluster.slug, decision.number])


def rows_of(page: str) -> dict[str, str]:
    """Each council row's HTML, by its prefix (council-<id>): from its fieldset to the next row's or
    the end of the form."""
    form = (
        page.split('<div id="council-rows">', 1)[-1].split("</form>", 1)[0] if "council-rows" in page else ""
    )
    parts = re.split(r'<fieldset class="govuk-fieldset" id="(council-\d+)">', form)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


# Votes


@pytest.mark.parametrize("count", [2, 16])
def test_one_submission_records_the_votes_of_every_council(cast, client_for, count):
    councils = acting_for(cast, count)
    decision = ratification(cast)
    client = client_for(cast.clerk_a)
    page = client.get(decision_url("decision", cast, decision)).content.decode()
    assert len(rows_of(page)) == count
    data = {}
    for council in councils:
        data |= vote_row(council)
    response = client.post(decision_url("decision_vote", cast, decision), data)
    assert response.status_code == 302
    assert set(Vote.objects.values_list("council_id", flat=True)) == {c.pk for c in councils}
    assert ClusterEvent.objects.filter(action="decision.voted").count() == count
    decision.refresh_from_db()
    assert decision.status == "approved"  # every member voted for
    page = client.get(decision_url("decision", cast, decision)).content.decode()
    assert not BUTTON.search(page) and not rows_of(page)


def test_blank_rows_are_not_recorded(cast, client_for):
    acting_for(cast, 2)
    decision = ratification(cast)
    client = client_for(cast.clerk_a)
    response = client.post(
        decision_url("decision_vote", cast, decision),
        {**vote_row(cast.council_a), **row(cast.council_b, choice="", minute_ref="", resolved_on="")},
    )
    assert response.status_code == 302
    assert list(Vote.objects.values_list("council_id", flat=True)) == [cast.council_a.pk]
    page = client.get(decision_url("decision", cast, decision)).content.decode()
    assert list(rows_of(page)) == [f"council-{cast.council_b.pk}"]
    assert BUTTON.search(page)  # Brampton still has its vote to record


def test_a_submission_with_every_row_blank_is_refused(cast, client_for):
    acting_for(cast, 2)
    decision = ratification(cast)
    response = client_for(cast.clerk_a).post(decision_url("decision_vote", cast, decision), {})
    assert response.status_code == 200
    assert "Record the resolution of at least one council" in response.content.decode()
    assert not Vote.objects.exists()


def test_one_bad_row_saves_nothing_and_its_error_sits_in_its_row(cast, client_for):
    acting_for(cast, 2)
    decision = ratification(cast)
    response = client_for(cast.clerk_a).post(
        decision_url("decision_vote", cast, decision),
        {
            **vote_row(cast.council_a),
            **row(cast.council_b, choice="against", minute_ref="", resolved_on=TODAY),
        },
    )
    assert response.status_code == 200
    assert not Vote.objects.exists()
    page = response.content.decode()
    rows = rows_of(page)
    assert "Enter the minute reference" in rows[f"council-{cast.council_b.pk}"]
    assert "Enter the minute reference" not in rows[f"council-{cast.council_a.pk}"]
    # The summary names the council and links to the field in its row; what was typed stays.
    assert (
        f'<a href="#id_council-{cast.council_b.pk}-minute_ref">Brampton: Enter the minute reference</a>'
        in page
    )
    assert f'value="{cast.council_a.pk}/26"' in rows[f"council-{cast.council_a.pk}"]
    assert page.count("<title>Error: ") == 1


def test_a_ratification_settled_part_way_records_the_later_rows_too(cast, client_for):
    """Every member must agree: Ashby's vote against settles it, yet Brampton's resolution, taken
    too, is recorded in the same submission rather than refused as too late."""
    acting_for(cast, 2)
    decision = ratification(cast)
    response = client_for(cast.clerk_a).post(
        decision_url("decision_vote", cast, decision),
        {**vote_row(cast.council_a, "against"), **vote_row(cast.council_b, "for")},
        follow=True,
    )
    assert "Recorded the resolution of Ashby and Brampton" in response.content.decode()
    assert Vote.objects.count() == 2
    decision.refresh_from_db()
    assert decision.status == "rejected"
    assert decision.reasons.startswith("For 1, against 1")


def test_a_majority_reached_part_way_counts_every_row(cast, client_for):
    councils = acting_for(cast, 5)
    decision = ratification(cast, threshold="majority")
    data = {}
    for council in councils:
        data |= vote_row(council)
    client_for(cast.clerk_a).post(decision_url("decision_vote", cast, decision), data)
    decision.refresh_from_db()
    assert Vote.objects.count() == 5
    assert decision.status == "approved" and decision.reasons.startswith("For 5")


def test_the_service_refuses_a_row_for_a_council_not_acted_for_and_keeps_nothing(cast):
    acting_for(cast, 2)
    decision = ratification(cast)
    rows = [
        decisions.CouncilVote(
            council=cast.council_a, choice="for", minute_ref="A/1", resolved_on=timezone.localdate()
        ),
        decisions.CouncilVote(
            council=cast.council_c, choice="for", minute_ref="C/1", resolved_on=timezone.localdate()
        ),
    ]
    with pytest.raises(decisions.VoteRefused) as refused:
        decisions.record_votes(acting_user=cast.clerk_a, decision=decision, votes=rows)
    assert refused.value.council == cast.council_c
    assert not Vote.objects.exists()
    assert not ClusterEvent.objects.filter(action="decision.voted").exists()


def test_rows_of_councils_the_person_does_not_act_for_are_ignored(cast, client_for):
    decision = ratification(cast)
    response = client_for(cast.clerk_a).post(
        decision_url("decision_vote", cast, decision),
        {**vote_row(cast.council_b), **vote_row(cast.council_c)},
    )
    assert response.status_code == 200  # no row of Ashby's was filled in: nothing to record
    assert not Vote.objects.exists()


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404(cast, client_for, who):
    acting_for(cast, 2)
    decision = ratification(cast)
    client = client_for(getattr(cast, who))
    assert (
        client.post(decision_url("decision_vote", cast, decision), vote_row(cast.council_a)).status_code
        == 404
    )
    assert not Vote.objects.exists()


@pytest.mark.parametrize("who", ["councillor_a", "officer"])
def test_read_only_people_get_403(cast, client_for, who):
    decision = ratification(cast)
    response = client_for(getattr(cast, who)).post(
        decision_url("decision_vote", cast, decision), vote_row(cast.council_a)
    )
    assert response.status_code == 403
    assert not Vote.objects.exists()


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_pages_query_counts_do_not_grow_with_the_councils(cast, client_for):
    """Each page with 2 councils to record, then with 16: the same number of queries."""
    decision = ratification(cast)
    version, adopt_url = _document(cast)
    invitation_url = reverse("clusters:invitation", args=[cast.other_cluster.slug])
    client = client_for(cast.clerk_a)
    pages = [decision_url("decision", cast, decision), adopt_url, invitation_url]

    def grow(invited: int):
        for _ in range(invited):
            council = Council.objects.create(
                area=cast.north,
                name=f"Invited {Council.objects.count()}",
                gss_code=f"E04{710000 + Council.objects.count()}",
            )
            Membership.objects.create(cluster=cast.other_cluster, council=council)
            parish_services.grant_council_role(
                acting_user=None, council=council, user=cast.clerk_a, kind="clerk"
            )

    acting_for(cast, 2)
    grow(2)
    for url in pages:
        client.get(url)  # what a first visit alone reads (the session) is not counted
    small = [_page_queries(client, url) for url in pages]
    assert [len(rows_of(client.get(url).content.decode())) for url in pages] == [2, 2, 2]
    add_members(cast, 14)
    grow(14)
    large = [_page_queries(client, url) for url in pages]
    assert [len(rows_of(client.get(url).content.decode())) for url in pages] == [16, 16, 16]
    assert large == small


# Adoptions


def _document(cast):
    document = documents.create_document(
        acting_user=cast.secretary, cluster=cast.cluster, kind="mou", title="MoU", text="We agree."
    )
    version = document.versions.get()
    return version, reverse("clusters:version_adopt", args=[cast.cluster.slug, document.pk, version.pk])


def adopt_row(council, minute_ref="26/4"):
    return row(council, adopted="on", minute_ref=minute_ref, resolved_on=TODAY)


def test_one_submission_records_the_adoptions_of_every_council(cast, client_for):
    acting_for(cast, 2)
    version, url = _document(cast)
    client = client_for(cast.clerk_a)
    assert len(rows_of(client.get(url).content.decode())) == 2
    response = client.post(url, {**adopt_row(cast.council_a), **adopt_row(cast.council_b)})
    assert response.status_code == 302
    assert set(version.adoptions.values_list("council_id", flat=True)) == {
        cast.council_a.pk,
        cast.council_b.pk,
    }
    page = client.get(url).content.decode()
    assert not BUTTON.search(page) and "Every council you act for has already adopted" in page


def test_a_bad_adoption_row_saves_nothing(cast, client_for):
    acting_for(cast, 2)
    version, url = _document(cast)
    # Brampton's minute and date without saying that it adopted the version.
    response = client_for(cast.clerk_a).post(
        url, {**adopt_row(cast.council_a), **row(cast.council_b, minute_ref="B/9", resolved_on=TODAY)}
    )
    assert response.status_code == 200
    assert (
        "Select Adopted if the council resolved to adopt this version"
        in rows_of(response.content.decode())[f"council-{cast.council_b.pk}"]
    )
    assert not Adoption.objects.exists()


def test_a_blank_adoption_row_is_not_recorded(cast, client_for):
    acting_for(cast, 2)
    version, url = _document(cast)
    client_for(cast.clerk_a).post(url, adopt_row(cast.council_b))
    assert list(version.adoptions.values_list("council_id", flat=True)) == [cast.council_b.pk]


@pytest.mark.parametrize(("who", "status"), [("clerk_c", 404), ("clerk_d", 404), ("councillor_a", 403)])
def test_adoptions_outsiders_404_and_read_only_403(cast, client_for, who, status):
    _, url = _document(cast)
    assert client_for(getattr(cast, who)).post(url, adopt_row(cast.council_a)).status_code == status
    assert not Adoption.objects.exists()


# Invitations


def invited(cast) -> str:
    """Fellside invites Ashby and Brampton, whose clerk A is; the cluster-level page of its invitations."""
    parish_services.grant_council_role(
        acting_user=None, council=cast.council_b, user=cast.clerk_a, kind="clerk"
    )
    for council in (cast.council_a, cast.council_b):
        Membership.objects.create(cluster=cast.other_cluster, council=council, invited_by=cast.clerk_c)
    return reverse("clusters:invitation", args=[cast.other_cluster.slug])


def answer_row(council, answer):
    return row(council, answer=answer, minute_ref="26/5", resolved_on=TODAY)


def test_one_submission_answers_every_invitation(cast, client_for):
    url = invited(cast)
    client = client_for(cast.clerk_a)
    page = client.get(url).content.decode()
    assert len(rows_of(page)) == 2 and "Invitation to join Fellside" in page
    response = client.post(
        url, {**answer_row(cast.council_a, "join"), **answer_row(cast.council_b, "decline")}
    )
    assert response.status_code == 302 and response.url == cast.other_cluster.get_absolute_url()
    statuses = dict(cast.other_cluster.memberships.values_list("council_id", "status"))
    assert statuses[cast.council_a.pk] == "member" and statuses[cast.council_b.pk] == "declined"
    page = client.get(url).content.decode()
    assert not BUTTON.search(page) and "Every council you act for has answered" in page


def test_the_council_page_link_opens_every_invitation_of_the_cluster(cast, client_for):
    invited(cast)
    membership = cast.other_cluster.memberships.get(council=cast.council_a)
    page = client_for(cast.clerk_a).get(
        reverse("clusters:invitation_answer", args=[cast.council_a.pk, membership.pk])
    )
    assert len(rows_of(page.content.decode())) == 2


def test_a_bad_answer_row_saves_nothing(cast, client_for):
    url = invited(cast)
    response = client_for(cast.clerk_a).post(
        url,
        {
            **answer_row(cast.council_a, "join"),
            **row(cast.council_b, answer="maybe", minute_ref="x", resolved_on=TODAY),
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in rows_of(response.content.decode())[f"council-{cast.council_b.pk}"]
    assert set(
        cast.other_cluster.memberships.filter(council__in=[cast.council_a, cast.council_b]).values_list(
            "status", flat=True
        )
    ) == {"invited"}


@pytest.mark.parametrize(
    ("who", "status"), [("clerk_d", 404), ("south_officer", 404), ("councillor_a", 403), ("clerk_c", 403)]
)
def test_invitations_outsiders_404_and_read_only_403(cast, client_for, who, status):
    url = invited(cast)
    assert client_for(getattr(cast, who)).post(url, answer_row(cast.council_a, "join")).status_code == status
    assert not cast.other_cluster.memberships.filter(status="member", council=cast.council_a).exists()


# The demo


def test_the_demo_upper_eden_clerk_records_all_sixteen_votes_in_one_submission(db, client):
    call_command("seed_demo", "--password", "demo-password-1", stdout=StringIO())
    clerk = get_user_model().objects.get(email="clerk@upper-eden.example")
    cluster = Cluster.objects.get(name="Upper Eden")
    decision = decisions.propose_decision(
        acting_user=clerk,
        cluster=cluster,
        title="Share a verge mower",
        text="…",
        method="ratification",
        proposing_council=cluster.memberships.filter(council__roles__user=clerk).first().council,
    )
    client.force_login(clerk)
    url = reverse("clusters:decision", args=[cluster.slug, decision.number])
    rows = rows_of(client.get(url).content.decode())
    assert len(rows) == 16
    data = {}
    for prefix in rows:
        data |= {f"{prefix}-choice": "for", f"{prefix}-minute_ref": "26/31", f"{prefix}-resolved_on": TODAY}
    response = client.post(reverse("clusters:decision_vote", args=[cluster.slug, decision.number]), data)
    assert response.status_code == 302
    assert decision.votes.count() == 16


def test_the_answers_of_one_submission_reach_the_cluster_in_one_email(
    cast, client_for, django_capture_on_commit_callbacks
):
    url = invited(cast)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(cast.clerk_a).post(
            url, {**answer_row(cast.council_a, "join"), **answer_row(cast.council_b, "decline")}
        )
    # Fellside has no chair yet: whoever started it hears, once.
    [told] = [m for m in mail.outbox if m.to == [cast.clerk_c.email]]
    assert told.subject == "Clusterwork: 2 councils answered the invitation to Fellside"
    assert "Ashby has joined Fellside" in told.body and "Brampton has declined to join Fellside" in told.body
