"""The clusters of manage.py load_national, on the first few hundred parishes: the proportions the
help documents, and everything the services would have checked (officers of member councils within
their terms, votes of member councils settling outcomes as clusters.decisions counts them, the
officers' permissions as sync_cluster_permissions gives them), in data that is the same every time."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clusters import national
from clusters.access import ClusterPermissions, visible_clusters
from clusters.decisions import member_council_ids, settle, tally_of
from clusters.leadership import MAX_TERM_MONTHS, add_months, check_term, sync_cluster_permissions
from clusters.models import (
    Adoption,
    Cluster,
    ClusterEvent,
    ClusterUserObjectPermission,
    Decision,
    GovernanceDocument,
    Membership,
    Objective,
    ObjectiveUpdate,
    Position,
    RotaEntry,
    Vote,
)
from parishes.management.commands import load_national
from parishes.models import Council
from parishes.national import NationalLoad

LIMIT = 600

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The module's tests read one load, rolled back when they are done."""
    output = StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            call_command("load_national", "--limit", str(LIMIT), stdout=output)
        yield output.getvalue(), len(queries)
        transaction.set_rollback(True)


def live_clusters():
    return Cluster.objects.exclude(status=Cluster.Status.DISSOLVED)


def test_the_help_documents_the_proportions():
    text = load_national.Command().create_parser("manage.py", "load_national").format_help()
    assert "Clusters (added by clusters.national" in text
    assert "about 50,000" in text and "about 15,000" in text


def test_about_sixty_per_cent_of_councils_are_in_a_cluster_of_their_district(loaded):
    in_a_live_cluster = (
        Membership.objects.filter(status=Membership.Status.MEMBER, cluster__in=live_clusters())
        .values("council")
        .distinct()
        .count()
    )
    assert 0.5 <= in_a_live_cluster / Council.objects.count() <= 0.7
    for cluster in Cluster.objects.select_related("lead_council"):
        memberships = list(cluster.memberships.select_related("council"))
        members = [m for m in memberships if m.status == Membership.Status.MEMBER]
        if cluster.status != Cluster.Status.FORMING:
            assert 3 <= len(members) <= 17, cluster
        assert cluster.lead_council_id in {m.council_id for m in members}
        assert {m.council.district_id for m in memberships} == {cluster.lead_council.district_id}
        assert {m.council.area_id for m in memberships} == {cluster.area_id}
    # A council is in one live cluster at most.
    assert not (
        Membership.objects.filter(status=Membership.Status.MEMBER, cluster__in=live_clusters())
        .values("council")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )


def test_the_mix_of_clusters_members_and_records(loaded):
    def kinds(model, field, **filters):
        return set(model.objects.filter(**filters).values_list(field, flat=True))

    assert kinds(Cluster, "status") == set(Cluster.Status.values)
    assert kinds(Cluster, "leadership_model") == set(Cluster.LeadershipModel.values)
    assert kinds(Cluster, "financial_model") == set(Cluster.FinancialModel.values)
    assert kinds(Membership, "status") >= {"member", "invited", "declined", "left"}
    assert kinds(Decision, "status") == set(Decision.Status.values)
    assert kinds(Objective, "status") == set(Objective.Status.values)
    assert kinds(Position, "kind") == set(Position.Kind.values)
    assert (
        Cluster.objects.filter(status="active").count() > 4 * Cluster.objects.filter(status="forming").count()
    )
    assert Decision.objects.filter(corrects__isnull=False).exists()
    today = timezone.localdate()
    assert Objective.objects.filter(next_review_on__lt=today).exclude(status="done").exists()
    assert GovernanceDocument.objects.filter(review_on__lt=today, cluster__status="active").exists()
    assert Adoption.objects.exists() and ObjectiveUpdate.objects.exists()
    # Every member council of a rotating cluster has its turn in the rota.
    for cluster in Cluster.objects.filter(leadership_model=Cluster.LeadershipModel.ROTATING_CHAIR):
        assert set(cluster.rota.values_list("council_id", flat=True)) == member_council_ids(cluster)
    # Dates over the last three years, none in the future.
    first = Decision.objects.order_by("proposed_at").first().proposed_at
    assert timezone.now() - first > datetime.timedelta(days=365)
    assert not Decision.objects.filter(proposed_at__gt=timezone.now()).exists()
    assert not Vote.objects.filter(resolved_on__gt=today).exists()


def test_positions_are_held_within_the_rules_by_people_who_see_their_cluster(loaded):
    open_positions = Position.objects.filter(ended_on__isnull=True)
    current = Position.objects.current()
    assert current.count() == open_positions.count() > 0
    assert not open_positions.filter(cluster__status=Cluster.Status.DISSOLVED).exists()
    for position in Position.objects.all():
        assert position.ends_on < add_months(position.starts_on, MAX_TERM_MONTHS)
        assert position.starts_on <= timezone.localdate()
    for position in current.select_related("cluster", "user"):
        check_term(position.starts_on, position.ends_on)
        assert position.cluster in visible_clusters(position.user)
        permissions = ClusterPermissions(position.user, position.cluster)
        assert permissions.has("view_cluster") and permissions.has("draft_for_cluster")
    # Every chair-led cluster but the few left without one has a chair today.
    led = live_clusters().filter(positions__in=current.filter(kind__in=["chair", "coordinator"])).distinct()
    assert led.count() >= 0.8 * live_clusters().count()


