"""Changing a cluster's details: a name the area already uses, a lead that is not a member, and a
slug that says nothing about other areas."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from clusters import membership
from clusters.membership import ClusterNameTaken, MembershipError
from clusters.models import Cluster, ClusterEvent


def details(cast, **fields):
    return {
        "name": "Eden Valley",
        "purpose": "Verges and signs",
        "formality": "informal",
        "lead_council": cast.council_a.pk,
        "financial_model": "grants",
        "ratification_threshold": "all",
        **fields,
    }


def names(area):
    return sorted(Cluster.objects.filter(area=area).values_list("name", flat=True))


# The service


@pytest.mark.parametrize("name", ["Fellside", "fellside", "  FELLSIDE "])
def test_renaming_to_a_name_the_area_uses_is_refused_whatever_its_case(cast, name):
    before = names(cast.north)
    with pytest.raises(ClusterNameTaken, match="North already has a cluster called"):
        membership.update_cluster(acting_user=cast.chair, cluster=cast.cluster, changes={"name": name})
    assert names(cast.north) == before
    assert not ClusterEvent.objects.filter(action="cluster.updated").exists()


def test_a_name_used_in_another_area_is_free(cast):
    membership.update_cluster(acting_user=cast.chair, cluster=cast.cluster, changes={"name": "Dunmow Group"})
    cast.cluster.refresh_from_db()
    assert cast.cluster.name == "Dunmow Group"


def test_a_cluster_keeps_its_own_name_in_another_case(cast):
    membership.update_cluster(acting_user=cast.chair, cluster=cast.cluster, changes={"name": "EDEN VALLEY"})
    cast.cluster.refresh_from_db()
    assert cast.cluster.name == "EDEN VALLEY"


def test_an_empty_name_is_refused(cast):
    with pytest.raises(MembershipError, match="Enter the cluster's name"):
        membership.update_cluster(acting_user=cast.chair, cluster=cast.cluster, changes={"name": "  "})


def test_a_rename_that_loses_a_race_is_refused_not_a_500(cast, monkeypatch):
    # Another rename to the same name committed between the check and the save.
    monkeypatch.setattr(membership, "_refuse_taken_name", lambda *args, **kwargs: None)

    def collide(self, *args, **kwargs):
        raise IntegrityError("cluster_name_unique_in_area")

    monkeypatch.setattr(Cluster, "save", collide)
    with pytest.raises(ClusterNameTaken):
        membership.update_cluster(acting_user=cast.chair, cluster=cast.cluster, changes={"name": "Fellside"})
    assert cast.cluster.name == "Eden Valley"
    assert not ClusterEvent.objects.filter(action="cluster.updated").exists()


@pytest.mark.parametrize("council", ["council_c", "council_d"])
def test_the_lead_must_be_a_current_member_in_the_service_too(cast, council):
    with pytest.raises(MembershipError, match="must be a member"):
        membership.update_cluster(
            acting_user=cast.chair, cluster=cast.cluster, changes={"lead_council": getattr(cast, council)}
        )
    cast.cluster.refresh_from_db()
    assert cast.cluster.lead_council == cast.council_a


def test_a_council_that_left_cannot_become_the_lead(cast):
    member = cast.cluster.memberships.get(council=cast.council_b)
    membership.leave_cluster(
        acting_user=cast.clerk_b, membership=member, minute_ref="1/26", resolved_on=member.joined_on
    )
    with pytest.raises(MembershipError, match="must be a member"):
        membership.update_cluster(
            acting_user=cast.chair, cluster=cast.cluster, changes={"lead_council": cast.council_b}
        )
    cast.cluster.refresh_from_db()
    assert cast.cluster.lead_council == cast.council_a


def test_a_member_council_becomes_the_lead(cast):
    membership.update_cluster(
        acting_user=cast.chair, cluster=cast.cluster, changes={"lead_council": cast.council_b}
    )
    cast.cluster.refresh_from_db()
    assert cast.cluster.lead_council == cast.council_b


# The page


@pytest.mark.parametrize("name", ["Fellside", "FELLSIDE"])
def test_the_form_says_the_name_is_taken_next_to_the_name(cast, client_for, name):
    response = client_for(cast.chair).post(
        reverse("clusters:edit", args=[cast.cluster.slug]), details(cast, name=name)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        f"North already has a cluster called {name}: choose another name"
    ]
    assert "There is a problem" in response.content.decode()
    assert names(cast.north) == ["Eden Valley", "Fellside"]


def test_starting_a_cluster_with_a_taken_name_says_so_next_to_the_name(cast, client_for):
    response = client_for(cast.clerk_b).post(
        reverse("clusters:start"), details(cast, name="eden valley", lead_council=cast.council_b.pk)
    )
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert names(cast.north) == ["Eden Valley", "Fellside"]


# Slugs


def test_a_slug_does_not_show_that_another_area_uses_the_name(cast):
    # South already has "Dunmow Group"; North's new cluster of that name gets a slug of its own area
    # that is the same whether or not South had one.
    cluster = membership.start_cluster(
        acting_user=cast.clerk_b,
        area=cast.north,
        lead_council=cast.council_b,
        name="Dunmow Group",
        purpose="x",
    )
    assert cluster.slug == "north-dunmow-group"
    assert cast.south_cluster.slug == "south-dunmow-group"


def test_two_names_of_one_area_with_the_same_slug_get_distinct_slugs(cast):
    first = membership.start_cluster(
        acting_user=cast.clerk_b,
        area=cast.north,
        lead_council=cast.council_b,
        name="Becks & Fells",
        purpose="x",
    )
    second = membership.start_cluster(
        acting_user=cast.clerk_b,
        area=cast.north,
        lead_council=cast.council_b,
        name="Becks Fells",
        purpose="x",
    )
    assert first.slug == "north-becks-fells"
    assert second.slug.startswith("north-becks-fells-") and second.slug != first.slug


def test_a_start_that_loses_a_race_is_refused_not_a_500(cast, monkeypatch):
    # Another start of the same name committed between the check and the insert.
    monkeypatch.setattr(membership, "_refuse_taken_name", lambda *args, **kwargs: None)
    with pytest.raises(ClusterNameTaken):
        membership.start_cluster(
            acting_user=cast.clerk_b,
            area=cast.north,
            lead_council=cast.council_b,
            name="Eden Valley",
            purpose="x",
        )
    assert Cluster.objects.filter(area=cast.north, name="Eden Valley").count() == 1
