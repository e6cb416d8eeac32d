"""The area dashboard and each of its lists and CSV exports read the same number of queries for an
area of 10 councils as for one of 750 (issue 8, Must show): built in bulk, a cluster of five councils
for most councils, with decisions and objectives in every state."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clusters.models import Cluster, Decision, GovernanceDocument, Membership, Objective, Position
from parishes import services
from parishes.models import Area, Council, CouncilRole, District
from tests.factories import UserFactory

TODAY = timezone.localdate()
PAGES = [
    "parishes:area_dashboard",
    *(
        f"clusters:dashboard_{name}{export}"
        for name in ("councils", "clusters", "decisions", "objectives")
        for export in ("", "_csv")
    ),
]


def build(size: int) -> tuple[Area, object]:
    area = Area.objects.create(name=f"Area of {size}", slug=f"area-{size}")
    districts = District.objects.bulk_create(
        District(gss_code=f"E07{size:03d}{n:03d}", name=f"District {size}-{n}") for n in range(3)
    )
    councils = Council.objects.bulk_create(
        Council(
            area=area,
            name=f"Council {n}",
            gss_code=f"E04{size:03d}{n:03d}",
            kind=Council.Kind.PARISH_MEETING if n % 7 == 0 else Council.Kind.PARISH_COUNCIL,
            district=districts[n % 3] if n % 11 else None,
        )
        for n in range(size)
    )
    # Every five councils a cluster, but the last fifth of the councils in none; every fourth forming.
    groups = [councils[i : i + 5] for i in range(0, size * 4 // 5, 5)]
    clusters = Cluster.objects.bulk_create(
        Cluster(
            area=area,
            name=f"Cluster {n}",
            slug=f"cluster-{size}-{n}",
            purpose="…",
            lead_council=group[0],
            status=Cluster.Status.FORMING if n % 4 == 3 else Cluster.Status.ACTIVE,
        )
        for n, group in enumerate(groups)
    )
    Membership.objects.bulk_create(
        Membership(cluster=cluster, council=council, status=Membership.Status.MEMBER)
        for cluster, group in zip(clusters, groups, strict=True)
        for council in group
    )
    Membership.objects.bulk_create(
        Membership(cluster=cluster, council=councils[-1 - n], status=Membership.Status.INVITED)
        for n, cluster in enumerate(clusters[::3])
    )
    chair = UserFactory()
    CouncilRole.objects.bulk_create(
        CouncilRole(council=group[0], user=chair, kind="councillor") for group in groups
    )
    Position.objects.bulk_create(
        Position(cluster=cluster, kind="chair", user=chair, council=group[0], starts_on=TODAY)
        for cluster, group in zip(clusters[::2], groups[::2], strict=True)
    )
    now = timezone.now()
    statuses = ["proposed", "approved", "rejected", "withdrawn"]
    Decision.objects.bulk_create(
        Decision(
            cluster=cluster,
            number=n + 1,
            title=f"Decision {n}",
            text="…",
            method="chair" if n % 2 else "ratification",
            threshold="all",
            status=statuses[n % 4],
            proposed_at=now - datetime.timedelta(days=50 * n),
        )
        for cluster in clusters
        for n in range(10)
    )
    Objective.objects.bulk_create(
        Objective(
            cluster=cluster,
            title=f"Objective {n}",
            owner_council=group[n % 5],
            measure="…",
            target="…",
            due_on=TODAY + datetime.timedelta(days=100),
            status=["red", "amber", "green", "done"][n % 4],
            next_review_on=TODAY + datetime.timedelta(days=n - 3),
        )
        for cluster, group in zip(clusters, groups, strict=True)
        for n in range(6)
    )
    GovernanceDocument.objects.bulk_create(
        GovernanceDocument(
            cluster=cluster, kind="mou", title="MoU", review_on=TODAY - datetime.timedelta(days=n % 3)
        )
        for n, cluster in enumerate(clusters)
    )
    officer = UserFactory()
    services.grant_area_role(acting_user=None, area=area, user=officer, kind="officer")
    return area, officer


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture(scope="module")
def areas(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield [build(10), build(750)]
        transaction.set_rollback(True)


@pytest.mark.parametrize("name", PAGES)
def test_the_dashboard_and_its_lists_read_as_many_queries_for_10_councils_as_for_750(areas, client, db, name):
    counts = []
    for area, officer in areas:
        assert area.councils.count() in (10, 750)
        client.force_login(officer)
        counts.append(queries_for(client, reverse(name, args=[area.slug])))
        # A filtered page reads no more than the whole list.
        if name != "parishes:area_dashboard":
            counts.append(queries_for(client, reverse(name, args=[area.slug]) + "?status=overdue&page=2"))
    assert counts[0] == counts[len(counts) // 2], counts
    assert max(counts) <= 30, counts
