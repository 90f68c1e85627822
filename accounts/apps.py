from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.conf import settings
        from rest_framework.authtoken.models import Token

        from .authentication import on_token_or_user_change
        from .groups import on_post_migrate

        post_migrate.connect(on_post_migrate, dispatch_uid="accounts.staff_groups")
        # Cached token lookups (accounts.authentication) are dropped when a token or user
        # changes: a deleted token or a deactivated parent is refused on the next request.
        for signal in (post_save, post_delete):
            for model in (Token, settings.AUTH_USER_MODEL):
                signal.connect(
                    on_token_or_user_change,
                    sender=model,
                    dispatch_uid=f"accounts.auth_stamp.{signal is post_save}.{model}",
                )
