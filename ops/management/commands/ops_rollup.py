"""Backfill or recompute the dashboard's daily rollup of the ledger:
``manage.py ops_rollup --days 30``. Idempotent; safe while the schedule runs."""

import time

from django.core.management.base import BaseCommand, CommandError

from ops.services import rollup_refresh


class Command(BaseCommand):
    help = (
        "Recompute the daily rollup of the AI ledger for the last N UTC days, today "
        "included, one transaction per day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=30, help="days to recompute, today included (default 30)"
        )

    def handle(self, *args, days=30, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        started = time.perf_counter()
        refreshed = rollup_refresh(days=days)
        for marker in refreshed:
            self.stdout.write(f"{marker.day}: {marker.ledger_rows} ledger rows", ending="\n")
        rows = sum(m.ledger_rows for m in refreshed)
        self.stdout.write(
            f"rolled up {len(refreshed)} days ({rows} ledger rows) "
            f"in {time.perf_counter() - started:.1f} s"
        )