def test_the_officers_permissions_are_what_the_one_at_a_time_sync_gives(loaded):
    holders = list(
        Position.objects.current().values_list("user", "cluster").distinct().order_by("user", "cluster")
    )
    # Some people hold two positions in one cluster (a rotating chair's clerk is also its secretary).
    assert len(holders) < Position.objects.current().count()

    def held():
        return set(
            ClusterUserObjectPermission.objects.values_list("user", "content_object", "permission__codename")
        )

    bulk = held()
    assert {(user, cluster) for user, cluster, _ in bulk} == set(holders)
    ClusterUserObjectPermission.objects.all().delete()
    clusters = Cluster.objects.in_bulk({cluster for _, cluster in holders})
    users = {p.user_id: p.user for p in Position.objects.current().select_related("user")}
    for user, cluster in holders:
        sync_cluster_permissions(users[user], clusters[cluster])
    assert held() == bulk


def test_only_member_councils_vote_and_the_votes_settle_the_outcome(loaded):
    member = Membership.objects.filter(
        cluster=OuterRef("decision__cluster"), council=OuterRef("council"), status=Membership.Status.MEMBER
    )
    assert Vote.objects.count() > Decision.objects.count()
    assert not Vote.objects.exclude(Exists(member)).exists()
    assert not Vote.objects.filter(decision__method=Decision.Method.CHAIR).exists()
    members = {}
    ratifications = Decision.objects.filter(method=Decision.Method.RATIFICATION).order_by("pk")
    for decision in ratifications.select_related("cluster")[:300]:
        if decision.cluster_id not in members:
            members[decision.cluster_id] = member_council_ids(decision.cluster)
        outcome = settle(decision.threshold, tally_of(decision, members[decision.cluster_id]))
        if decision.status == Decision.Status.WITHDRAWN:
            continue
        assert outcome == (decision.status if decision.is_decided else None), decision
        assert all(v.resolved_on >= decision.proposed_at.date() for v in decision.votes.all())
    # Decided by the chair: by whoever held the chair that day.
    for decision in Decision.objects.filter(method=Decision.Method.CHAIR, decided_by__isnull=False)[:200]:
        day = timezone.localdate(decision.decided_at)
        assert Position.objects.filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=day),
            cluster=decision.cluster_id,
            kind=Position.Kind.CHAIR,
            user=decision.decided_by_id,
            starts_on__lte=day,
        ).exists()
    assert not Decision.objects.filter(
        cluster__status=Cluster.Status.DISSOLVED, status=Decision.Status.PROPOSED
    ).exists()


def test_decisions_and_objectives_scale_as_documented(loaded):
    today = timezone.localdate()
    member_years, members_past_forming = 0.0, 0
    for cluster in Cluster.objects.exclude(status=Cluster.Status.FORMING):
        count = len(member_council_ids(cluster))
        # Decisions run from a week after the first meeting, itself a week after becoming active.
        start = cluster.active_since + datetime.timedelta(days=14)
        member_years += count * ((cluster.dissolved_on or today) - start).days / 365
        members_past_forming += count
    decisions = Decision.objects.exclude(cluster__status=Cluster.Status.FORMING).count()
    assert 0.85 <= decisions / (national.DECISIONS_A_MEMBER_YEAR * member_years) <= 1.15
    objectives = Objective.objects.count()
    assert 0.8 <= objectives / (national.OBJECTIVES_A_MEMBER * members_past_forming) <= 1.1
    # An audit record for every proposal, vote and progress report at least.
    for action, model in (
        ("decision.proposed", Decision),
        ("decision.voted", Vote),
        ("objective.progress", ObjectiveUpdate),
        ("document.adopted", Adoption),
    ):
        assert ClusterEvent.objects.filter(action=action).count() == model.objects.count()


def test_the_load_writes_in_bulk(loaded):
    output, queries = loaded
    written = {}
    for line in output.splitlines():
        label, _, count = line.partition(": ")
        if count.replace(",", "").isdigit():
            written[label] = int(count.replace(",", ""))
    assert written["clusters"] == Cluster.objects.count()
    assert written["cluster events"] == ClusterEvent.objects.count()
    # Hundreds of rows a statement (fewer on SQLite, whose statements take fewer parameters), not one.
    assert queries * 50 < sum(written.values())


def snapshot():
    """The load in natural keys, so that two loads compare whatever their row ids."""
    return (
        sorted(
            Cluster.objects.values_list(
                "slug", "status", "formality", "leadership_model", "formed_on", "lead_council__gss_code"
            )
        ),
        sorted(Membership.objects.values_list("cluster__slug", "council__gss_code", "status", "joined_on")),
        sorted(Position.objects.values_list("cluster__slug", "kind", "user__email", "starts_on", "ended_on")),
        sorted(
            Decision.objects.values_list("cluster__slug", "number", "status", "method", "corrects__number")
        ),
        sorted(
            Vote.objects.values_list(
                "decision__cluster__slug", "decision__number", "council__gss_code", "choice"
            )
        ),
        sorted(
            Objective.objects.values_list("cluster__slug", "title", "status", "progress", "next_review_on")
        ),
        RotaEntry.objects.count(),
        # The clusters' own history: the later steps (services) add their records to it too.
        ClusterEvent.objects.exclude(action__regex=r"^(arrangement|delivery)\.").count(),
    )


def test_the_same_councils_give_the_same_clusters(loaded):
    first = snapshot()
    with transaction.atomic():
        # What points at another row of the load under a protected key goes first.
        Adoption.objects.all().delete()
        Decision.objects.filter(corrects__isnull=False).delete()
        Cluster.objects.all().delete()
        national.load_clusters(NationalLoad(password_hash="!"))
        assert snapshot() == first
        transaction.set_rollback(True)
