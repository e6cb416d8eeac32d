"""Two reads that must not grow with the rest of the country's data (issue 8 part 6): the register's
"corrected" mark reads the corrections of the shown page's decisions only, and the home page's
reviews are looked for among the person's own objectives, not among every objective due."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clusters.models import Decision, Objective

TODAY = timezone.localdate()
HOME = reverse("parishes:home")
DAY = datetime.timedelta(days=1)


def decisions(cluster, count, *, first=1, correcting=False):
    """`count` decided decisions; with `correcting`, each corrects the one before it."""
    made = []
    for number in range(first, first + count):
        made.append(
            Decision.objects.create(
                cluster=cluster,
                number=number,
                title=f"Decision {number}",
                text="…",
                method="chair",
                threshold="all",
                status="approved",
                decided_at=timezone.now(),
                corrects=made[-1] if correcting and made else None,
            )
        )
    return made


def register(client, cluster) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("clusters:decisions", args=[cluster.slug]))
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in captured]


def test_the_register_marks_corrections_from_the_page_alone(cast, client_for):
    client = client_for(cast.clerk_a)
    shown = decisions(cast.cluster, 3)
    Decision.objects.create(
        cluster=cast.cluster,
        number=4,
        title="Correction",
        text="…",
        method="chair",
        threshold="all",
        corrects=shown[1],
    )
    register(client, cast.cluster)  # the first request of a session records it: not the page's work
    html, before = register(client, cast.cluster)
    assert html.count("Corrected by a later decision") == 1

    # Hundreds of corrections elsewhere in the country change nothing the page reads or shows.
    decisions(cast.other_cluster, 300, correcting=True)
    decisions(cast.south_cluster, 300, correcting=True)
    html, after = register(client, cast.cluster)

    assert html.count("Corrected by a later decision") == 1
    assert len(after) == len(before)
    # One query asks which decisions are corrected, naming the page's four, and none asks it of
    # every decision (an EXISTS in the page's query, which PostgreSQL answers by reading them all).
    asked = [found for sql in after for found in re.findall(r'"corrects_id" IN \(([^)]*)\)', sql)]
    page_ids = {str(d.pk) for d in Decision.objects.filter(cluster=cast.cluster)}
    assert [{i.strip() for i in ids.split(",")} for ids in asked] == [page_ids]
    assert not any("EXISTS" in sql and '"corrects_id"' in sql for sql in after)


def reviews_shown(client) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in captured]


def test_the_home_pages_reviews_are_the_persons_own_however_many_are_due_elsewhere(cast, client_for):
    # The chair holds a position in Eden Valley and acts for nothing; clerk A acts for Ashby.
    mine = Objective.objects.create(
        cluster=cast.cluster,
        title="Cut the verges",
        owner_council=cast.council_a,
        measure="Verges cut",
        target="4",
        due_on=TODAY + 300 * DAY,
        next_review_on=TODAY - DAY,
    )
    chair, clerk = client_for(cast.chair), client_for(cast.clerk_a)
    reviews_shown(chair), reviews_shown(clerk)  # the first request of a session records it
    before = {"chair": reviews_shown(chair), "clerk": reviews_shown(clerk)}

    # Hundreds of objectives overdue in other clusters, of councils neither person acts for.
    Objective.objects.bulk_create(
        Objective(
            cluster=cluster,
            title=f"Elsewhere {n}",
            owner_council=cluster.lead_council,
            measure="…",
            target="…",
            due_on=TODAY,
            next_review_on=TODAY - n * DAY,
        )
        for cluster in (cast.other_cluster, cast.south_cluster)
        for n in range(200)
    )
    after = {"chair": reviews_shown(chair), "clerk": reviews_shown(clerk)}

    for person in ("chair", "clerk"):
        html, queries = after[person]
        assert "Objectives due for review (1)" in html, person
        assert mine.title in html and "Elsewhere" not in html
        assert len(queries) == len(before[person][1]), person
        # The rules of a review due are applied to the person's own objectives, named by id: not to
        # every objective due in the country, to be narrowed to theirs afterwards.
        due = [sql for sql in queries if '"clusters_objective"."next_review_on" <=' in sql]
        assert due and all(f'"clusters_objective"."id" IN ({mine.pk})' in sql for sql in due), due
