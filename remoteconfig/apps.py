from django.apps import AppConfig


class RemoteconfigConfig(AppConfig):
    name = "remoteconfig"
    verbose_name = "Remote configuration"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the cache-invalidation signals
