"""django-q2 entry points (scheduled; see ``apps.schedules_register``). Each calls one
service and is safe to run twice: evaluation locks the experiment row."""

from __future__ import annotations

from .services import experiments_evaluate_active


def evaluate_experiments() -> int:
    return experiments_evaluate_active()
