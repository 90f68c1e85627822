from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from mira.config_file import config_section

from .models import Tier, UsageAccount
from .windows import current_windows


def account_tier(*, user_id: uuid.UUID) -> str:
    tier = (
        UsageAccount.objects.filter(user_id=user_id).values_list("current_tier", flat=True).first()
    )
    return tier or Tier.FREE.value


ROUTING_CHEAPEST, ROUTING_QUALITY, ROUTING_BALANCED = "cheapest", "quality", "balanced"
DEFAULT_FREE_TIER_THRESHOLD = Decimal("3.00")


def free_tier_threshold() -> Decimal:
    raw = config_section("cost_optimization").get(
        "free_tier_daily_threshold", DEFAULT_FREE_TIER_THRESHOLD
    )
    return Decimal(str(raw))


@dataclass(frozen=True)
class RoutingPolicy:
    """How the gateway may route one call: provider order, and whether only free (offline)
    providers may serve it (tier restrictions, ops' emergency switches)."""

    strategy: str = ROUTING_BALANCED
    free_only: bool = False
    reason: str = ""


def _daily_spend(user_id: uuid.UUID) -> Decimal:
    today = current_windows().day
    row = (
        UsageAccount.objects.filter(user_id=user_id)
        .values("daily_cost_usd", "daily_reset_date")
        .first()
    )
    return row["daily_cost_usd"] if row and row["daily_reset_date"] == today else Decimal(0)


def routing_policy(*, user_id: uuid.UUID, tier: str, operation: str) -> RoutingPolicy:
    """Spec section 5: the cheapest provider for a free user whose spend today passed the
    threshold, the best for premium, else the configured order. Paid image generation is
    off for tiers whose restrictions say so."""
    restrictions = (config_section("usage_tiers").get(tier) or {}).get("restrictions") or {}
    free_only = (
        operation == "image_generation" and restrictions.get("image_generation_enabled") is False
    )
    reason = f"image generation is not included in the {tier} tier" if free_only else ""
    if tier == Tier.PREMIUM:
        return RoutingPolicy(ROUTING_QUALITY, free_only, reason)
    if tier == Tier.FREE and _daily_spend(user_id) > free_tier_threshold():
        return RoutingPolicy(ROUTING_CHEAPEST, free_only, reason)
    return RoutingPolicy(ROUTING_BALANCED, free_only, reason)
