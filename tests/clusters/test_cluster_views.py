import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters import leadership, membership
from clusters.models import Cluster, ClusterEvent
from parishes.models import Council, CouncilRole
from tests.factories import UserFactory


def url(name, *args):
    return reverse(f"clusters:{name}", args=args)


# Who sees what in a cluster: the role matrix (GET status codes).
MATRIX = {
    # person:       overview, edit, invite, appoint, members
    "clerk_a": (200, 403, 403, 403, 200),
    "councillor_a": (200, 403, 403, 403, 200),
    "rfo_a": (200, 403, 403, 403, 200),
    "clerk_b": (200, 403, 403, 403, 200),
    "chair": (200, 200, 200, 200, 200),
    "secretary": (200, 403, 403, 403, 200),
    "officer": (200, 403, 403, 403, 200),
    "admin": (200, 403, 403, 403, 200),
    "clerk_c": (404, 404, 404, 404, 404),
    "clerk_d": (404, 404, 404, 404, 404),
    "south_officer": (404, 404, 404, 404, 404),
    "south_admin": (404, 404, 404, 404, 404),
}


@pytest.mark.parametrize("person", sorted(MATRIX))
def test_the_role_matrix(cast, client_for, person):
    client = client_for(getattr(cast, person))
    pages = ("overview", "edit", "invite", "appoint", "members")
    got = tuple(client.get(url(page, cast.cluster.slug)).status_code for page in pages)
    assert got == MATRIX[person]


def test_the_list_shows_only_visible_clusters(cast, client_for):
    names = {c.name for c in client_for(cast.clerk_a).get(url("list")).context["page_obj"]}
    assert names == {"Eden Valley"}
    names = {c.name for c in client_for(cast.officer).get(url("list")).context["page_obj"]}
    assert names == {"Eden Valley", "Fellside"}


def test_a_clerk_starts_a_cluster(cast, client_for):
    client = client_for(cast.clerk_b)
    form = client.get(url("start")).context["form"]
    assert list(form.fields["lead_council"].queryset) == [cast.council_b]
    response = client.post(
        url("start"),
        {
            "name": "Becks and Fells",
            "purpose": "Share a mower",
            "formality": "mou",
            "lead_council": cast.council_b.pk,
            "financial_model": "contributions",
            "ratification_threshold": "majority",
        },
    )
    cluster = Cluster.objects.get(name="Becks and Fells")
    assert response.url == cluster.get_absolute_url()
    assert cluster.started_by == cast.clerk_b
    # Until it has a chair, the person who started it invites councils.
    assert client.get(url("invite", cluster.slug)).status_code == 200


def test_starting_with_bad_input_is_explained(cast, client_for):
    client = client_for(cast.clerk_b)
    response = client.post(url("start"), {"name": "", "lead_council": cast.council_d.pk})
    assert {"name", "purpose", "lead_council"} <= set(response.context["form"].errors)
    response = client.post(
        url("start"),
        {
            "name": "Eden Valley",
            "purpose": "x",
            "formality": "mou",
            "lead_council": cast.council_b.pk,
            "financial_model": "grants",
            "ratification_threshold": "all",
        },
    )
    assert "already has a cluster called Eden Valley" in response.content.decode()
    assert Cluster.objects.count() == 3


def test_a_councillor_cannot_start_a_cluster(cast, client_for):
    assert client_for(cast.councillor_a).get(url("start")).status_code == 403


def test_the_chair_changes_the_details_with_history(cast, client_for):
    client = client_for(cast.chair)
    response = client.post(
        url("edit", cast.cluster.slug),
        {
            "name": "Eden Valley",
            "purpose": "Verges and signs",
            "priorities": "Verges",
            "formality": "constitution",
            "lead_council": cast.council_b.pk,
            "financial_model": "both",
            "ratification_threshold": "majority",
        },
    )
    assert response.status_code == 302
    cast.cluster.refresh_from_db()
    assert (cast.cluster.lead_council, cast.cluster.formality) == (cast.council_b, "constitution")
    event = ClusterEvent.objects.filter(cluster=cast.cluster, action="cluster.updated").latest("id")
    assert event.before["formality"] == "informal"
    assert "Verges and signs" not in str(event.before)
    page = client.get(url("history", cast.cluster.slug)).content.decode()
    assert "Changed:" in page


def test_the_lead_must_be_a_member(cast, client_for):
    response = client_for(cast.chair).post(
        url("edit", cast.cluster.slug),
        {
            "name": "Eden Valley",
            "purpose": "x",
            "formality": "mou",
            "lead_council": cast.council_c.pk,
            "financial_model": "grants",
            "ratification_threshold": "all",
        },
    )
    assert "lead_council" in response.context["form"].errors


def test_dissolving(cast, client_for):
    client = client_for(cast.chair)
    assert "Are you sure" in client.get(url("status", cast.cluster.slug)).content.decode()
    decided = {"reason": "Merged", "minute_ref": "9", "resolved_on": cast.cluster.formed_on.isoformat()}
    client.post(url("status", cast.cluster.slug), {"to": "dissolved", **decided})
    cast.cluster.refresh_from_db()
    assert cast.cluster.status == "dissolved"
    # Dissolving ended the chair's position: what it allowed has gone (tests/clusters/test_dissolve.py).
    assert client.post(url("status", cast.cluster.slug), {"to": "active"}).status_code == 403


def grow(cluster, members):
    """Add member councils, each with a clerk and an officer, to a cluster."""
    for i in range(members):
        council = Council.objects.create(area=cluster.area, name=f"Extra {cluster.pk}-{i}")
        clerk = UserFactory()
        CouncilRole.objects.create(council=council, user=clerk, kind="clerk")
        invited = membership.invite_council(acting_user=None, cluster=cluster, council=council)
        membership.answer_invitation(
            acting_user=None, membership=invited, accept=True, minute_ref="1", resolved_on=cluster.formed_on
        )
    leadership.appoint(
        acting_user=None,
        cluster=cluster,
        kind="treasurer",
        user=clerk,
        council=council,
        starts_on=cluster.formed_on,
    )


@pytest.mark.parametrize("page", ["overview", "members", "officers", "history"])
def test_query_counts_do_not_grow_with_members(cast, client_for, page):
    client = client_for(cast.officer)
    counts = []
    for size in (2, 40):
        grow(cast.cluster, size)
        client.get(url(page, cast.cluster.slug))  # the first request after sign-in also records the session
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(page, cast.cluster.slug)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert counts[0] <= 25
