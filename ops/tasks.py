"""django-q2 entry points (scheduled; see ``apps.SCHEDULES``)."""

from __future__ import annotations

from .services import heartbeat_record, rollup_gaps_fill, rollup_refresh


def worker_heartbeat() -> str:
    return heartbeat_record().seen_at.isoformat()


def ledger_rollup() -> str:
    """Recompute today and yesterday (so rows that settled late are counted), then roll up a
    few days of the last ``MIRA_OPS_ROLLUP_FILL_DAYS`` that never were."""
    refreshed = rollup_refresh(days=2) + rollup_gaps_fill()
    return ", ".join(f"{m.day}: {m.ledger_rows} rows" for m in refreshed)
