"""What each cluster position lets its holder do: the one table that position grants read."""

from .models import Position

POSITION_PERMISSIONS: dict[str, frozenset[str]] = {
    Position.Kind.CHAIR: frozenset(
        {
            "view_cluster",
            "change_cluster",
            "manage_cluster_members",
            "decide_for_cluster",
            "draft_for_cluster",
        }
    ),
    Position.Kind.COORDINATOR: frozenset(
        {"view_cluster", "change_cluster", "manage_cluster_members", "draft_for_cluster"}
    ),
    Position.Kind.VICE_CHAIR: frozenset({"view_cluster", "draft_for_cluster"}),
    Position.Kind.SECRETARY: frozenset({"view_cluster", "draft_for_cluster"}),
    Position.Kind.TREASURER: frozenset({"view_cluster", "draft_for_cluster"}),
}
