from django.apps import AppConfig


class ParishesConfig(AppConfig):
    name = "parishes"
    verbose_name = "Areas and councils"

    def ready(self):
        from accounts.two_factor import require_two_factor_for

        from .access import area_roles_needing_two_factor

        require_two_factor_for(
            area_roles_needing_two_factor, reason="you are a county officer or area administrator"
        )
