import datetime

import pytest
from django.core import mail
from django.urls import reverse

from clusters import leadership
from clusters.access import ClusterPermissions
from clusters.leadership import LeadershipError, add_months
from clusters.models import Cluster, Position

TODAY = datetime.date.today()


def test_appointing_grants_and_ending_removes_the_positions_permissions(cast):
    assert ClusterPermissions(cast.chair, cast.cluster).has("decide_for_cluster")
    assert not ClusterPermissions(cast.secretary, cast.cluster).has("decide_for_cluster")
    assert ClusterPermissions(cast.secretary, cast.cluster).has("draft_for_cluster")
    leadership.appoint(
        acting_user=cast.chair,
        cluster=cast.cluster,
        kind="chair",
        user=cast.clerk_a,
        council=cast.council_a,
        starts_on=TODAY,
    )
    assert ClusterPermissions(cast.clerk_a, cast.cluster).has("decide_for_cluster")
    assert not ClusterPermissions(cast.chair, cast.cluster).has("decide_for_cluster")
    assert Position.objects.get(user=cast.chair).ended_on == TODAY


def test_a_term_ending_before_it_starts_is_refused(cast):
    with pytest.raises(LeadershipError, match="end after it starts"):
        leadership.appoint(
            acting_user=cast.chair,
            cluster=cast.cluster,
            kind="treasurer",
            user=cast.clerk_a,
            council=cast.council_a,
            starts_on=TODAY,
            ends_on=TODAY - datetime.timedelta(days=1),
        )
    assert not cast.cluster.positions.filter(kind="treasurer").exists()


def test_officers_come_from_member_councils(cast):
    with pytest.raises(LeadershipError, match="not a member"):
        leadership.appoint(
            acting_user=cast.chair,
            cluster=cast.cluster,
            kind="treasurer",
            user=cast.clerk_c,
            council=cast.council_c,
            starts_on=TODAY,
        )
    with pytest.raises(LeadershipError, match="holds no role"):
        leadership.appoint(
            acting_user=cast.chair,
            cluster=cast.cluster,
            kind="treasurer",
            user=cast.clerk_c,
            council=cast.council_a,
            starts_on=TODAY,
        )


def test_rota_schedule_and_the_daily_rotation(cast, django_capture_on_commit_callbacks):
    leadership.set_rota(
        acting_user=cast.chair,
        cluster=cast.cluster,
        councils=[cast.council_b, cast.council_a],
        term_months=12,
    )
    cast.cluster.refresh_from_db()
    assert cast.cluster.leadership_model == Cluster.LeadershipModel.ROTATING_CHAIR
    chair = cast.cluster.positions.get(kind="chair")
    schedule = leadership.rota_schedule(cast.cluster, chair, list(cast.cluster.rota.all()), turns=3)
    assert [t.council for t in schedule] == [cast.council_a, cast.council_b, cast.council_a]
    assert schedule[0].starts_on == chair.ends_on + datetime.timedelta(days=1)

    day_after = chair.ends_on + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert leadership.rotate_due_chairs(chair.ends_on) == 0
        assert leadership.rotate_due_chairs(day_after) == 1
        assert leadership.rotate_due_chairs(day_after) == 0
    new_chair = cast.cluster.positions.get(kind="chair", ended_on__isnull=True)
    assert (new_chair.council, new_chair.user) == (cast.council_a, cast.clerk_a)
    assert new_chair.ends_on == add_months(new_chair.starts_on, 12) - datetime.timedelta(days=1)
    # The new term starts on the day after the old one: that is the day it confers the chair.
    assert ClusterPermissions(cast.clerk_a, cast.cluster, today=day_after).has("decide_for_cluster")
    assert not ClusterPermissions(cast.clerk_a, cast.cluster, today=chair.ends_on).has("decide_for_cluster")
    assert not ClusterPermissions(cast.chair, cast.cluster, today=day_after).has("decide_for_cluster")
    assert any(m.to == [cast.clerk_a.email] and "chair of Eden Valley" in m.subject for m in mail.outbox)


