"""Reads of usage accounts, tiers and the ledger for the gateway, the admin and alerts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.apps import apps
from django.db.models import Count, F, Q, QuerySet, Sum

from remoteconfig.selectors import config_flag

from .config import tier_get, usage_settings
from .models import (
    ReservationKind,
    ReservationState,
    Tier,
    UsageAccount,
    UsageEvent,
    UsageReservation,
)
from .windows import current_windows


def account_tier(*, user_id: uuid.UUID) -> str:
    tier = (
        UsageAccount.objects.filter(user_id=user_id).values_list("current_tier", flat=True).first()
    )
    return tier or Tier.FREE.value


def account_get(*, user_id: uuid.UUID) -> UsageAccount | None:
    return UsageAccount.objects.select_related("user").filter(user_id=user_id).first()


def event_list(*, user_id: uuid.UUID | None = None, kind: str | None = None) -> QuerySet:
    events = UsageEvent.objects.select_related("account__user", "actor")
    if user_id is not None:
        events = events.filter(account_id=user_id)
    if kind is not None:
        events = events.filter(kind=kind)
    return events.order_by("-created_at")


@dataclass(frozen=True)
class ReservedTotals:
    """What the open reservation rows add up to; equals the account's ``reserved_*``."""

    cost_usd: Decimal
    operations: int


def reservation_totals(*, user_id: uuid.UUID) -> ReservedTotals:
    open_rows = UsageReservation.objects.filter(account_id=user_id, state=ReservationState.OPEN)
    calls = open_rows.filter(kind=ReservationKind.CALL).aggregate(
        cost=Sum("amount_usd"), ops=Sum("operations")
    )
    holds = open_rows.filter(kind=ReservationKind.STORY).aggregate(
        cost=Sum("remaining_usd"), ops=Sum("remaining_operations")
    )
    return ReservedTotals(
        cost_usd=(calls["cost"] or Decimal(0)) + (holds["cost"] or Decimal(0)),
        operations=(calls["ops"] or 0) + (holds["ops"] or 0),
    )


# --- routing ------------------------------------------------------------------------------------

ROUTING_CHEAPEST, ROUTING_QUALITY, ROUTING_BALANCED = "cheapest", "quality", "balanced"
ROUTING_BY_SPEND = "by_spend"  # a plan only: cheapest or balanced, by today's spend
DEFAULT_FREE_TIER_THRESHOLD = Decimal("3.00")


def free_tier_threshold() -> Decimal:
    return usage_settings().free_tier_daily_threshold


@dataclass(frozen=True)
class RoutingPolicy:
    """How the gateway may route one call: provider order, and whether only free (offline)
    providers may serve it (tier restrictions, ops' emergency switches)."""

    strategy: str = ROUTING_BALANCED
    free_only: bool = False
    reason: str = ""

    def resolved(self, *, spent_over: bool) -> RoutingPolicy:
        """A ``ROUTING_BY_SPEND`` plan once today's spend is known to be over the free tier's
        threshold (``spent_over``) or not."""
        if self.strategy != ROUTING_BY_SPEND:
            return self
        if spent_over:
            reason = self.reason or "free tier past its daily threshold"
            return RoutingPolicy(ROUTING_CHEAPEST, self.free_only, reason)
        return RoutingPolicy(ROUTING_BALANCED, self.free_only, self.reason)


def _daily_spend(user_id: uuid.UUID) -> Decimal:
    today = current_windows().day
    row = (
        UsageAccount.objects.filter(user_id=user_id)
        .values("daily_cost_usd", "daily_reset_date")
        .first()
    )
    return row["daily_cost_usd"] if row and row["daily_reset_date"] == today else Decimal(0)


def free_tier_spend_over(*, user_id: uuid.UUID) -> bool:
    """Whether the family's spend today is past the free tier's routing threshold."""
    return _daily_spend(user_id) > free_tier_threshold()


def routing_policy(*, user_id: uuid.UUID, tier: str, operation: str) -> RoutingPolicy:
    """Spec section 5: the cheapest provider for a free user whose spend today passed the
    threshold, the best for premium, else the configured order. Paid image generation is
    off for tiers whose restrictions say so. Ops' remote-config switches win over both:
    ``force_cheapest_providers`` routes everyone to the cheapest provider and
    ``disable_expensive_features`` keeps image generation on free (offline) providers."""
    plan = routing_plan(tier=tier, operation=operation)
    if plan.strategy != ROUTING_BY_SPEND:
        return plan
    return plan.resolved(spent_over=free_tier_spend_over(user_id=user_id))


