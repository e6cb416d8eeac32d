"""The whole demo, built once for this module: its people and clusters, its chairs, and dates that
follow each other (nothing is dated before the record it depends on)."""

import datetime
import logging
import re
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from clusters.leadership import add_months
from clusters.models import (
    Adoption,
    Cluster,
    ClusterEvent,
    ClusterReport,
    Decision,
    DocumentVersion,
    GovernanceDocument,
    Objective,
    ObjectiveUpdate,
    Position,
    Vote,
)
from parishes.models import Area, Council, CouncilRole


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo's sign-in table; the database holds the demo until the module's tests are done."""
    output = StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--password", "demo-password-1", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


def counts():
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in {"accounts", "parishes", "clusters"}
    }


def sign_in_rows(output: str) -> dict[str, tuple[str, str]]:
    """email -> (role, council or area), from the table the command prints."""
    rows = {}
    for line in output.splitlines()[1:]:
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 3 and "@" in cells[0]:
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def test_the_demo_builds_every_role(demo, db):
    assert "Password of every demo person: demo-password-1" in demo
    rows = sign_in_rows(demo)
    assert rows["clerk@kirkby-stephen.example"] == ("Clerk", "Kirkby Stephen")
    assert rows["clerk@upper-eden.example"] == ("Clerk, cluster secretary", "16 councils of Upper Eden")
    assert rows["officer@cumbria.example"] == ("County officer", "Cumbria")
    assert rows["admin@oxfordshire.example"] == ("Area administrator", "Oxfordshire")
    assert set(Area.objects.values_list("name", flat=True)) == {"Cumbria", "Oxfordshire"}
    upper_eden = Council.objects.filter(area__slug="cumbria", gss_code__in=["E04002544", "E04002513"])
    assert {c.name for c in upper_eden} == {"Kirkby Stephen", "Asby"}
    assert Council.objects.filter(kind=Council.Kind.PARISH_MEETING).count() == 9
    assert set(CouncilRole.objects.values_list("kind", flat=True)) == set(CouncilRole.Kind.values)
    upper_eden = Cluster.objects.get(name="Upper Eden")
    assert upper_eden.leadership_model == Cluster.LeadershipModel.ROTATING_CHAIR
    assert upper_eden.rota.count() == 5
    assert upper_eden.memberships.filter(status="member").count() == 17
    assert set(Decision.objects.values_list("status", flat=True)) == set(Decision.Status.values)
    assert Decision.objects.filter(corrects__isnull=False).exists()
    assert ClusterReport.objects.count() == Cluster.objects.count() == 8  # rendered after commit


def test_every_cluster_has_a_chair_who_is_a_councillor_and_not_a_clerk(demo, db):
    clerks = set(CouncilRole.objects.filter(kind=CouncilRole.Kind.CLERK).values_list("user_id", flat=True))
    for cluster in Cluster.objects.all():
        chairs = list(cluster.positions.filter(kind=Position.Kind.CHAIR).select_related("user", "council"))
        assert len(chairs) == 1, cluster
        chair = chairs[0]
        assert CouncilRole.objects.filter(
            user=chair.user, council=chair.council, kind=CouncilRole.Kind.COUNCILLOR, ended_on__isnull=True
        ).exists(), cluster
        assert chair.user_id not in clerks, cluster
        assert cluster.memberships.filter(council=chair.council, status="member").exists(), cluster
        assert chair.chosen_at.startswith("The cluster's first meeting"), cluster
        # The first chair was chosen by a meeting the lead council's clerk recorded.
        assert chair.appointed_by.email == f"clerk@{slugify(cluster.lead_council.name)}.example"
        secretary = cluster.positions.get(kind=Position.Kind.SECRETARY)
        assert secretary.user_id in clerks and secretary.user_id != chair.user_id, cluster


def test_every_chair_holds_office_but_howgates_whose_term_ran_out(demo, db, client):
    current = Position.objects.current().filter(kind=Position.Kind.CHAIR)
    assert set(current.values_list("cluster__name", flat=True)) == set(
        Cluster.objects.exclude(name="Howgate").values_list("name", flat=True)
    )
    howgate = Cluster.objects.get(name="Howgate")
    ended = howgate.positions.get(kind=Position.Kind.CHAIR)
    assert ended.ends_on == timezone.localdate() - datetime.timedelta(days=10)
    assert ended.ended_on == ended.ends_on + datetime.timedelta(days=1)
    client.force_login(get_user_model().objects.get(email="clerk@howgate.example"))
    assert "This cluster has no chair" in client.get(reverse("clusters:overview", args=[howgate.slug])).text


def test_the_sign_in_table_names_a_chair_for_every_cluster(demo, db):
    rows = sign_in_rows(demo)
    for chair in Position.objects.filter(kind=Position.Kind.CHAIR).select_related(
        "cluster", "user", "council"
    ):
        role, place = rows[chair.user.email]
        former = "Former chair" if chair.cluster.name == "Howgate" else "Chair"
        assert role == f"{former} of the {chair.cluster.name} cluster"
        assert place == f"{chair.council.name} (councillor)"
    assert rows["chair@upper-eden.example"] == (
        "Chair of the Upper Eden cluster",
        "Kirkby Stephen (councillor)",
    )


def test_each_cluster_decides_and_aims_at_its_own_things(demo, db):
    decisions = {c.name: set(c.decisions.values_list("title", flat=True)) for c in Cluster.objects.all()}
    objectives = {c.name: set(c.objectives.values_list("title", flat=True)) for c in Cluster.objects.all()}
    for titles in (decisions, objectives):
        every = [title for cluster in titles.values() for title in cluster]
        assert len(every) == len(set(every)), "a decision or objective is repeated between clusters"
    assert all(len(titles) == 7 for titles in decisions.values())
    # Each cluster shows every state: decided both ways, ratified, waiting for votes and for the
    # chair, withdrawn, and a correction.
    for cluster in Cluster.objects.all():
        statuses = set(cluster.decisions.values_list("status", flat=True))
        assert statuses == set(Decision.Status.values), cluster
        assert cluster.decisions.filter(method="ratification", status="approved").exists(), cluster
        assert cluster.decisions.filter(method="chair", status="proposed", corrects__isnull=False).exists()
    upper_eden = Cluster.objects.get(name="Upper Eden")
    waiting = upper_eden.decisions.get(method="ratification", status="proposed")
    # One submission of the clerk of the 16 other councils can record all their votes.
    assert waiting.votes.count() == 1 and waiting.votes.get().council == upper_eden.lead_council


def test_no_demo_record_is_dated_before_the_record_it_depends_on(demo, db):
    today = timezone.localdate()
    now = timezone.now()
    problems = []

    def check(ok, message):
        if not ok:
            problems.append(message)

    def day(moment):
        return timezone.localdate(moment)

    roles = {(r.user_id, r.council_id): r.started_on for r in CouncilRole.objects.all()}
    formed = []
    for cluster in Cluster.objects.all():
        name = cluster.name
        formed.append(cluster.formed_on)
        check(cluster.formed_on < cluster.active_since <= today, f"{name}: formed, then active, by today")
        joined = {}
        for m in cluster.memberships.all():
            joined[m.council_id] = m.joined_on
            check(day(m.invited_at) >= cluster.formed_on, f"{name}: {m.council} invited before it formed")
            check(m.joined_on >= day(m.invited_at), f"{name}: {m.council} joined before it was invited")
            check(m.joined_on <= cluster.active_since, f"{name}: {m.council} joined after it became active")
            if m.council_id != cluster.lead_council_id:
                check(
                    m.join_resolution_on == m.joined_on, f"{name}: {m.council} joined without its resolution"
                )

        for p in cluster.positions.all():
            check(p.starts_on >= cluster.active_since, f"{name}: {p} starts before the cluster was active")
            check(p.starts_on >= joined[p.council_id], f"{name}: {p} starts before its council joined")
            check(p.starts_on >= roles[(p.user_id, p.council_id)], f"{name}: {p} starts before the role")
            check(p.ended_on is None or p.starts_on < p.ended_on <= today, f"{name}: {p} ends in its life")
            check(p.ends_on < add_months(p.starts_on, 60), f"{name}: {p} is longer than five years")

        for document in GovernanceDocument.objects.filter(cluster=cluster):
            check(day(document.created_at) >= cluster.active_since, f"{name}: {document} before the cluster")
            check(
                document.review_on > day(document.created_at), f"{name}: {document} reviewed before written"
            )
            versions = list(document.versions.order_by("number"))
            for earlier, later in zip(versions, versions[1:], strict=False):
                check(earlier.created_at < later.created_at, f"{name}: {later} is older than {earlier}")
            for version, successor in zip(versions, versions[1:] + [None], strict=True):
                check(version.created_at >= document.created_at, f"{name}: {version} before its document")
                for adoption in version.adoptions.all():
                    what = f"{name}: {adoption}"
                    check(adoption.resolved_on >= day(version.created_at), f"{what} before the version")
                    check(adoption.resolved_on >= joined[adoption.council_id], f"{what} before it joined")
                    check(
                        day(adoption.recorded_at) >= adoption.resolved_on, f"{what} recorded before resolved"
                    )
                    if successor is not None:
                        check(adoption.recorded_at < successor.created_at, f"{what} after it was superseded")

        decisions = list(cluster.decisions.order_by("number"))
        for earlier, later in zip(decisions, decisions[1:], strict=False):
            check(earlier.proposed_at < later.proposed_at, f"{name}: decision {later} numbered out of order")
        for d in decisions:
            what = f"{name}: decision {d}"
            check(today - datetime.timedelta(days=366) <= day(d.proposed_at), f"{what} over a year ago")
            check(day(d.proposed_at) >= cluster.active_since, f"{what} before the cluster was active")
            check(day(d.proposed_at) >= joined[d.proposing_council_id], f"{what} before its council joined")
            check(d.decided_at is None or d.proposed_at < d.decided_at <= now, f"{what} decided out of order")
            check(d.withdrawn_at is None or d.proposed_at < d.withdrawn_at <= now, f"{what} withdrawn early")
            if d.corrects_id:
                check(d.proposed_at > d.corrects.decided_at, f"{what} corrects a decision not yet decided")
            for v in d.votes.all():
                check(v.resolved_on >= day(d.proposed_at), f"{what}: {v.council} voted before the proposal")
                check(
                    d.proposed_at < v.recorded_at <= now, f"{what}: {v.council}'s vote recorded out of order"
                )
                check(day(v.recorded_at) >= v.resolved_on, f"{what}: {v.council}'s vote recorded before it")
                if d.decided_at and d.method == "ratification":
                    check(v.recorded_at <= d.decided_at, f"{what}: settled before {v.council} voted")

        for o in Objective.objects.filter(cluster=cluster):
            what = f"{name}: objective {o}"
            check(cluster.active_since <= day(o.created_at) < o.due_on, f"{what} created after it fell due")
            updates = list(ObjectiveUpdate.objects.filter(objective=o).order_by("created_at"))
            check(bool(updates), f"{what} has no progress report")
            for update in updates:
                check(o.created_at < update.created_at <= now, f"{what}: a report before the objective")
            if updates:
                last = day(updates[-1].created_at)
                check(o.next_review_on == add_months(last, o.review_every_months), f"{what}: next review")

        events = list(ClusterEvent.objects.filter(cluster=cluster).order_by("created_at", "pk"))
        check(events[0].action == "cluster.started", f"{name}: its history starts before it was started")
        for event in events:
            check(cluster.formed_on <= day(event.created_at), f"{name}: {event} before the cluster formed")
            check(event.created_at <= now, f"{name}: {event} is in the future")

    # Everyone held their council role before any cluster formed.
    check(max(roles.values()) < min(formed), "a council role starts after a cluster formed")
    for model, field in (
        (DocumentVersion, "created_at"),
        (Adoption, "recorded_at"),
        (Vote, "recorded_at"),
        (Decision, "proposed_at"),
    ):
        check(
            not model.objects.filter(**{f"{field}__gt": now}).exists(), f"a {model.__name__} is in the future"
        )
    assert not problems, "\n".join(problems)


def test_rendering_pdfs_logs_no_font_subsetting():
    assert logging.getLogger("fontTools.subset").getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("weasyprint.progress").getEffectiveLevel() >= logging.WARNING


def test_running_it_twice_changes_nothing(demo, db):
    first = counts()
    latest = ClusterEvent.objects.latest("pk").pk
    trace = logging.getLogger("celery.app.trace").level
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first
    assert ClusterEvent.objects.latest("pk").pk == latest
    # The command silences emails and in-process task logs while it runs only: the tests that
    # follow still see their emails.
    assert django_settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"
    assert logging.getLogger("celery.app.trace").level == trace
