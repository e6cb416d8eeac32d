from django.apps import AppConfig


class ParishesConfig(AppConfig):
    name = "parishes"
    verbose_name = "Areas and councils"

    def ready(self):
        from accounts.preferences import offer_preference
        from accounts.two_factor import require_two_factor_for

        from .access import area_roles_needing_two_factor, holds_area_role

        require_two_factor_for(
            area_roles_needing_two_factor, reason="you are a county officer or area administrator"
        )
        # The monthly dashboard email (parishes.dashboard_pdf) goes to area people who ask for it.
        offer_preference(
            "email_area_dashboards",
            question="Do you want your areas' dashboards by email each month?",
            hint="On the 1st of each month, the dashboard of each area where you are a county officer "
            "or area administrator, as a PDF.",
            error="Select yes if you want your areas' dashboards by email each month",
            to=holds_area_role,
        )
