from django.apps import AppConfig
from django.db.models.signals import post_migrate

SCHEDULES = (
    # (name, task, setting holding its interval in minutes, default)
    ("ops: worker heartbeat", "ops.tasks.worker_heartbeat",
     "MIRA_WORKER_HEARTBEAT_EVERY_MINUTES", 1),
    ("ops: daily rollup of the AI ledger", "ops.tasks.ledger_rollup",
     "MIRA_OPS_ROLLUP_EVERY_MINUTES", 5),
)  # fmt: skip


def schedules_register(*, using: str = "default", **kwargs) -> None:
    """This app's schedules (post_migrate receiver)."""
    from mira.schedules import schedules_register as register

    register(SCHEDULES, using=using)


class OpsConfig(AppConfig):
    """The ops console across apps: dashboards, /metrics, /healthz and /readyz.

    It sits at the top of the import layers (beside ``mira``): it reads every app and no
    app imports it."""

    name = "ops"
    verbose_name = "Operations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(schedules_register, sender=self, dispatch_uid="ops_schedules")
