from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time a task went through the queue and ran on a worker (a scheduled task
    writes it every ``MIRA_WORKER_HEARTBEAT_EVERY_MINUTES``). ``/readyz`` reads it: a recent
    beat proves the scheduler, the broker and a worker all work, on any broker."""

    name = models.CharField(max_length=100, primary_key=True)
    seen_at = models.DateTimeField()
    host = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
