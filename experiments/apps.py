from django.apps import AppConfig
from django.db.models.signals import post_migrate

SCHEDULES = (
    # (name, task, setting holding its interval in minutes, default)
    ("experiments: evaluate active experiments", "experiments.tasks.evaluate_experiments",
     "MIRA_EXPERIMENTS_EVALUATE_EVERY_MINUTES", 5),
)  # fmt: skip


def schedules_register(*, using: str = "default", **kwargs) -> None:
    """This app's schedules (post_migrate receiver)."""
    from mira.schedules import schedules_register as register

    register(SCHEDULES, using=using)


class ExperimentsConfig(AppConfig):
    name = "experiments"
    verbose_name = "Experiments"

    def ready(self) -> None:
        post_migrate.connect(schedules_register, sender=self, dispatch_uid="experiments_schedules")
