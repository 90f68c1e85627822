from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate

SCHEDULES = (
    # (name, task, setting holding its interval in minutes, default)
    ("usage: reclaim stale reservations", "usage.tasks.reclaim_reservations",
     "MIRA_USAGE_RECLAIM_EVERY_MINUTES", 5),
    ("usage: evaluate alerts", "usage.tasks.evaluate_alerts",
     "MIRA_ALERT_EVERY_MINUTES", 5),
)  # fmt: skip


def schedules_register(*, using: str = "default", **kwargs) -> None:
    """This app's schedules (post_migrate receiver)."""
    from mira.schedules import schedules_register as register

    register(SCHEDULES, using=using)


def check_usage_config(app_configs=None, **kwargs):
    """``manage.py check`` (and runserver, qcluster) report a bad usage section by key."""
    from mira.config_file import ConfigFileError

    from .config import UsageConfigError, usage_settings
    from .windows import usage_timezone

    errors = []
    try:
        usage_settings()
    except (UsageConfigError, ConfigFileError) as exc:
        errors.append(checks.Error(str(exc), id="usage.E001"))
    try:
        usage_timezone()
    except Exception as exc:  # ImproperlyConfigured with the message to show
        errors.append(checks.Error(str(exc), id="usage.E002"))
    return errors


class UsageConfig(AppConfig):
    name = "usage"
    verbose_name = "Usage and limits"

    def ready(self) -> None:
        checks.register(check_usage_config)
        post_migrate.connect(schedules_register, sender=self, dispatch_uid="usage_schedules")
