"""Reads of services that deserve a name: each owns its select_related and prefetches, so that a
page reads the same number of queries however many arrangements and records there are."""

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from clusters.models import Cluster

from .models import Arrangement, Assignment, ServedCouncil


def _served(select=("council",)):
    served = ServedCouncil.objects.select_related(*select).order_by("council__name", "council_id")
    return Prefetch("served", queryset=served)


def cluster_arrangements(cluster: Cluster, *, status: str = "") -> QuerySet[Arrangement]:
    """A cluster's arrangements, newest first, with their service, lead and served councils: who
    leads what for whom."""
    arrangements = cluster.arrangements.select_related("service", "lead_council").prefetch_related(_served())
    if status:
        arrangements = arrangements.filter(status=status)
    return arrangements.order_by("-number")


def arrangement_detail(arrangement: Arrangement) -> dict:
    """What an arrangement's page shows beside its own row: the served councils with their
    agreement, its sites, and its current volunteers (with their councils, for access to names)."""
    # Prefetched, so that the permissions read the served councils from here (ArrangementPermissions).
    prefetch_related_objects([arrangement], _served(select=("council", "recorded_by")))
    return {
        "served": list(arrangement.served.all()),
        "sites": list(arrangement.sites.select_related("council").order_by("council__name", "name")),
        "assignments": list(
            Assignment.objects.filter(arrangement=arrangement, ended_on__isnull=True)
            .select_related("volunteer")
            .order_by("volunteer__name")
        ),
    }
