"""Ops actions on usage accounts: the admin calls these; each one is recorded with who did it."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from .. import abuse
from ..config import TIERS, usage_limits_override
from ..models import EventKind, UsageAccount
from .accounts import ZERO, _lock_account, _sync_limits, _validate_amount, _validate_count

# --- ops actions (the admin calls these; each one is recorded with who did it) ----------------


def account_block(*, user_id: uuid.UUID, reason: str, actor) -> UsageAccount:
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a block needs a reason the family can be told")
    with transaction.atomic():
        account = _lock_account(user_id, timezone.now())
        account.is_blocked, account.block_reason = True, reason
        account.save()
        abuse.event_record(account, EventKind.BLOCKED, reason, actor=actor)
    return account


def account_unblock(*, user_id: uuid.UUID, actor, note: str = "") -> UsageAccount:
    """Lift a block; the warnings that led to it are cleared too, or the next one would block
    the family again at once."""
    with transaction.atomic():
        account = _lock_account(user_id, timezone.now())
        data = {"previous_reason": account.block_reason, "warning_count": account.warning_count}
        account.is_blocked, account.block_reason = False, ""
        account.warning_count = 0
        account.save()
        abuse.event_record(
            account, EventKind.UNBLOCKED, note or "Unblocked by ops.", data=data, actor=actor
        )
    return account


def account_tier_change(*, user_id: uuid.UUID, tier: str, actor) -> UsageAccount:
    if tier not in TIERS:
        raise ValueError(f"tier must be one of {', '.join(TIERS)}, got {tier!r}")
    override = usage_limits_override()
    with transaction.atomic():
        account = _lock_account(user_id, timezone.now())
        previous = account.current_tier
        account.current_tier = tier
        _sync_limits(account, override)
        account.save()
        abuse.event_record(
            account,
            EventKind.TIER_CHANGED,
            f"Tier changed from {previous} to {tier}.",
            data={"from": previous, "to": tier},
            actor=actor,
        )
    return account


LIMIT_FIELDS = (
    "daily_cost_limit",
    "monthly_cost_limit",
    "daily_operations_limit",
    "monthly_operations_limit",
)


def account_limits_adjust(*, user_id: uuid.UUID, actor, **limits: Any) -> UsageAccount:
    """Set this family's own limits (any of ``LIMIT_FIELDS``); they stay until
    ``account_limits_reset``. Lowering a limit below what is spent refuses new calls, it does
    not undo spend."""
    unknown = sorted(set(limits) - set(LIMIT_FIELDS))
    if unknown:
        raise ValueError(f"unknown limit {unknown[0]!r}; expected one of {', '.join(LIMIT_FIELDS)}")
    if not limits:
        raise ValueError("no limit given")
    clean: dict[str, Any] = {}
    for name, value in limits.items():
        if name.endswith("cost_limit"):
            value = _validate_amount(value, name)
            if value != value.quantize(Decimal("0.01")) or value >= Decimal("1e8"):
                raise ValueError(f"{name} must have at most 2 decimal places and 8 digits")
        else:
            value = _validate_count(value, name)
        clean[name] = value
    with transaction.atomic():
        account = _lock_account(user_id, timezone.now())
        before = {name: str(getattr(account, name)) for name in clean}
        for name, value in clean.items():
            setattr(account, name, value)
        account.custom_limits = True
        account.save()
        abuse.event_record(
            account,
            EventKind.LIMITS_ADJUSTED,
            "Limits set by ops: " + ", ".join(f"{k}={v}" for k, v in clean.items()),
            data={"before": before, "after": {k: str(v) for k, v in clean.items()}},
            actor=actor,
        )
    return account


def account_limits_reset(*, user_id: uuid.UUID, actor) -> UsageAccount:
    override = usage_limits_override()
    with transaction.atomic():
        account = _lock_account(user_id, timezone.now())
        before = {name: str(getattr(account, name)) for name in LIMIT_FIELDS}
        account.custom_limits = False
        _sync_limits(account, override)
        account.save()
        abuse.event_record(
            account,
            EventKind.LIMITS_RESET,
            f"Limits reset to the {account.current_tier} tier.",
            data={"before": before},
            actor=actor,
        )
    return account


def account_counters_reset(*, user_id: uuid.UUID, actor) -> UsageAccount:
    """Give a family a fresh day and month (and clear warnings). Lifetime totals, the ledger
    and reservations in flight are untouched; the old values are kept in the event."""
    with transaction.atomic():
        account = _lock_account(user_id, timezone.now())
        before = {
            "daily_cost_usd": str(account.daily_cost_usd),
            "daily_operations": account.daily_operations,
            "monthly_cost_usd": str(account.monthly_cost_usd),
            "monthly_operations": account.monthly_operations,
            "warning_count": account.warning_count,
        }
        account.daily_cost_usd = account.monthly_cost_usd = ZERO
        account.daily_operations = account.monthly_operations = 0
        account.warning_count = 0
        account.save()
        abuse.event_record(
            account,
            EventKind.COUNTERS_RESET,
            "Daily and monthly counters and warnings reset by ops.",
            data={"before": before},
            actor=actor,
        )
    return account
