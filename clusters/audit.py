from .models import Cluster, ClusterEvent


def record(
    *,
    actor,
    cluster: Cluster,
    action: str,
    summary: str,
    before: dict | None = None,
    after: dict | None = None,
) -> ClusterEvent:
    """Write one entry of the cluster's audit trail; called by services inside their transaction."""
    return ClusterEvent.objects.create(
        cluster=cluster,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        summary=summary[:300],
        before=before,
        after=after,
    )
