from django.apps import AppConfig


class RemoteconfigConfig(AppConfig):
    name = "remoteconfig"
    verbose_name = "Remote configuration"
