"""The account row lock, window rollover, limit checks and amount validation.

Every change to an account happens under that account's row lock, taken first; reservation
rows are locked after it, so two flows cannot deadlock. On PostgreSQL the lock is
``SELECT ... FOR UPDATE``; on SQLite every transaction is IMMEDIATE (see settings), which
serialises writers.
"""

from __future__ import annotations

import statistics
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from ..config import tier_limits, usage_settings
from ..errors import LimitExceeded
from ..models import UsageAccount, UsageDay
from ..windows import Windows, current_windows

# The family's counters keep the ledger's places, so they sum to exactly what the ledger says.
COST_PLACES = Decimal("0.000001")
SUM_PLACES = COST_PLACES
ZERO = Decimal(0)
NO_SYNC: Any = object()


# --- the account lock, window rollover and limits ---------------------------------------------


def _archive_day(account: UsageAccount) -> None:
    """Keep the finished day for the trailing median, and refresh the median."""
    if account.daily_operations or account.daily_cost_usd:
        UsageDay.objects.update_or_create(
            account=account,
            day=account.daily_reset_date,
            defaults={"cost_usd": account.daily_cost_usd, "operations": account.daily_operations},
        )
    days = usage_settings().abuse.cost_spike_history_days
    history = list(
        UsageDay.objects.filter(account=account)
        .order_by("-day")
        .values_list("cost_usd", flat=True)[:days]
    )
    account.trailing_median_daily_cost = (
        Decimal(statistics.median(history)).quantize(SUM_PLACES) if history else ZERO
    )


def _roll_windows(account: UsageAccount, windows: Windows) -> None:
    """Reset counters whose window has passed. Caller holds the row lock, so two requests
    crossing midnight together cannot both reset (and lose the other's spend)."""
    if account.daily_reset_date != windows.day:
        _archive_day(account)
        account.daily_cost_usd = ZERO
        account.daily_operations = 0
        account.daily_reset_date = windows.day
    if account.monthly_reset_date != windows.month:
        account.monthly_cost_usd = ZERO
        account.monthly_operations = 0
        account.monthly_reset_date = windows.month


def _sync_limits(account: UsageAccount, override: Any) -> None:
    """The tier's limits in force now (file, then remote config ``override``), unless ops set
    custom ones."""
    if account.custom_limits:
        return
    limits = tier_limits(account.current_tier, override)
    account.daily_cost_limit = limits.daily_cost_limit
    account.monthly_cost_limit = limits.monthly_cost_limit
    account.daily_operations_limit = limits.daily_operations_limit
    account.monthly_operations_limit = limits.monthly_operations_limit


def _lock_account(user_id: Any, now: datetime, *, limits_override: Any = NO_SYNC) -> UsageAccount:
    """The account row, locked for the rest of the transaction, windows rolled over.

    Why a row lock: the check is "spent + reserved + this call <= limit". Under READ
    COMMITTED two transactions can both read spent + reserved = $0.99, both see room for
    $0.01, and both commit: $1.01 against a $1.00 limit. ``SELECT ... FOR UPDATE`` makes the
    second wait until the first commits and then read the new totals. The common call
    reservation and settle take the same lock and check in one round trip
    (``reservations._RESERVE_SQL``); rollover, story-hold draws and four limits with their own
    refusal codes need the row in hand, here (see ``bench/bench_usage.py``).

    ``limits_override``: the remote-config ``usage_limits`` read before the lock, to bring
    the limits up to date; left out where no limit is checked (settle, release, ops).
    """
    try:
        account = UsageAccount.objects.select_for_update().get(user_id=user_id)
    except UsageAccount.DoesNotExist:
        try:
            # A savepoint: a concurrent first request may create the row first.
            with transaction.atomic():
                UsageAccount.objects.create(user_id=user_id)
        except IntegrityError:
            pass
        account = UsageAccount.objects.select_for_update().get(user_id=user_id)
    _roll_windows(account, current_windows(now))
    if limits_override is not NO_SYNC:
        _sync_limits(account, limits_override)
    return account


def _check_limits(account: UsageAccount, amount: Decimal, operations: int, now: datetime) -> None:
    """Refuse when spent + reserved + this request would pass a limit. A request that needs no
    new money (free, or covered by a story hold) is not refused on cost, nor one that needs
    no new operation on operations."""
    windows = current_windows(now)
    reserved = account.reserved_cost_usd
    reserved_ops = account.reserved_operations
    checks = (
        (
            amount > 0 and account.daily_cost_usd + reserved + amount > account.daily_cost_limit,
            "daily_cost_limit",
            f"Today's AI budget of ${account.daily_cost_limit} is used up.",
            windows.next_day_start,
        ),
        (
            amount > 0
            and account.monthly_cost_usd + reserved + amount > account.monthly_cost_limit,
            "monthly_cost_limit",
            f"This month's AI budget of ${account.monthly_cost_limit} is used up.",
            windows.next_month_start,
        ),
        (
            operations > 0
            and account.daily_operations + reserved_ops + operations
            > account.daily_operations_limit,
            "daily_operation_limit",
            f"Today's limit of {account.daily_operations_limit} AI operations is reached.",
            windows.next_day_start,
        ),
        (
            operations > 0
            and account.monthly_operations + reserved_ops + operations
            > account.monthly_operations_limit,
            "monthly_operation_limit",
            f"This month's limit of {account.monthly_operations_limit} AI operations is reached.",
            windows.next_month_start,
        ),
    )
    for exceeded, code, message, resets_at in checks:
        if exceeded:
            raise LimitExceeded(
                f"{message} It resets at {resets_at:%Y-%m-%d %H:%M} UTC.",
                code=code,
                retry_after=(resets_at - now).total_seconds(),
                extra={"resets_at": resets_at.isoformat()},
            )


def _validate_amount(amount: Any, name: str) -> Decimal:
    if isinstance(amount, bool) or not isinstance(amount, (Decimal, int)):
        raise ValueError(f"{name} must be a Decimal, got {type(amount).__name__}")
    amount = Decimal(amount)
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{name} cannot be negative")
    return amount


def _validate_count(count: Any, name: str) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {count!r}")
    return count


def account_get_or_create(*, user_id: uuid.UUID) -> UsageAccount:
    account, _ = UsageAccount.objects.get_or_create(user_id=user_id)
    return account
