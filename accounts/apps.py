from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import two_factor  # noqa: F401  (connects the receiver that counts a set-up as a code given)
