"""django-q2 entry points (scheduled; see ``apps.schedules_register``). Each calls one
service and is safe to run twice."""

from __future__ import annotations

from .alerts import alerts_evaluate
from .services import reservations_reclaim


def reclaim_reservations() -> int:
    return reservations_reclaim()


def evaluate_alerts() -> int:
    return len(alerts_evaluate())