def test_the_rota_lists_member_councils_once(cast):
    with pytest.raises(LeadershipError, match="member councils only"):
        leadership.set_rota(
            acting_user=cast.chair, cluster=cast.cluster, councils=[cast.council_c], term_months=12
        )
    with pytest.raises(LeadershipError, match="once"):
        leadership.set_rota(
            acting_user=cast.chair,
            cluster=cast.cluster,
            councils=[cast.council_a, cast.council_a],
            term_months=12,
        )


def url(name, *args):
    return reverse(f"clusters:{name}", args=args)


def test_the_chair_appoints_through_the_page(cast, client_for):
    client = client_for(cast.chair)
    holders = client.get(url("appoint", cast.cluster.slug)).context["form"].holders
    key = f"{cast.rfo_a.pk}:{cast.council_a.pk}"
    assert key in holders and not any(k.startswith(f"{cast.clerk_c.pk}:") for k in holders)
    response = client.post(
        url("appoint", cast.cluster.slug),
        {"kind": "treasurer", "holder": key, "starts_on": TODAY.isoformat(), "ends_on": ""},
    )
    assert response.status_code == 302
    assert cast.cluster.positions.get(kind="treasurer").user == cast.rfo_a


def test_bad_terms_are_explained(cast, client_for):
    response = client_for(cast.chair).post(
        url("appoint", cast.cluster.slug),
        {
            "kind": "treasurer",
            "holder": f"{cast.rfo_a.pk}:{cast.council_a.pk}",
            "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY - datetime.timedelta(days=3)).isoformat(),
        },
    )
    assert "The term must end after it starts" in response.content.decode()
    response = client_for(cast.chair).post(
        url("appoint", cast.cluster.slug), {"kind": "pope", "holder": "999:999"}
    )
    assert {"kind", "holder", "starts_on"} <= set(response.context["form"].errors)
    assert not cast.cluster.positions.filter(kind="treasurer").exists()


def test_the_rota_page(cast, client_for):
    client = client_for(cast.chair)
    target = url("rota", cast.cluster.slug)
    response = client.post(
        target, {"term_months": "12", f"order_{cast.council_a.pk}": "1", f"order_{cast.council_b.pk}": "1"}
    )
    assert "different place" in response.content.decode()
    response = client.post(
        target, {"term_months": "6", f"order_{cast.council_a.pk}": "2", f"order_{cast.council_b.pk}": "1"}
    )
    assert response.status_code == 302
    page = client.get(url("officers", cast.cluster.slug)).content.decode()
    assert "Coming turns" in page


def test_ending_a_position_asks_first(cast, client_for):
    secretary = cast.cluster.positions.get(kind="secretary")
    client = client_for(cast.chair)
    assert "Are you sure" in client.get(url("position_end", cast.cluster.slug, secretary.pk)).content.decode()
    client.post(url("position_end", cast.cluster.slug, secretary.pk))
    secretary.refresh_from_db()
    assert secretary.ended_on == TODAY
    assert (
        client_for(cast.secretary).post(url("position_end", cast.cluster.slug, secretary.pk)).status_code
        == 403
    )


def test_the_daily_task_hands_the_chair_over(cast, django_capture_on_commit_callbacks):
    from clusters.tasks import end_terms

    leadership.set_rota(
        acting_user=cast.chair,
        cluster=cast.cluster,
        councils=[cast.council_b, cast.council_a],
        term_months=12,
    )
    day_after = cast.cluster.positions.get(kind="chair").ends_on + datetime.timedelta(days=1)
    # The secretary's term ends the same day as the chair's: nobody takes it over, so it is vacated.
    assert end_terms.delay(day_after.isoformat()).get() == {"handed_on": 1, "vacated": 1}
    assert end_terms.delay(day_after.isoformat()).get() == {"handed_on": 0, "vacated": 0}
    assert cast.cluster.positions.get(kind="secretary").ended_on == day_after
    assert cast.cluster.positions.get(kind="chair", ended_on__isnull=True).user == cast.clerk_a
