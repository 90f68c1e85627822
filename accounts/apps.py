from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from .groups import on_post_migrate

        post_migrate.connect(on_post_migrate, dispatch_uid="accounts.staff_groups")
