from django.conf import settings
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


class LedgerDay(models.Model):
    """A UTC day of the ``AIOperation`` ledger that the daily rollup holds: its rows in
    ``LedgerRollup`` and ``FamilyRollup`` count the day's ledger rows created before
    ``covered_until`` (midnight after the day once it is complete). They are rewritten together
    with it (``services.rollup_day_refresh``). The dashboard reads the rest of the day, and any
    day without a ``LedgerDay``, live from the ledger."""

    day = models.DateField(primary_key=True)
    refreshed_at = models.DateTimeField()  # computed from the ledger as committed then
    covered_until = models.DateTimeField()  # refreshed_at less the settle grace, at most midnight
    ledger_rows = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "ops_ledger_day"

    def __str__(self) -> str:
        return f"{self.day}: {self.ledger_rows} ledger rows until {self.covered_until:%H:%M}"


class LedgerRollup(models.Model):
    """The ledger of one UTC day, operation and vendor: attempts, failures, fallback hops,
    spend and a latency histogram of the successful attempts (counts per bucket of
    ``ops.rollup.LATENCY_BOUNDS``, trimmed after the last non-empty bucket)."""

    day = models.DateField()
    operation_type = models.CharField(max_length=50)
    vendor = models.CharField(max_length=50)
    calls = models.PositiveIntegerField()
    failures = models.PositiveIntegerField()
    fallbacks = models.PositiveIntegerField()
    cost_usd = models.DecimalField(max_digits=18, decimal_places=6)
    latency_histogram = models.JSONField(default=list)

    class Meta:
        db_table = "ops_ledger_rollup"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "operation_type", "vendor"], name="ops_ledger_rollup_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.operation_type} via {self.vendor}: {self.calls} calls"


class FamilyRollup(models.Model):
    """What one family spent on one UTC day (the "top families" table). The user is null for
    ledger rows anonymised when their family deleted its account, as in the ledger."""

    day = models.DateField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    calls = models.PositiveIntegerField()
    cost_usd = models.DecimalField(max_digits=18, decimal_places=6)

    class Meta:
        db_table = "ops_family_rollup"
        indexes = [models.Index(fields=["day", "user"], name="ops_family_rollup_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.user_id}: ${self.cost_usd}"
