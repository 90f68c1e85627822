"""Prometheus metrics that code paths record as they happen (``prometheus_client``).

A kernel module: it imports no app, so the gateway and the pipeline can each call one hook
without new import arrows. What is better read from the database at scrape time (stories by
status, queue depth, reservations in flight, circuit-breaker state) is collected by
``ops.collectors`` when ``/metrics`` is scraped, not here.

Multiprocess mode: when ``PROMETHEUS_MULTIPROC_DIR`` is set (before this module is imported;
the same directory for the gunicorn workers and the django-q2 cluster on a host), every
process writes its samples to files there and ``/metrics`` merges them. AI calls happen in
the worker processes, so without it the web process would only see its own calls.
docs/operations.md has the set-up.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from prometheus_client import Counter, Histogram

# Seconds; AI calls range from a few ms (offline) to a minute (image generation with retries).
CALL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120)
STAGE_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

AI_CALLS = Counter(
    "mira_ai_calls",
    "AI call attempts (one per AIOperation row), by outcome: ok or the error code.",
    ["operation", "vendor", "model", "outcome"],
)
AI_CALL_SECONDS = Histogram(
    "mira_ai_call_duration_seconds",
    "Duration of AI call attempts as recorded in the ledger.",
    ["operation", "vendor"],
    buckets=CALL_BUCKETS,
)
AI_COST_USD = Counter(
    "mira_ai_cost_usd",
    "What AI call attempts cost, in US dollars (the ledger's cost_usd).",
    ["operation", "vendor"],
)
STAGE_SECONDS = Histogram(
    "mira_pipeline_stage_duration_seconds",
    "Duration of finished story pipeline stages.",
    ["stage"],
    buckets=STAGE_BUCKETS,
)


def ai_attempt_recorded(row: Any) -> None:
    """One ledger row was written (``ai_providers.models.AIOperation``, duck-typed)."""
    operation, vendor = row.operation_type, row.vendor
    outcome = "ok" if row.success else (row.error_code or "error")
    AI_CALLS.labels(operation, vendor, row.model_used or "", outcome).inc()
    AI_CALL_SECONDS.labels(operation, vendor).observe(row.processing_time_ms / 1000)
    cost = row.cost_usd if isinstance(row.cost_usd, Decimal) else Decimal(str(row.cost_usd))
    # Prometheus samples are floats; the ledger keeps the exact Decimal. Free calls inc by 0
    # so the series exists for every vendor that was called.
    AI_COST_USD.labels(operation, vendor).inc(float(cost))


def stage_finished(stage: str, ms: int) -> None:
    """A pipeline stage finished in ``ms`` milliseconds."""
    STAGE_SECONDS.labels(stage).observe(max(0, ms) / 1000)
