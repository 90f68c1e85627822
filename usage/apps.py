from django.apps import AppConfig
from django.conf import settings
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
    """Create or update the django-q2 schedules of this app; idempotent (runs after every
    ``migrate``), and it removes duplicates a person may have added by hand."""
    from django_q.models import Schedule

    for name, func, setting, default in SCHEDULES:
        minutes = int(getattr(settings, setting, default))
        rows = list(Schedule.objects.using(using).filter(func=func).order_by("id"))
        if not rows:
            Schedule.objects.using(using).create(
                name=name, func=func, schedule_type=Schedule.MINUTES, minutes=minutes, repeats=-1
            )
            continue
        keep, *extra = rows
        for row in extra:
            row.delete()
        if (keep.name, keep.schedule_type, keep.minutes, keep.repeats) != (
            name,
            Schedule.MINUTES,
            minutes,
            -1,
        ):
            keep.name, keep.schedule_type, keep.minutes, keep.repeats = (
                name,
                Schedule.MINUTES,
                minutes,
                -1,
            )
            keep.save()


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
