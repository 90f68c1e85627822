from __future__ import annotations

import uuid
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


def routing_strategy(*, user_id: uuid.UUID, tier: str) -> str:
    """How the gateway orders providers for this user (spec section 5): the cheapest for a
    free user whose spend today passed the threshold, the best for premium, else balanced."""
    if tier == Tier.PREMIUM:
        return ROUTING_QUALITY
    if tier == Tier.FREE:
        today = current_windows().day
        row = (
            UsageAccount.objects.filter(user_id=user_id)
            .values("daily_cost_usd", "daily_reset_date")
            .first()
        )
        spent = row["daily_cost_usd"] if row and row["daily_reset_date"] == today else Decimal(0)
        if spent > free_tier_threshold():
            return ROUTING_CHEAPEST
    return ROUTING_BALANCED
