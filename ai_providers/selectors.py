"""Reads of the ledger shared by the pipeline, the API and the admin."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum

from .models import AIOperation
from .types import Operation

SUM_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class StoryTotals:
    total_cost_usd: Decimal
    cost_breakdown: dict[str, str]  # operation -> cost as a decimal string (JSON has no Decimal)
    processing_breakdown: dict[str, int]  # operation -> ms, every attempt included
    operations: int
    failed_attempts: int


def story_totals(*, story_id: uuid.UUID) -> StoryTotals:
    """What a story cost and took, derived from its ``AIOperation`` rows (fallback hops too)."""
    rows = (
        AIOperation.objects.filter(story_id=story_id)
        .values("operation_type")
        .annotate(cost=Sum("cost_usd"), ms=Sum("processing_time_ms"), n=Count("id"))
        .order_by("operation_type")
    )
    cost_breakdown, time_breakdown, total, count = {}, {}, Decimal(0), 0
    for row in rows:
        cost = row["cost"] or Decimal(0)
        cost_breakdown[row["operation_type"]] = str(cost.quantize(Decimal("0.000001")))
        time_breakdown[row["operation_type"]] = int(row["ms"] or 0)
        total += cost
        count += row["n"]
    failed = AIOperation.objects.filter(story_id=story_id, success=False).count()
    return StoryTotals(
        total_cost_usd=total.quantize(SUM_PLACES, rounding=ROUND_HALF_UP),
        cost_breakdown=cost_breakdown,
        processing_breakdown=time_breakdown,
        operations=count,
        failed_attempts=failed,
    )


def operation_list(*, story_id: uuid.UUID | None = None):
    qs = AIOperation.objects.select_related("user")
    if story_id is not None:
        qs = qs.filter(story_id=story_id)
    return qs.order_by("created_at")


def story_writer_vendor(story_id: uuid.UUID) -> str | None:
    """The vendor that wrote the story's current text: the latest successful story_generation
    call of the story (``local`` for the offline storyteller), None before it was written."""
    return (
        AIOperation.objects.filter(
            story_id=story_id, operation_type=Operation.STORY_GENERATION.value, success=True
        )
        .order_by("-created_at")
        .values_list("vendor", flat=True)
        .first()
    )
