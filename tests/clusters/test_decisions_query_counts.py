"""The register, its CSV and a decision's page keep the same number of SQL queries however many
decisions, votes, attachments and member councils there are."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clusters.models import Decision, DecisionAttachment, Membership, Vote
from parishes.models import Council

MAX_QUERIES = 20


def grow(cast, *, members: int, decisions: int):
    """More member councils, and more ratification decisions with a vote of every new member, an
    attachment each and a correction of decision 1 each."""
    start = Council.objects.count()
    councils = Council.objects.bulk_create(
        Council(area=cast.north, name=f"Member {start + i}", gss_code=f"E04{800000 + start + i:06d}")
        for i in range(members)
    )
    Membership.objects.bulk_create(
        Membership(cluster=cast.cluster, council=c, status="member", joined_on=datetime.date(2026, 4, 1))
        for c in councils
    )
    first = cast.cluster.decisions.filter(number=1).first()
    last = cast.cluster.decisions.count()
    new = Decision.objects.bulk_create(
        Decision(
            cluster=cast.cluster,
            number=last + i + 1,
            title=f"Decision {last + i + 1}",
            text="…",
            method="ratification",
            threshold="all",
            proposing_council=cast.council_a,
            proposed_by=cast.clerk_a,
            corrects=first if first and first.is_decided else None,
        )
        for i in range(decisions)
    )
    every_member = Council.objects.filter(
        cluster_memberships__cluster=cast.cluster, cluster_memberships__status="member"
    ).exclude(pk=cast.council_a.pk)
    for decision in [*new, *([first] if first else [])]:
        Vote.objects.bulk_create(
            (
                Vote(
                    decision=decision,
                    council=c,
                    choice="for",
                    minute_ref="1",
                    resolved_on=timezone.localdate(),
                )
                for c in every_member
            ),
            ignore_conflicts=True,
        )
        DecisionAttachment.objects.create(
            decision=decision, file=ContentFile(b"%PDF-1.4", name="a.pdf"), file_name="a.pdf", file_type="pdf"
        )


def count(client, url, stream=False):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if stream:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["register", "csv", "decision", "decided"])
def test_decision_pages_do_not_grow_with_the_data(cast, client_for, page):
    client = client_for(cast.clerk_a)
    slug = cast.cluster.slug
    decided = Decision.objects.create(
        cluster=cast.cluster,
        number=1,
        title="The first",
        text="…",
        method="chair",
        threshold="all",
        status="approved",
        decided_at=timezone.now(),
        decided_by=cast.chair,
    )
    url = {
        "register": reverse("clusters:decisions", args=[slug]),
        "csv": reverse("clusters:decisions_csv", args=[slug]),
        "decision": reverse("clusters:decision", args=[slug, 2]),
        "decided": reverse("clusters:decision", args=[slug, decided.number]),
    }[page]
    client.get(url)  # warms the caches a first request fills (content types, the session)
    counts = []
    for members, decisions in ((1, 2), (12, 40)):
        grow(cast, members=members, decisions=decisions)
        counts.append(count(client, url, stream=page == "csv"))
    assert counts[0] == counts[1], counts
    assert counts[0] <= MAX_QUERIES