def routing_plan(*, tier: str, operation: str) -> RoutingPolicy:
    """``routing_policy`` without reading the account: for a free user the strategy is
    ``ROUTING_BY_SPEND`` (cheapest once today's spend passed ``free_tier_threshold()``, else
    balanced), which the gateway settles with its first reservation (``budget_reserve``'s
    ``spent_over``), in the same round trip and under the account lock."""
    restrictions = tier_get(tier)
    free_only, reason = False, ""
    if operation == "image_generation":
        if config_flag("disable_expensive_features", False):
            free_only, reason = True, "expensive features are switched off by ops"
        elif not restrictions.image_generation_enabled:
            free_only = True
            reason = f"image generation is not included in the {restrictions.name} tier"
    if config_flag("force_cheapest_providers", False):
        return RoutingPolicy(ROUTING_CHEAPEST, free_only, reason or "cheapest providers forced")
    if tier == Tier.PREMIUM:
        return RoutingPolicy(ROUTING_QUALITY, free_only, reason)
    if tier == Tier.FREE:
        return RoutingPolicy(ROUTING_BY_SPEND, free_only, reason)
    return RoutingPolicy(ROUTING_BALANCED, free_only, reason)


# --- what alerts read ---------------------------------------------------------------------------


def daily_total_cost(*, now: datetime | None = None) -> Decimal:
    """Spend of every family today (the usage day), from the accounts' daily counters."""
    today = current_windows(now).day
    total = UsageAccount.objects.filter(daily_reset_date=today).aggregate(s=Sum("daily_cost_usd"))
    return total["s"] or Decimal(0)


def accounts_over_limit(*, multiplier: Decimal, now: datetime | None = None) -> QuerySet:
    """Families whose spend today or this month is above ``multiplier`` x their limit. The
    reservations keep spend within the limit, so this catches what they cannot: settles above
    the worst case, late settles after a reclaim, limits lowered below the spend."""
    windows = current_windows(now)
    return UsageAccount.objects.filter(
        Q(daily_reset_date=windows.day, daily_cost_usd__gt=F("daily_cost_limit") * multiplier)
        | Q(
            monthly_reset_date=windows.month,
            monthly_cost_usd__gt=F("monthly_cost_limit") * multiplier,
        )
    ).select_related("user")


def _ledger():
    """``ai_providers.AIOperation``, read-only. ``ai_providers`` sits above this app, so the
    model is looked up by app label instead of imported; nothing here writes to it."""
    return apps.get_model("ai_providers", "AIOperation")


def vendor_spend(*, since: datetime) -> dict[str, Decimal]:
    rows = (
        _ledger()
        .objects.filter(created_at__gte=since)
        .values("vendor")
        .annotate(cost=Sum("cost_usd"))
        .order_by("vendor")
    )
    return {row["vendor"]: row["cost"] or Decimal(0) for row in rows}


@dataclass(frozen=True)
class CallStats:
    group: str  # a vendor or an operation type
    calls: int
    failures: int
    p95_ms: int | None  # of successful calls


def call_stats(*, since: datetime, by: str) -> list[CallStats]:
    """Attempts per vendor (``by="vendor"``) or per operation (``by="operation_type"``) since
    ``since``, with failures and the 95th percentile latency of the successful ones."""
    if by not in ("vendor", "operation_type"):
        raise ValueError("by must be 'vendor' or 'operation_type'")
    ledger = _ledger().objects.filter(created_at__gte=since)
    rows = (
        ledger.values(by)
        .annotate(calls=Count("id"), failures=Count("id", filter=Q(success=False)))
        .order_by(by)
    )
    stats = []
    for row in rows:
        times = sorted(
            ledger.filter(**{by: row[by]}, success=True).values_list(
                "processing_time_ms", flat=True
            )
        )
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))] if times else None
        stats.append(CallStats(row[by], row["calls"], row["failures"], p95))
    return stats


# --- capacity ------------------------------------------------------------------------------------


def broker_queue_depth() -> int | None:
    """Tasks waiting in django-q2's broker; None when the broker cannot be asked (``/readyz``
    reports why)."""
    from django_q.brokers import get_broker

    try:
        return int(get_broker().queue_size())
    except Exception:  # Redis down, or an ORM broker table missing: no depth to report
        return None


def oldest_queued_story(*, now: datetime) -> float:
    """Seconds the oldest story still queued has waited (0 when none waits). ``stories`` sits
    above this app, so the model is looked up by label; nothing here writes to it."""
    story = apps.get_model("stories", "Story")
    oldest = (
        story.objects.filter(status="queued")
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
