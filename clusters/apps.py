from importlib import import_module

from django.apps import AppConfig


class ClustersConfig(AppConfig):
    name = "clusters"
    verbose_name = "Clusters"

    def ready(self):
        # The area dashboard's panels register as they are imported, in the order the page shows them.
        for concern in ("coverage", "clusters", "decisions", "objectives"):
            import_module(f"{self.name}.dashboard.{concern}")

        from parishes.demo import demo_steps
        from parishes.hooks import role_ended_hooks, role_ending_consequences

        from . import panels  # noqa: F401  (registers the clusters' panels on parishes' pages)
        from .dashboard import trends  # noqa: F401  (the area dashboard's charts over time)
        from .demo import seed_clusters
        from .leadership import end_positions_of_role, positions_ending_with

        demo_steps.append(seed_clusters)

        from parishes.national import national_help, national_steps

        from .national import HELP as NATIONAL_HELP
        from .national import load_clusters

        national_steps.append(load_clusters)
        national_help.append(NATIONAL_HELP)
        role_ended_hooks.append(end_positions_of_role)
        role_ending_consequences.append(positions_ending_with)

        from .audit_labels import register as describe_audit_records

        describe_audit_records()

        from accounts.two_factor import require_two_factor_for

        from .access import positions_needing_two_factor

        require_two_factor_for(
            positions_needing_two_factor, reason="you chair, vice-chair or co-ordinate a cluster"
        )
