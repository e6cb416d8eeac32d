"""Dissolving a cluster closes its service arrangements in the same transaction (clusters'
dissolved_hooks, filled by services): running ones end on the day with the reason, their
volunteers' assignments with them; those not yet started are withdrawn; the confirmation page says
so first, and the cluster's record of the dissolution lists them."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clusters import membership
from clusters.models import ClusterEvent
from parishes.audit_display import rows
from services import arrangements as services
from services.models import Arrangement, Assignment, ServedCouncil, Volunteer

TODAY = timezone.localdate()
REASON = "The councils now share a clerk through the district"


@pytest.fixture
def open_arrangements(cast, arrangement, catalogue):
    """Arrangement 1 running (a volunteer assigned), 2 proposed, 3 agreed, 4 already ended."""
    volunteer = Volunteer.objects.create(council=cast.council_a, name="Sam")
    Assignment.objects.create(volunteer=volunteer, arrangement=arrangement)
    made = {1: arrangement}
    others = list(catalogue.exclude(pk=arrangement.service_id))
    for number, status in ((2, "proposed"), (3, "agreed"), (4, "ended")):
        made[number] = Arrangement.objects.create(
            cluster=cast.cluster,
            number=number,
            service=others[number],
            lead_council=cast.council_a,
            status=status,
            specification="Weekly",
            season_starts=1,
            season_ends=12,
            starts_on=TODAY + datetime.timedelta(days=30),
            review_on=TODAY + datetime.timedelta(days=365),
            charging="fixed",
            proposed_by=cast.clerk_a,
            ended_on=TODAY - datetime.timedelta(days=3) if status == "ended" else None,
            end_reason="Merged" if status == "ended" else "",
        )
        ServedCouncil.objects.create(
            arrangement=made[number], council=cast.council_b, agreed_quantity=Decimal("1")
        )
    return made


def dissolve(cast):
    membership.move_status(
        acting_user=cast.chair,
        cluster=cast.cluster,
        to="dissolved",
        reason=REASON,
        minute_ref="Decision 14",
        resolved_on=TODAY,
    )


def test_services_fills_the_clusters_dissolving_registries():
    assert services.close_for_dissolution in membership.dissolved_hooks
    assert services.dissolving_closes in membership.dissolve_consequences


def test_dissolving_ends_the_running_withdraws_the_rest_and_records_them(
    cast, open_arrangements, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dissolve(cast)
    statuses = dict(Arrangement.objects.values_list("number", "status"))
    assert statuses == {1: "ended", 2: "withdrawn", 3: "withdrawn", 4: "ended"}
    running = Arrangement.objects.get(number=1)
    assert (running.ended_on, running.end_reason) == (TODAY, f"The cluster was dissolved: {REASON}")
    assert Assignment.objects.get().ended_on == TODAY
    proposal = Arrangement.objects.get(number=2)
    assert (
        proposal.end_reason.startswith("Withdrawn: the cluster was dissolved") and proposal.ended_on == TODAY
    )
    already = Arrangement.objects.get(number=4)
    assert (already.ended_on, already.end_reason) == (TODAY - datetime.timedelta(days=3), "Merged")

    event = ClusterEvent.objects.filter(action="cluster.status").latest("id")
    names = {n: a.service.name for n, a in open_arrangements.items()}
    assert event.after["arrangements_ended"] == [f"1. {names[1]}"]
    assert event.after["arrangements_withdrawn"] == [f"2. {names[2]}", f"3. {names[3]}"]
    assert ("Service arrangements ended", f"1. {names[1]}") in rows(event.after)
    told = next(m for m in mail.outbox if m.to == [cast.clerk_b.email]).body
    assert f"Service arrangements ended: 1. {names[1]}" in told
    assert f"Service arrangements withdrawn: 2. {names[2]}; 3. {names[3]}" in told
    assert set(
        ClusterEvent.objects.filter(action__startswith="arrangement.").values_list("action", "actor")
    ) == {
        ("arrangement.ended", cast.chair.pk),
        ("arrangement.withdrawn", cast.chair.pk),
    }


def test_a_refusing_hook_rolls_the_whole_dissolution_back(cast, open_arrangements, monkeypatch):
    def refuse(**kwargs):
        raise RuntimeError("refused")

    monkeypatch.setattr(membership, "dissolved_hooks", [*membership.dissolved_hooks, refuse])
    with pytest.raises(RuntimeError):
        dissolve(cast)
    cast.cluster.refresh_from_db()
    assert cast.cluster.status == "active"
    assert dict(Arrangement.objects.values_list("number", "status"))[1] == "active"
    assert Assignment.objects.get().ended_on is None


def test_the_confirmation_page_says_what_will_end_and_be_withdrawn(cast, client_for, open_arrangements):
    page = client_for(cast.chair).get(reverse("clusters:status", args=[cast.cluster.slug])).content.decode()
    names = {n: a.service.name for n, a in open_arrangements.items()}
    ending = "1 service arrangement will end today, and their volunteers&#x27; assignments with them"
    assert f"{ending}: 1. {names[1]}." in page
    assert f"2 service arrangements not yet started will be withdrawn: 2. {names[2]}; 3. {names[3]}." in page
    assert names[4] not in page


def test_a_cluster_without_arrangements_says_nothing_of_them(cast, client_for):
    page = client_for(cast.chair).get(reverse("clusters:status", args=[cast.cluster.slug])).content.decode()
    assert "service arrangement" not in page
    dissolve(cast)
    event = ClusterEvent.objects.filter(action="cluster.status").latest("id")
    assert "arrangements_ended" not in event.after and "arrangements_withdrawn" not in event.after
