"""History people can read: labels for the keys services store, choice labels for their values,
GOV.UK dates, who and when; newest first, paginated, filterable by kind of change (the filter kept
across pages); the same on the council's and the cluster's history; queries bounded."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clusters import audit as cluster_audit
from clusters import membership
from clusters.models import ClusterEvent
from parishes import audit as council_audit
from parishes.audit_display import rows
from parishes.models import AuditEvent

TODAY = timezone.localdate()


def govuk(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def cluster_history(cast, **query):
    return reverse("clusters:history", args=[cast.cluster.slug]) + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )


def council_history(cast, **query):
    return reverse("parishes:council_history", args=[cast.council_a.pk]) + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )


# The rows


def test_keys_read_as_labels_and_values_as_people_say_them():
    assert rows(
        {
            "minute_ref": "26/9",
            "resolved_on": "2026-03-03",
            "role": "rfo",
            "kind": "parish_meeting",
            "formality": "mou",
            "status": "dissolved",
            "financial_year": 2025,
            "year": 2024,
            "expires_at": "2026-03-03T14:05:00+00:00",
            "positions_ended": ["Chair: Pat", "Secretary: Sam"],
            "invitations_withdrawn": [],
            "corrects": "",
            "a_key_nobody_described": None,
        }
    ) == [
        ("Minute reference", "26/9"),
        ("Date of the resolution", "3 March 2026"),
        ("Role", "Responsible Financial Officer"),
        ("Kind", "Parish meeting"),
        ("Formality", "Memorandum of understanding"),
        ("Status", "Dissolved"),
        ("Financial year", "2025–26"),
        ("Financial year", "2024–25"),
        ("Invitation expires", "3 March 2026 at 2:05pm"),
        ("Positions ended", "Chair: Pat, Secretary: Sam"),
        ("Invitations withdrawn", "–"),
        ("Corrects decision", "–"),
        ("A key nobody described", "–"),
    ]


def test_values_already_stored_as_labels_and_odd_values_pass_through():
    assert rows({"status": "Approved", "method": "The chair, under delegated authority"}) == [
        ("Status", "Approved"),
        ("Decided by", "The chair, under delegated authority"),
    ]
    assert rows({"notes": "2026-13-45T99:99 is not a moment"}) == [
        ("Notes", "2026-13-45T99:99 is not a moment")
    ]
    assert rows(None) == [] and rows({}) == []
    # a row's id means nothing to a reader
    assert rows({"report": 12, "year": 2025}) == [("Financial year", "2025–26")]
    assert rows({"import": 3, "created": 4}) == [("Councils added", "4")]


# The pages


def test_the_council_history_shows_labels_dates_who_and_when(cast, client_for):
    page = client_for(cast.clerk_a).get(council_history(cast)).content.decode()
    assert "Responsible Financial Officer" in page  # the role "rfo", as its label
    assert "<strong>Started:</strong> " + govuk(TODAY) in page
    assert "started_on" not in page and ">rfo<" not in page
    assert re.search(rf"{govuk(TODAY)} at \d{{1,2}}:\d\d[ap]m", page)
    assert "Clusterwork" in page  # the cast's roles were granted by no one: the service itself


def test_the_cluster_history_shows_labels_and_choice_labels(cast, client_for):
    client = client_for(cast.chair)
    client.post(
        reverse("clusters:edit", args=[cast.cluster.slug]),
        {
            "name": "Eden Valley",
            "purpose": "Eden Valley works together",
            "formality": "constitution",
            "lead_council": cast.council_a.pk,
            "financial_model": "contributions",
            "ratification_threshold": "majority",
        },
    )
    page = client.get(cluster_history(cast)).content.decode()
    assert "<strong>Formality:</strong> Informal arrangement" in page
    assert "<strong>Formality:</strong> Constitution" in page
    assert "<strong>Decisions pass with the support of:</strong> A majority of member councils" in page
    assert "<strong>Minute reference:</strong> 12/26" in page  # Brampton's resolution to join
    assert "<strong>Date of the resolution:</strong> 1 April 2026" in page
    assert "minute_ref" not in page and "ratification_threshold" not in page
    assert "Chair" in page  # who changed it


def test_newest_first_and_paginated(cast, client_for):
    start = timezone.now() - datetime.timedelta(days=30)
    ClusterEvent.objects.bulk_create(
        ClusterEvent(
            cluster=cast.cluster,
            action="objective.progress",
            summary=f"Progress report {i:02d}",
            created_at=start + datetime.timedelta(hours=i),
        )
        for i in range(60)
    )
    client = client_for(cast.clerk_a)
    first = client.get(cluster_history(cast))
    summaries = [event.summary for event in first.context["page_obj"]]
    assert len(summaries) == 50
    newest = [
        e.summary for e in ClusterEvent.objects.filter(cluster=cast.cluster).order_by("-created_at")[:50]
    ]
    assert summaries == newest
    page = first.content.decode()
    assert 'class="govuk-pagination"' in page and "page=2" in page
    second = client.get(cluster_history(cast, page=2))
    assert second.context["page_obj"].number == 2
    assert "Progress report 00" in second.content.decode()


def test_the_filter_offers_the_kinds_present_and_shows_only_the_chosen_kind(cast, client_for):
    client = client_for(cast.clerk_a)
    response = client.get(cluster_history(cast))
    offered = [label for _, label in response.context["kind_form"].fields["kind"].choices]
    assert offered == ["All changes", "Cluster details", "Membership", "Officers"]
    assert "Decisions" not in offered  # the cast's cluster has none yet
    response = client.get(cluster_history(cast, kind="officers"))
    actions = {event.action for event in response.context["page_obj"]}
    assert actions == {"position.appointed"}
    page = response.content.decode()
    assert '<option value="officers" selected>Officers</option>' in page
    assert "2 changes to officers" in page
    assert f'href="{reverse("clusters:history", args=[cast.cluster.slug])}">Show every change</a>' in page


def test_the_filter_is_kept_across_pages(cast, client_for):
    ClusterEvent.objects.bulk_create(
        ClusterEvent(cluster=cast.cluster, action="document.adopted", summary=f"Adopted {i}")
        for i in range(55)
    )
    client = client_for(cast.clerk_a)
    page = client.get(cluster_history(cast, kind="documents")).content.decode()
    assert "kind=documents&amp;page=2" in page or "page=2&amp;kind=documents" in page
    second = client.get(cluster_history(cast, kind="documents", page=2))
    assert [e.action for e in second.context["page_obj"]] == ["document.adopted"] * 5


def test_an_unknown_kind_is_refused_next_to_the_filter_and_every_change_shown(cast, client_for):
    response = client_for(cast.clerk_a).get(council_history(cast, kind="nonsense"))
    assert response.status_code == 200
    assert response.context["kind_form"].errors["kind"] == ["Select a kind of change from the list"]
    page = response.content.decode()
    assert "There is a problem" in page and 'id="id_kind_error"' in page
    assert re.search(r"<title>\s*Error: History", page)
    assert len(response.context["page_obj"]) == AuditEvent.objects.filter(council=cast.council_a).count()


def test_the_council_history_filters_by_kind_too(cast, client_for):
    council_audit.record(
        actor=cast.clerk_a,
        action="council.updated",
        area=cast.north,
        council=cast.council_a,
        summary="Profile changed: kind",
        before={"kind": "parish_council"},
        after={"kind": "town_council"},
    )
    response = client_for(cast.clerk_a).get(council_history(cast, kind="council-profile"))
    assert [e.summary for e in response.context["page_obj"]] == ["Profile changed: kind"]
    page = response.content.decode()
    assert "<strong>Kind:</strong> Parish council" in page and "<strong>Kind:</strong> Town council" in page


def test_a_dissolved_clusters_history_still_reads(cast, client_for):
    membership.move_status(
        acting_user=cast.chair,
        cluster=cast.cluster,
        to="dissolved",
        reason="Merged with Fellside",
        minute_ref="Decision 3",
        resolved_on=TODAY,
    )
    page = client_for(cast.clerk_a).get(cluster_history(cast, kind="cluster-details")).content.decode()
    assert "<strong>Reason:</strong> Merged with Fellside" in page
    assert "<strong>Status:</strong> Active" in page and "<strong>Status:</strong> Dissolved" in page


# Who may see them


@pytest.mark.parametrize("person", ["clerk_c", "clerk_d", "south_officer", "south_admin"])
def test_outsiders_get_404(cast, client_for, person):
    client = client_for(getattr(cast, person))
    assert client.get(cluster_history(cast, kind="officers")).status_code == 404
    assert client.get(council_history(cast, kind="roles")).status_code == 404


@pytest.mark.parametrize("person", ["rfo_a", "councillor_a", "officer"])
def test_people_without_the_audit_permission_get_403(cast, client_for, person):
    assert client_for(getattr(cast, person)).get(council_history(cast, kind="roles")).status_code == 403


# Queries


def _grow(cast, size):
    for i in range(size):
        cluster_audit.record(
            actor=cast.chair,
            cluster=cast.cluster,
            action=f"kind{i % 7}.changed",
            summary=f"Change {i}",
            before={"minute_ref": f"{i}/26", "resolved_on": "2026-03-03"},
            after={"status": "active"},
        )
        council_audit.record(
            actor=cast.clerk_a,
            action=f"kind{i % 7}.changed",
            area=cast.north,
            council=cast.council_a,
            summary=f"Change {i}",
            after={"role": "clerk", "started_on": "2026-03-03"},
        )


@pytest.mark.parametrize("history", [cluster_history, council_history])
@pytest.mark.parametrize("query", [{}, {"kind": "kind3"}, {"page": "2"}])
def test_query_counts_do_not_grow_with_the_history(cast, client_for, history, query):
    client = client_for(cast.clerk_a)
    counts = []
    for size in (60, 400):
        _grow(cast, size)
        client.get(history(cast))  # the first request after sign-in also records the session
        with CaptureQueriesContext(connection) as captured:
            assert client.get(history(cast, **query)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 20


@pytest.mark.parametrize("minute_ref", ["2023-24-07", "2024-05-12"])
def test_a_minute_reference_shaped_like_a_date_reads_as_written(minute_ref):
    from parishes.audit_display import rows

    assert rows({"minute_ref": minute_ref, "resolved_on": "2026-03-03"}) == [
        ("Minute reference", minute_ref),
        ("Date of the resolution", "3 March 2026"),
    ]
