"""The clusters' panels on the area dashboard and the lists behind their figures (issue 8, part 2):
the figures of a small hand-built area, the lists' filters (a bad value is named next to its field
and filters nothing), their CSV, and who may see them."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from clusters.dashboard.clusters import cluster_counts, needing_attention
from clusters.dashboard.coverage import coverage
from clusters.dashboard.decisions import outcomes
from clusters.dashboard.objectives import objective_counts
from clusters.models import Cluster, Decision, GovernanceDocument, Membership, Objective
from parishes.models import Council, District
from parishes.panels import render_area_panels
from tests.factories import CouncilFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
LISTS = ("councils", "clusters", "decisions", "objectives")
OUTSIDERS = ("clerk_a", "chair", "clerk_c", "south_officer", "south_admin")


@pytest.fixture
def area(cast):
    """North, with two more councils in no active cluster (E in none, F in a forming cluster), an
    invitation unanswered, a document overdue, decisions of every kind and objectives of every colour."""
    eden = District.objects.create(gss_code="E07000030", name="Eden")
    Council.objects.filter(pk__in=[cast.council_a.pk]).update(district=eden)
    council_e = CouncilFactory(area=cast.north, name="Eamont", district=eden)
    council_f = CouncilFactory(area=cast.north, name="Fellgate", kind=Council.Kind.PARISH_MEETING)
    forming = Cluster.objects.create(
        area=cast.north, name="Forming", slug="forming", purpose="…", lead_council=council_f
    )
    Membership.objects.create(cluster=forming, council=council_f, status=Membership.Status.MEMBER)
    Membership.objects.create(cluster=cast.cluster, council=council_e, status=Membership.Status.INVITED)
    GovernanceDocument.objects.create(cluster=cast.cluster, kind="mou", title="MoU", review_on=TODAY - DAY)
    GovernanceDocument.objects.create(
        cluster=cast.cluster, kind="protocol", title="Due today", review_on=TODAY
    )
    now = timezone.now()
    for number, (status, method, days_ago) in enumerate(
        [
            ("proposed", "chair", 40),
            ("proposed", "ratification", 10),
            ("approved", "chair", 100),
            ("approved", "ratification", 200),
            ("rejected", "chair", 30),
            ("rejected", "chair", 400),  # more than 12 months ago
            ("withdrawn", "chair", 5),
        ],
        start=1,
    ):
        Decision.objects.create(
            cluster=cast.cluster,
            number=number,
            title=f"Decision {number}",
            text="…",
            method=method,
            threshold="all",
            status=status,
            proposed_at=now - datetime.timedelta(days=days_ago),
        )
    for title, cluster, owner, status, review in [
        ("Red overdue", cast.cluster, cast.council_a, "red", TODAY - 5 * DAY),
        ("Amber due today", cast.cluster, cast.council_b, "amber", TODAY),
        ("Green", cast.cluster, cast.council_a, "green", TODAY + 30 * DAY),
        ("Done long ago", cast.cluster, cast.council_a, "done", TODAY - 90 * DAY),
        ("Fellside red overdue", cast.other_cluster, cast.council_c, "red", TODAY - DAY),
    ]:
        Objective.objects.create(
            cluster=cluster,
            title=title,
            owner_council=owner,
            measure="…",
            target="…",
            due_on=TODAY + 200 * DAY,
            status=status,
            next_review_on=review,
        )
    return cast.north


# Figures


def test_coverage_by_district_and_kind(cast, area):
    figures = coverage(area)
    assert (figures["covered"], figures["total"]) == (3, 5)  # A, B (Eden Valley) and C (Fellside)
    by_district = {row["name"]: (row["covered"], row["uncovered"]) for row in figures["by_district"]}
    assert by_district == {"Eden": (1, 1), "District not known": (2, 1)}
    assert [row["name"] for row in figures["by_district"]][-1] == "District not known"
    by_kind = {row["name"]: (row["covered"], row["uncovered"]) for row in figures["by_kind"]}
    assert by_kind == {"Parish council": (3, 1), "Parish meeting": (0, 1)}


def test_clusters_by_status_and_what_needs_attention(cast, area):
    every = list(area.clusters.order_by("name"))
    counts = {
        group: {row["label"]: row["count"] for row in rows}
        for group, rows in cluster_counts(area, every).items()
    }
    assert counts["status"] == {"Forming": 1, "Active": 2, "Dissolved": 0}
    assert counts["formality"]["Informal arrangement"] == 3
    shown, totals = needing_attention(every)
    assert [c.name for c in shown] == ["Eden Valley", "Fellside", "Forming"]  # most attention first
    eden = shown[0]
    assert (eden.members, eden.lead_council, eden.chair_name) == (2, cast.council_a, cast.chair.name)
    assert (eden.decisions_waiting, eden.ratifications, eden.documents_overdue) == (1, 1, 1)
    assert (eden.objectives_overdue, eden.invitations, eden.attention) == (1, 1, 5)
    assert shown[1].chair_name is None and shown[1].objectives_overdue == 1
    assert totals == {
        "clusters": 3,
        "decisions_waiting": 1,
        "ratifications": 1,
        "documents_overdue": 1,
        "objectives_overdue": 2,
        "invitations": 1,
    }


def test_decisions_of_the_last_twelve_months_by_outcome(cast, area):
    figures = outcomes(area)
    assert figures["recent"] == 6  # the rejection of 400 days ago is left out
    assert {row["label"]: row["count"] for row in figures["by_status"]} == {
        "Still waiting": 2,
        "Approved": 2,
        "Rejected": 1,
        "Withdrawn": 1,
    }
    assert [row["count"] for row in figures["waiting"]] == [1, 1]


def test_objectives_by_colour_and_overdue_reviews(cast, area):
    figures = objective_counts(area)
    assert {row["value"]: row["count"] for row in figures["by_status"]} == {
        "red": 2,
        "amber": 1,
        "green": 1,
        "done": 1,
    }
    assert figures["overdue"] == 2  # not the one due today, nor the done one


def test_every_figure_links_to_its_list_on_the_page_and_none_on_paper(cast, area):
    page = "".join(render_area_panels(area))
    assert 'href="/areas/north/dashboard/councils/?status=uncovered"' in page
    assert 'href="/areas/north/dashboard/objectives/?status=overdue"' in page
    assert 'href="/areas/north/dashboard/decisions/?status=waiting_chair&amp;cluster=' in page
    paper = "".join(render_area_panels(area, medium="pdf"))
    assert "Eden Valley" in paper and "href=" not in paper.replace('href="#', "")


# The lists


def rows_of(client, url) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("name", "query", "expected"),
    [
        ("councils", "status=uncovered", ["Eamont", "Fellgate"]),
        ("councils", "status=covered&district=E07000030", ["Ashby"]),
        ("councils", "district=none&kind=parish_meeting", ["Fellgate"]),
        ("councils", "cluster=eden-valley", ["Ashby", "Brampton"]),
        ("clusters", "status=active", ["Eden Valley", "Fellside"]),
        ("clusters", "attention=invitations", ["Eden Valley"]),
        ("clusters", "district=E07000030", ["Eden Valley"]),
        ("decisions", "status=waiting_chair", ["Decision 1"]),
        ("decisions", "status=rejected&proposed=12m", ["Decision 5"]),
        ("objectives", "status=overdue", ["Red overdue", "Fellside red overdue"]),
        ("objectives", "status=red&cluster=fellside", ["Fellside red overdue"]),
        ("objectives", "district=E07000030", ["Red overdue", "Green", "Done long ago"]),
    ],
)
def test_the_lists_and_their_csv_follow_the_filters(cast, area, client_for, name, query, expected):
    client = client_for(cast.officer)
    slugs = {"eden-valley": cast.cluster.slug, "fellside": cast.other_cluster.slug}
    for placeholder, slug in slugs.items():
        query = query.replace(f"cluster={placeholder}", f"cluster={slug}")
    page = client.get(reverse(f"clusters:dashboard_{name}", args=[area.slug]) + "?" + query)
    assert page.status_code == 200
    html = page.content.decode()
    assert f"{len(expected)} {name[:-1]}{'s' if len(expected) != 1 else ''} found" in html
    rows = rows_of(client, reverse(f"clusters:dashboard_{name}_csv", args=[area.slug]) + "?" + query)
    column = 1 if name in ("decisions", "objectives") else 0
    if name == "decisions":
        column = 2
    assert sorted(row[column] for row in rows[1:]) == sorted(expected)


def test_the_councils_csv_says_which_clusters(cast, area, client_for):
    rows = rows_of(client_for(cast.officer), reverse("clusters:dashboard_councils_csv", args=[area.slug]))
    assert rows[0] == ["Council", "GSS code", "Kind", "District", "In an active cluster", "Clusters"]
    by_name = {row[0] + row[1]: row for row in rows[1:]}
    assert by_name["Ashby" + cast.council_a.gss_code][3:] == ["Eden", "Yes", "Eden Valley (active)"]
    fellgate = next(row for row in rows if row[0] == "Fellgate")
    assert fellgate[4:] == ["No", "Forming (forming)"]


@pytest.mark.parametrize("name", LISTS)
def test_a_bad_filter_is_named_next_to_its_field_and_filters_nothing(cast, area, client_for, name):
    client = client_for(cast.officer)
    url = reverse(f"clusters:dashboard_{name}", args=[area.slug])
    everything = client.get(url).context["page_obj"].paginator.count
    response = client.get(
        url, {"status": "nonsense", "district": "<script>", "cluster": "x" * 500, "page": "-4"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    for message in (
        "Select a status from the list",
        "Select a district from the list",
        "Select a cluster from the list",
    ):
        assert message in html
    assert response.context["page_obj"].paginator.count == everything
    export = client.get(reverse(f"clusters:dashboard_{name}_csv", args=[area.slug]), {"status": "nonsense"})
    assert export.status_code == 200
    assert (
        len(list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")))))
        == everything + 1
    )


def test_a_cell_that_a_spreadsheet_would_run_is_made_harmless(cast, area, client_for):
    Objective.objects.filter(title="Green").update(title="=HYPERLINK(1)")
    rows = rows_of(client_for(cast.officer), reverse("clusters:dashboard_objectives_csv", args=[area.slug]))
    assert "'=HYPERLINK(1)" in [row[1] for row in rows]


# Who may see them


@pytest.mark.parametrize("name", [f"{n}{s}" for n in LISTS for s in ("", "_csv")])
def test_only_the_areas_officers_and_administrators_see_the_lists(cast, client_for, client, name):
    url = reverse(f"clusters:dashboard_{name}", args=[cast.north.slug])
    for person in ("officer", "admin"):
        assert client_for(getattr(cast, person)).get(url).status_code == 200
    for outsider in OUTSIDERS:
        assert client_for(getattr(cast, outsider)).get(url).status_code == 404, outsider
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
