from django.apps import AppConfig


class ClustersConfig(AppConfig):
    name = "clusters"
    verbose_name = "Clusters"

    def ready(self):
        from . import panels  # noqa: F401  (registers the clusters' panels on parishes' pages)
