"""The clusters' panels on parishes' pages: "Needs your attention" on the home page, and a council's
clusters and invitations on the council's page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clusters import decisions, documents, leadership, membership, panels
from clusters.models import (
    Cluster,
    Decision,
    DocumentVersion,
    GovernanceDocument,
    Membership,
    Objective,
    Position,
    Vote,
)
from parishes import services
from parishes.access import councils_acted_for
from tests.factories import CouncilFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
HOME = reverse("parishes:home")
NOTHING = "Nothing is waiting for you: no decisions, votes, adoptions, invitations or reviews are due."
FOR_THE_CHAIR = "Decisions waiting for your decision as chair"
ADOPTIONS = "Documents waiting for your council's adoption"
INVITATIONS = "Invitations to answer"


def objective(cluster, owner, title="Cut the verges", next_review_on=TODAY, status="green"):
    return Objective.objects.create(
        cluster=cluster,
        title=title,
        owner_council=owner,
        measure="Verges cut",
        target="4",
        due_on=TODAY + 300 * DAY,
        next_review_on=next_review_on,
        status=status,
    )


def document(cluster, title="Memorandum of understanding", review_on=TODAY):
    return GovernanceDocument.objects.create(cluster=cluster, kind="mou", title=title, review_on=review_on)


def decision(cluster, number=1, method="ratification", status="proposed"):
    return Decision.objects.create(
        cluster=cluster,
        number=number,
        title=f"Buy a mower {number}",
        text="…",
        method=method,
        threshold="all",
        status=status,
    )


def versioned_document(cluster, title="Memorandum of understanding"):
    """A document with its first version, which is current until another is added."""
    return documents.create_document(
        acting_user=None, cluster=cluster, kind="mou", title=title, text="We agree to work together."
    )


def adopt(version, council, clerk):
    documents.record_adoption(
        acting_user=clerk, version=version, council=council, minute_ref="4/27", resolved_on=TODAY
    )


def home(client_for, person) -> str:
    response = client_for(person).get(HOME)
    assert response.status_code == 200
    return response.content.decode()


# Needs your attention


def test_a_clerk_sees_their_councils_objectives_and_the_ratifications_it_owes(cast, client_for):
    ours = objective(cast.cluster, cast.council_a, title="Ours", next_review_on=TODAY - 5 * DAY)
    objective(cast.cluster, cast.council_b, title="Brampton's")
    objective(cast.cluster, cast.council_a, title="Not yet", next_review_on=TODAY + DAY)
    objective(cast.cluster, cast.council_a, title="Finished", status="done")
    document(cast.cluster, title="Constitution")
    owed = decision(cast.cluster, 1)
    voted = decision(cast.cluster, 2)
    Vote.objects.create(
        decision=voted, council=cast.council_a, choice="for", minute_ref="1/27", resolved_on=TODAY
    )
    decision(cast.cluster, 3, method="chair")
    decision(cast.cluster, 4, status="approved")

    html = home(client_for, cast.clerk_a)

    assert "Needs your attention" in html
    assert reverse("clusters:objective", args=[cast.cluster.slug, ours.pk]) in html
    assert "Overdue" in html
    assert "Brampton&#x27;s" not in html and "Not yet" not in html and "Finished" not in html
    assert "Constitution" not in html  # documents are for the cluster's officers
    assert reverse("clusters:decision", args=[cast.cluster.slug, owed.number]) in html
    assert "not yet voted: Ashby ·" in html
    assert "Buy a mower 2" not in html and "Buy a mower 3" not in html and "Buy a mower 4" not in html


def test_an_officer_of_the_cluster_sees_its_documents_and_every_objective_due(cast, client_for):
    objective(cast.cluster, cast.council_a, title="Ashby's")
    objective(cast.cluster, cast.council_b, title="Brampton's")
    doc = document(cast.cluster, review_on=TODAY)
    document(cast.cluster, title="Code of conduct", review_on=TODAY + DAY)
    document(cast.other_cluster, title="Fellside's protocol")

    html = home(client_for, cast.secretary)

    assert "Ashby&#x27;s" in html and "Brampton&#x27;s" in html
    assert reverse("clusters:document", args=[cast.cluster.slug, doc.pk]) in html
    assert "Due today" in html
    assert "Code of conduct" not in html and "Fellside&#x27;s protocol" not in html


def test_nothing_of_another_cluster_shows(cast, client_for):
    objective(cast.cluster, cast.council_a)
    document(cast.cluster)
    decision(cast.cluster)

    html = home(client_for, cast.clerk_c)

    assert NOTHING in html
    assert "Cut the verges" not in html and "Buy a mower" not in html


def test_a_dissolved_clusters_items_do_not_show(cast, client_for):
    objective(cast.cluster, cast.council_a)
    decision(cast.cluster)
    decision(cast.cluster, 2, method="chair")
    versioned_document(cast.cluster)
    membership.invite_council(acting_user=cast.clerk_c, cluster=cast.other_cluster, council=cast.council_a)
    before = home(client_for, cast.clerk_a)
    assert ADOPTIONS in before and INVITATIONS in before and FOR_THE_CHAIR in home(client_for, cast.chair)

    # Set directly rather than through the dissolving service: whatever dissolving closes or leaves
    # open (a document's versions always stay), the panel shows nothing of a dissolved cluster.
    Cluster.objects.filter(pk__in=[cast.cluster.pk, cast.other_cluster.pk]).update(status="dissolved")

    assert NOTHING in home(client_for, cast.clerk_a)
    assert NOTHING in home(client_for, cast.chair)


def test_people_who_act_for_no_council_and_hold_no_position_see_no_panel(cast, client_for):
    objective(cast.cluster, cast.council_a)
    for person in (cast.councillor_a, cast.officer):
        assert "Needs your attention" not in home(client_for, person)


def test_the_panel_shows_the_most_overdue_ten_and_counts_the_rest(cast, client_for):
    for n in range(12):
        objective(cast.cluster, cast.council_a, title=f"Objective {n:02d}", next_review_on=TODAY - n * DAY)

    html = home(client_for, cast.clerk_a)

    assert "Objectives due for review (12)" in html
    assert "Objective 11" in html and "Objective 02" in html
    assert "Objective 01" not in html and "Objective 00" not in html
    assert "And 2 more." in html


def test_the_home_page_keeps_its_query_count_as_items_grow(cast, client_for):
    # The chair is a councillor of Brampton; acting for it too puts the councils' groups in the panel.
    services.set_council_permissions(
        acting_user=cast.clerk_b, council=cast.council_b, user=cast.chair, codenames={"act_for_council"}
    )
    client = client_for(cast.chair)
    client.get(HOME)  # the first request of a session records it: not the page's work
    counts = []
    for size in (2, 30):
        Objective.objects.all().delete()
        GovernanceDocument.objects.all().delete()
        Decision.objects.all().delete()
        Membership.objects.filter(council=cast.council_b, status=Membership.Status.INVITED).delete()
        for n in range(size):
            objective(cast.cluster, [cast.council_a, cast.council_b][n % 2], title=f"Objective {n}")
            doc = document(cast.cluster, title=f"Document {n}")
            DocumentVersion.objects.create(document=doc, number=1, text="…")
            decision(cast.cluster, n + 1)
            decision(cast.cluster, size + n + 1, method="chair")
            founder = CouncilFactory(area=cast.north)
            cluster = membership.start_cluster(
                acting_user=None,
                area=cast.north,
                lead_council=founder,
                name=f"Cluster {size}-{n}",
                purpose="…",
            )
            Membership.objects.create(cluster=cluster, council=cast.council_b)
        with CaptureQueriesContext(connection) as captured:
            html = client.get(HOME).content.decode()
        counts.append(len(captured))
        assert f"{FOR_THE_CHAIR} ({size})" in html
        assert f"Decisions waiting for your council's vote ({size})" in html
        assert f"{ADOPTIONS} ({size})" in html
        assert f"{INVITATIONS} ({size})" in html
        assert f"Documents due for review ({size})" in html
        assert f"Objectives due for review ({size})" in html
    assert counts[0] == counts[1], counts


def test_the_home_page_keeps_its_query_count_for_a_clerk_of_many_councils(cast, client_for):
    # A shared clerk acts for every member council but one: each owes the vote and the adoption.
    decision(cast.cluster)
    versioned_document(cast.cluster)
    membership.invite_council(acting_user=cast.clerk_c, cluster=cast.other_cluster, council=cast.council_a)
    client = client_for(cast.clerk_a)
    client.get(HOME)
    counts = []
    for size in (1, 12):
        while len(councils := councils_acted_for(cast.clerk_a)) < size:
            council = CouncilFactory(area=cast.north, name=f"Parish {len(councils):02d}")
            services.grant_council_role(acting_user=None, council=council, user=cast.clerk_a, kind="clerk")
            Membership.objects.create(cluster=cast.cluster, council=council, status="member", joined_on=TODAY)
            founder = CouncilFactory(area=cast.north)
            cluster = membership.start_cluster(
                acting_user=None,
                area=cast.north,
                lead_council=founder,
                name=f"Cluster {council.name}",
                purpose="…",
            )
            Membership.objects.create(cluster=cluster, council=council)
        with CaptureQueriesContext(connection) as captured:
            html = client.get(HOME).content.decode()
        counts.append(len(captured))
        assert "Decisions waiting for your council's vote (1)" in html
        assert f"{ADOPTIONS} (1)" in html
        assert f"{INVITATIONS} ({size})" in html
    assert counts[0] == counts[1], counts


def test_the_chair_sees_the_decisions_put_to_them_and_nobody_else_does(cast, client_for):
    first = decision(cast.cluster, 1, method="chair")
    decision(cast.cluster, 2, method="chair")
    decision(cast.cluster, 3)  # for the member councils to ratify, not the chair
    decision(cast.other_cluster, 1, method="chair")

    html = home(client_for, cast.chair)

    assert f"{FOR_THE_CHAIR} (2)" in html
    assert reverse("clusters:decision", args=[cast.cluster.slug, first.number]) in html
    assert "1. Buy a mower 1" in html and "2. Buy a mower 2" in html
    assert "Buy a mower 3" not in html
    assert reverse("clusters:decision", args=[cast.other_cluster.slug, 1]) not in html
    # Neither the cluster's secretary nor the member councils' clerks decide for it.
    for person in (cast.secretary, cast.clerk_a, cast.clerk_b):
        html = home(client_for, person)
        assert FOR_THE_CHAIR not in html and "Buy a mower 1" not in html and "Buy a mower 2" not in html


def test_the_chair_of_the_other_cluster_sees_only_its_decisions(cast, client_for):
    decision(cast.cluster, 1, method="chair")
    decision(cast.other_cluster, 1, method="chair")
    # The outsider council's clerk chairs Fellside.
    leadership.appoint(
        acting_user=None,
        cluster=cast.other_cluster,
        kind="chair",
        user=cast.clerk_c,
        council=cast.council_c,
        starts_on=TODAY,
    )

    html = home(client_for, cast.clerk_c)

    assert f"{FOR_THE_CHAIR} (1)" in html
    assert reverse("clusters:decision", args=[cast.other_cluster.slug, 1]) in html
    assert reverse("clusters:decision", args=[cast.cluster.slug, 1]) not in html
    # (North's officer sees it too, rightly: their home is the area's dashboard, which lists it.)
    for person in (cast.clerk_d, cast.south_officer):
        assert "Buy a mower" not in home(client_for, person)


def test_a_decided_or_withdrawn_decision_leaves_the_chairs_list(cast, client_for):
    approved, rejected, withdrawn = (decision(cast.cluster, n, method="chair") for n in (1, 2, 3))
    decision(cast.cluster, 4, method="chair")
    assert f"{FOR_THE_CHAIR} (4)" in home(client_for, cast.chair)

    decisions.decide(acting_user=cast.chair, decision=approved, approve=True)
    decisions.decide(acting_user=cast.chair, decision=rejected, approve=False, reasons="Too dear")
    decisions.withdraw_decision(acting_user=cast.chair, decision=withdrawn)

    html = home(client_for, cast.chair)
    assert f"{FOR_THE_CHAIR} (1)" in html
    assert "Buy a mower 4" in html
    assert "Buy a mower 1" not in html and "Buy a mower 2" not in html and "Buy a mower 3" not in html


def test_a_chair_whose_term_has_passed_is_no_longer_waited_for(cast, client_for):
    decision(cast.cluster, 1, method="chair")
    # The daily job has not ended it yet: the term alone takes the office away.
    Position.objects.filter(user=cast.chair, kind="chair").update(
        starts_on=TODAY - 30 * DAY, ends_on=TODAY - DAY
    )

    assert "Buy a mower 1" not in home(client_for, cast.chair)


def test_the_councils_see_the_current_version_they_have_not_adopted(cast, client_for):
    mou = versioned_document(cast.cluster)
    versioned_document(cast.other_cluster, title="Fellside's protocol")
    # Ashby adopted the first version: it owes the current one all the same.
    adopt(mou.versions.get(), cast.council_a, cast.clerk_a)
    documents.add_version(acting_user=cast.secretary, document=mou, text="Revised.")

    html = home(client_for, cast.clerk_a)

    assert f"{ADOPTIONS} (1)" in html
    assert reverse("clusters:document", args=[cast.cluster.slug, mou.pk]) in html
    assert "Memorandum of understanding, version 2" in html and "version 1" not in html
    assert "not yet adopted: Ashby ·" in html
    assert "Fellside&#x27;s protocol" not in html
    assert "Fellside&#x27;s protocol, version 1" in home(client_for, cast.clerk_c)
    assert "Memorandum of understanding" not in home(client_for, cast.clerk_c)
    # Adoption is the councils' to record: officers and councillors are not asked for it.
    for person in (cast.chair, cast.secretary, cast.councillor_a):
        assert ADOPTIONS not in home(client_for, person)


def test_an_adopted_version_leaves_the_list_until_a_new_version_comes(cast, client_for):
    mou = versioned_document(cast.cluster)
    services.grant_council_role(acting_user=None, council=cast.council_b, user=cast.clerk_a, kind="clerk")
    assert "not yet adopted: Ashby and Brampton ·" in home(client_for, cast.clerk_a)

    adopt(mou.versions.get(), cast.council_a, cast.clerk_a)
    html = home(client_for, cast.clerk_a)
    assert f"{ADOPTIONS} (1)" in html and "not yet adopted: Brampton ·" in html

    adopt(mou.versions.get(), cast.council_b, cast.clerk_a)
    assert ADOPTIONS not in home(client_for, cast.clerk_a)

    documents.add_version(acting_user=cast.secretary, document=mou, text="Revised.")
    html = home(client_for, cast.clerk_a)
    assert "Memorandum of understanding, version 2" in html
    assert "not yet adopted: Ashby and Brampton ·" in html


def test_the_invited_councils_clerk_is_asked_to_answer(cast, client_for):
    invitation = membership.invite_council(
        acting_user=cast.clerk_c, cluster=cast.other_cluster, council=cast.council_a
    )
    answer = reverse("clusters:invitation_answer", args=[cast.council_a.pk, invitation.pk])

    html = home(client_for, cast.clerk_a)

    assert f"{INVITATIONS} (1)" in html
    assert answer in html and "Fellside invites Ashby to join" in html
    # Nobody else answers for Ashby: not its councillor, not the inviting cluster's clerk.
    for person in (cast.councillor_a, cast.clerk_b, cast.clerk_c, cast.chair, cast.secretary):
        html = home(client_for, person)
        assert INVITATIONS not in html and answer not in html

    membership.answer_invitation(
        acting_user=cast.clerk_a, membership=invitation, accept=False, minute_ref="3/27", resolved_on=TODAY
    )
    assert INVITATIONS not in home(client_for, cast.clerk_a)


def test_a_withdrawn_invitation_is_not_asked_about(cast, client_for):
    invitation = membership.invite_council(
        acting_user=cast.clerk_c, cluster=cast.other_cluster, council=cast.council_a
    )
    membership.withdraw_invitation(acting_user=cast.clerk_c, membership=invitation)

    assert INVITATIONS not in home(client_for, cast.clerk_a)


def test_each_group_counts_all_and_shows_the_first_ten(cast, client_for):
    for n in range(12):
        decision(cast.cluster, n + 1, method="chair")
    services.set_council_permissions(
        acting_user=cast.clerk_b, council=cast.council_b, user=cast.chair, codenames={"act_for_council"}
    )
    for n in range(13):
        versioned_document(cast.cluster, title=f"Protocol {n:02d}")
        founder = CouncilFactory(area=cast.north)
        cluster = membership.start_cluster(
            acting_user=None, area=cast.north, lead_council=founder, name=f"Cluster {n:02d}", purpose="…"
        )
        membership.invite_council(acting_user=None, cluster=cluster, council=cast.council_b)

    html = home(client_for, cast.chair)

    assert f"{FOR_THE_CHAIR} (12)" in html and "And 2 more." in html
    assert f"{ADOPTIONS} (13)" in html and f"{INVITATIONS} (13)" in html
    assert html.count("And 3 more.") == 2
    # Oldest first: the first proposed, added and invited are shown, the last are counted.
    assert "1. Buy a mower 1<" in html and "Buy a mower 12" not in html
    assert "Protocol 00, version 1" in html and "Protocol 12" not in html
    assert "Cluster 00 invites Brampton" in html and "Cluster 12" not in html


# The council's clusters


def council_page(client_for, person, council) -> str:
    response = client_for(person).get(reverse("parishes:council", args=[council.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_council_page_lists_its_clusters_with_the_lead_and_member_since(cast, client_for):
    html = council_page(client_for, cast.councillor_a, cast.council_a)
    assert "Eden Valley" in html and cast.cluster.get_absolute_url() in html
    assert "Lead</strong>" in html

    html = council_page(client_for, cast.clerk_b, cast.council_b)
    assert "Eden Valley" in html and "1 Apr 2026" in html
    assert "Lead</strong>" not in html
    assert "Fellside" not in html


def test_a_pending_invitation_links_to_its_answer_for_those_who_act_for_the_council(cast, client_for):
    invitation = membership.invite_council(
        acting_user=cast.clerk_c, cluster=cast.other_cluster, council=cast.council_a
    )
    answer = reverse("clusters:invitation_answer", args=[cast.council_a.pk, invitation.pk])

    html = council_page(client_for, cast.clerk_a, cast.council_a)
    assert "has been invited to join <strong>Fellside</strong>" in html
    assert answer in html

    for person in (cast.councillor_a, cast.officer):
        html = council_page(client_for, person, cast.council_a)
        assert "has been invited to join <strong>Fellside</strong>" in html
        assert answer not in html
        assert "The clerk records the council's answer." in html


def test_an_answered_or_withdrawn_invitation_and_a_former_membership_are_not_listed(cast, client_for):
    invitation = membership.invite_council(
        acting_user=cast.clerk_c, cluster=cast.other_cluster, council=cast.council_b
    )
    membership.withdraw_invitation(acting_user=cast.clerk_c, membership=invitation)
    membership.leave_cluster(
        acting_user=cast.clerk_b,
        membership=cast.cluster.memberships.get(council=cast.council_b),
        minute_ref="9/27",
        resolved_on=TODAY,
    )

    html = council_page(client_for, cast.clerk_b, cast.council_b)

    assert "Fellside" not in html and "Eden Valley" not in html
    assert "Brampton is not a member of any cluster." in html


def test_the_council_page_keeps_its_query_count_as_clusters_grow(cast, client_for):
    client = client_for(cast.officer)
    counts = []
    for size in (1, 15):
        Membership.objects.filter(council=cast.council_c).exclude(cluster=cast.other_cluster).delete()
        for n in range(size):
            founder = CouncilFactory(area=cast.north)
            cluster = membership.start_cluster(
                acting_user=None,
                area=cast.north,
                lead_council=founder,
                name=f"Cluster {size}-{n}",
                purpose="…",
            )
            Membership.objects.create(
                cluster=cluster, council=cast.council_c, status="member", joined_on=TODAY
            )
        url = reverse("parishes:council", args=[cast.council_c.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            html = client.get(url).content.decode()
        counts.append(len(captured))
        assert f"Cluster {size}-{size - 1}" in html
    assert counts[0] == counts[1], counts


def test_a_decision_owed_by_several_of_the_persons_councils_is_listed_once(cast, client_for):
    # Clerks often serve several small councils.
    services.grant_council_role(acting_user=None, council=cast.council_b, user=cast.clerk_a, kind="clerk")
    decision(cast.cluster)

    html = home(client_for, cast.clerk_a)

    assert html.count("Buy a mower 1") == 1
    assert "Decisions waiting for your council's vote (1)" in html
    assert "not yet voted: Ashby and Brampton ·" in html


@pytest.mark.parametrize(
    ("names", "shown"),
    [
        (["Asby"], "Asby"),
        (["Asby", "Brough"], "Asby and Brough"),
        (["Asby", "Brough", "Kaber"], "Asby, Brough and Kaber"),
        (["Asby", "Brough", "Kaber", "Nateby", "Winton"], "Asby, Brough, Kaber and 2 more"),
    ],
)
def test_the_councils_waiting_are_named_briefly(names, shown):
    assert panels._waiting_for(names) == shown


@pytest.mark.parametrize("who", ["clerk_c", "clerk_d"])
def test_people_who_cannot_see_the_council_do_not_get_its_panel(cast, client_for, who):
    assert (
        client_for(getattr(cast, who)).get(reverse("parishes:council", args=[cast.council_a.pk])).status_code
        == 404
    )
