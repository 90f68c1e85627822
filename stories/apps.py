import sys
from pathlib import Path

from django.apps import AppConfig
from django.db.models.signals import post_migrate

SCHEDULES = (
    # (name, task, setting holding its interval in minutes, default)
    ("stories: reap stories whose worker vanished", "stories.tasks.reap_stories",
     "MIRA_PIPELINE_REAP_EVERY_MINUTES", 1),
    ("stories: delete media unused for the retention period", "stories.tasks.expire_media",
     "MIRA_MEDIA_RETENTION_EVERY_MINUTES", 24 * 60),
)  # fmt: skip


def schedules_register(*, using: str = "default", **kwargs) -> None:
    """This app's schedules (post_migrate receiver)."""
    from mira.schedules import schedules_register as register

    register(SCHEDULES, using=using)


def running_command(argv: list[str] | None = None) -> str:
    """The management command this process runs (``manage.py qcluster``, ``django-admin
    qcluster`` or ``python -m django qcluster`` → ``qcluster``), or "" (gunicorn, pytest)."""
    argv = sys.argv if argv is None else argv
    if len(argv) > 1 and Path(argv[0]).name in {"manage.py", "django-admin", "__main__.py"}:
        return argv[1]
    return ""


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = "Stories"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        from .pipeline.lease import reaper_thread_start

        post_migrate.connect(schedules_register, sender=self, dispatch_uid="stories_schedules")
        # Every django-q2 worker process also sweeps for stories whose worker vanished.
        post_spawn.connect(reaper_thread_start, dispatch_uid="stories_reaper_thread")
        if running_command() == "qcluster":
            # Before the cluster forks its workers, so each inherits the safety classifiers.
            from mira.warmup import pipeline_preload

            pipeline_preload()
