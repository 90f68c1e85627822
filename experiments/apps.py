from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate

SCHEDULES = (
    # (name, task, setting holding its interval in minutes, default)
    ("experiments: evaluate active experiments", "experiments.tasks.evaluate_experiments",
     "MIRA_EXPERIMENTS_EVALUATE_EVERY_MINUTES", 5),
)  # fmt: skip


def schedules_register(*, using: str = "default", **kwargs) -> None:
    """Create or update this app's django-q2 schedules; idempotent (runs after every
    ``migrate``), and removes duplicates a person may have added by hand."""
    from django_q.models import Schedule

    for name, func, setting, default in SCHEDULES:
        minutes = int(getattr(settings, setting, default))
        wanted = (name, Schedule.MINUTES, minutes, -1)
        rows = list(Schedule.objects.using(using).filter(func=func).order_by("id"))
        if not rows:
            Schedule.objects.using(using).create(
                name=name, func=func, schedule_type=Schedule.MINUTES, minutes=minutes, repeats=-1
            )
            continue
        keep, *extra = rows
        for row in extra:
            row.delete()
        if (keep.name, keep.schedule_type, keep.minutes, keep.repeats) != wanted:
            keep.name, keep.schedule_type, keep.minutes, keep.repeats = wanted
            keep.save()


class ExperimentsConfig(AppConfig):
    name = "experiments"
    verbose_name = "Experiments"

    def ready(self) -> None:
        post_migrate.connect(schedules_register, sender=self, dispatch_uid="experiments_schedules")
