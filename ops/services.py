"""Writes of the ops app: the worker heartbeat and the daily rollup of the ledger."""

from __future__ import annotations

import os
import socket
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import FamilyRollup, LedgerDay, LedgerRollup, WorkerHeartbeat
from .rollup import (
    DAY,
    day_start,
    family_groups,
    histogram_trim,
    intervals_filter,
    ledger_groups,
)

HEARTBEAT = "worker"


def heartbeat_record(*, name: str = HEARTBEAT) -> WorkerHeartbeat:
    beat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name,
        defaults={"seen_at": timezone.now(), "host": f"{socket.gethostname()}:{os.getpid()}"},
    )
    return beat


# --- the daily rollup of the ledger --------------------------------------------------------


def rollup_day_refresh(*, day: date, now: datetime | None = None) -> LedgerDay:
    """Recompute one UTC day of the rollup from the ledger: its ``LedgerRollup`` and
    ``FamilyRollup`` rows are deleted and written again, with the day's ``LedgerDay``, in one
    transaction. Running it again gives the same rows (idempotent).

    It covers the rows created before ``now`` less ``MIRA_OPS_ROLLUP_GRACE_MINUTES`` (at most
    the whole day): a row is written with its ``created_at`` and commits moments later, so a
    row not committed yet when this reads can only be newer than that. The dashboard reads
    the newer rows live; a row that settles even later is counted by the next refresh of its
    day (the schedule recomputes today and yesterday every run).

    Refreshes of the same day are serialised on the ``LedgerDay`` row: without the lock two
    overlapping runs (the schedule and a backfill) would both insert the day's groups."""
    start = day_start(day)
    with transaction.atomic():
        # Insert the marker if it is missing (a concurrent insert waits for ours), then lock it.
        LedgerDay.objects.bulk_create(
            [LedgerDay(day=day, refreshed_at=start, covered_until=start)], ignore_conflicts=True
        )
        marker = LedgerDay.objects.select_for_update().get(day=day)
        # Taken after the lock and before the reads: every row committed by this moment is in
        # what they see.
        refreshed_at = now or timezone.now()
        grace = timedelta(minutes=int(settings.MIRA_OPS_ROLLUP_GRACE_MINUTES))
        covered_until = max(start, min(start + DAY, refreshed_at - grace))
        where = intervals_filter([(start, covered_until)])
        groups = ledger_groups(where)
        families = family_groups(where)
        LedgerRollup.objects.filter(day=day).delete()
        FamilyRollup.objects.filter(day=day).delete()
        LedgerRollup.objects.bulk_create(
            [
                LedgerRollup(
                    day=day,
                    operation_type=g.operation,
                    vendor=g.vendor,
                    calls=g.calls,
                    failures=g.failures,
                    fallbacks=g.fallbacks,
                    cost_usd=g.cost,
                    latency_histogram=histogram_trim(g.latency),
                )
                for g in groups
            ]
        )
        FamilyRollup.objects.bulk_create(
            [
                FamilyRollup(day=day, user_id=f.user_id, calls=f.calls, cost_usd=f.cost)
                for f in families
            ],
            batch_size=1000,
        )
        marker.refreshed_at = refreshed_at
        marker.covered_until = covered_until
        marker.ledger_rows = sum(g.calls for g in groups)
        marker.save(update_fields=["refreshed_at", "covered_until", "ledger_rows"])
    return marker


def rollup_refresh(*, days: int = 2, now: datetime | None = None) -> list[LedgerDay]:
    """Recompute the last ``days`` UTC days, today first (up to ``now`` less the grace), one
    transaction per day. The schedule runs it with the default 2, today and yesterday, so
    rows that settled after midnight are picked up; ``manage.py ops_rollup --days N``
    backfills."""
    if days < 1:
        raise ValueError("days must be at least 1.")
    today = (now or timezone.now()).astimezone(UTC).date()
    return [rollup_day_refresh(day=today - DAY * back, now=now) for back in range(days)]


def rollup_gaps_fill(*, within: int | None = None, limit: int = 3, now: datetime | None = None):
    """Roll up (at most ``limit``) days of the last ``within`` that were never rolled up,
    newest first, so a fresh install or a missed schedule heals by itself."""
    within = settings.MIRA_OPS_ROLLUP_FILL_DAYS if within is None else within
    today = (now or timezone.now()).astimezone(UTC).date()
    wanted = [today - DAY * back for back in range(within)]
    have = set(LedgerDay.objects.filter(day__in=wanted).values_list("day", flat=True))
    missing = [day for day in wanted if day not in have][:limit]
    return [rollup_day_refresh(day=day, now=now) for day in missing]
