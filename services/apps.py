from importlib import import_module

from django.apps import AppConfig

# The modules of the app's state changes, one per concern; each says how its audit records read.
CONCERNS = ("catalogue", "sites", "arrangements", "deliveries", "volunteers", "requests")


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = "Services"

    def ready(self):
        # Registries of the apps below, filled here so that they never import this one.
        from parishes.audit_display import describe

        for concern in CONCERNS:
            describe(**import_module(f"{self.name}.{concern}").AUDIT)

        from parishes.demo import demo_steps
        from parishes.national import national_help, national_steps

        from .demo import seed_services
        from .national import HELP as NATIONAL_HELP
        from .national import load_services

        # After the clusters' steps (clusters comes first in INSTALLED_APPS): they need their clusters.
        demo_steps.append(seed_services)
        national_steps.append(load_services)
        national_help.append(NATIONAL_HELP)

        from clusters.sections import cluster_sections

        cluster_sections.append(("services", "Services", "services:cluster"))

        from clusters.membership import dissolve_consequences, dissolved_hooks

        from .arrangements import close_for_dissolution, dissolving_closes

        dissolve_consequences.append(dissolving_closes)
        dissolved_hooks.append(close_for_dissolution)

        from clusters.reminders import reminder_kinds

        from . import dashboard, panels  # noqa: F401  (register the services' panels on parishes' pages)
        from .reminders import KINDS

        reminder_kinds.extend(KINDS)

        from parishes.panels import council_panel

        from .views.volunteers import council_volunteers_panel

        council_panel(council_volunteers_panel)

        from parishes.panels import area_panel

        from .views.catalogue import catalogue_panel
        from .views.requests import council_requests_panel

        council_panel(council_requests_panel)
        area_panel(catalogue_panel)
