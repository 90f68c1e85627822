"""django-q2 entry points (scheduled; see ``apps.SCHEDULES``)."""

from __future__ import annotations

from .services import heartbeat_record


def worker_heartbeat() -> str:
    return heartbeat_record().seen_at.isoformat()
