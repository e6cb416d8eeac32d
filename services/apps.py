from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = "Services"

    def ready(self):
        # Registries of the apps below, filled here so that they never import this one.
        pass
