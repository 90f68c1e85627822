"""Budget reservations: reserve the worst case before a call, settle the actual cost after.

Every change to an account happens under that account's row lock (``SELECT ... FOR UPDATE``
on PostgreSQL; SQLite transactions here are IMMEDIATE, which serialises writers), so
concurrent calls are checked against spent + reserved and cannot overshoot a limit together.
Locks are always taken account first, then reservation, so two flows cannot deadlock.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .errors import AccountBlocked, LimitExceeded
from .models import ReservationState, UsageAccount, UsageReservation
from .windows import Windows, current_windows

logger = logging.getLogger(__name__)

SUM_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Reservation:
    id: uuid.UUID
    user_id: uuid.UUID
    amount_usd: Decimal
    operations: int


def account_get_or_create(*, user_id: uuid.UUID) -> UsageAccount:
    account, _ = UsageAccount.objects.get_or_create(user_id=user_id)
    return account


def _roll_windows(account: UsageAccount, windows: Windows) -> None:
    """Reset counters whose window has passed. Caller holds the row lock."""
    if account.daily_reset_date != windows.day:
        account.daily_cost_usd = Decimal(0)
        account.daily_operations = 0
        account.daily_reset_date = windows.day
    if account.monthly_reset_date != windows.month:
        account.monthly_cost_usd = Decimal(0)
        account.monthly_operations = 0
        account.monthly_reset_date = windows.month


def _lock_account(user_id: uuid.UUID) -> UsageAccount:
    """The account row, locked for this transaction, with its windows rolled over."""
    # get_or_create first (outside the lock) so the row exists to be locked; the unique
    # primary key makes a concurrent create fail over to a get.
    UsageAccount.objects.get_or_create(user_id=user_id)
    account = UsageAccount.objects.select_for_update().get(user_id=user_id)
    _roll_windows(account, current_windows())
    return account


def _check_limits(
    account: UsageAccount, amount: Decimal, operations: int, windows: Windows
) -> None:
    now = timezone.now()
    if account.is_blocked:
        raise AccountBlocked(
            f"This account is blocked: {account.block_reason or 'contact support'}",
            extra={"reason": account.block_reason},
        )
    reserved = account.reserved_cost_usd
    checks = (
        (
            account.daily_cost_usd + reserved + amount > account.daily_cost_limit,
            "daily_cost_limit",
            f"Today's AI budget of ${account.daily_cost_limit} is used up.",
            windows.next_day_start,
        ),
        (
            account.monthly_cost_usd + reserved + amount > account.monthly_cost_limit,
            "monthly_cost_limit",
            f"This month's AI budget of ${account.monthly_cost_limit} is used up.",
            windows.next_month_start,
        ),
        (
            account.daily_operations + account.reserved_operations + operations
            > account.daily_operations_limit,
            "daily_operation_limit",
            f"Today's limit of {account.daily_operations_limit} AI operations is reached.",
            windows.next_day_start,
        ),
        (
            account.monthly_operations + account.reserved_operations + operations
            > account.monthly_operations_limit,
            "monthly_operation_limit",
            f"This month's limit of {account.monthly_operations_limit} AI operations is reached.",
            windows.next_month_start,
        ),
    )
    for exceeded, code, message, resets_at in checks:
        if exceeded:
            raise LimitExceeded(
                message,
                code=code,
                retry_after=(resets_at - now).total_seconds(),
                extra={"resets_at": resets_at.isoformat()},
            )


def budget_reserve(
    *, user_id: uuid.UUID, amount_usd: Decimal, operations: int = 1, purpose: str = ""
) -> Reservation:
    """Hold ``amount_usd`` and ``operations`` against the user's limits, or raise
    ``LimitExceeded`` / ``AccountBlocked``."""
    if amount_usd < 0 or operations < 0:
        raise ValueError("a reservation cannot be negative")
    windows = current_windows()
    with transaction.atomic():
        account = _lock_account(user_id)
        _check_limits(account, amount_usd, operations, windows)
        account.reserved_cost_usd += amount_usd
        account.reserved_operations += operations
        account.save()
        row = UsageReservation.objects.create(
            account=account, amount_usd=amount_usd, operations=operations, purpose=purpose
        )
    return Reservation(id=row.id, user_id=user_id, amount_usd=amount_usd, operations=operations)


def _close(
    reservation_id: uuid.UUID, *, state: str, actual_usd: Decimal | None, operations: int
) -> None:
    user_id = UsageReservation.objects.values_list("account_id", flat=True).get(pk=reservation_id)
    with transaction.atomic():
        account = _lock_account(user_id)
        row = UsageReservation.objects.select_for_update().get(pk=reservation_id)
        if row.state != ReservationState.OPEN:
            return  # already settled, released or reclaimed: closing twice must not count twice
        account.reserved_cost_usd = max(Decimal(0), account.reserved_cost_usd - row.amount_usd)
        account.reserved_operations = max(0, account.reserved_operations - row.operations)
        now = timezone.now()
        if actual_usd is not None:
            spent = actual_usd.quantize(SUM_PLACES)
            account.daily_cost_usd += spent
            account.monthly_cost_usd += spent
            account.total_lifetime_cost += spent
            account.daily_operations += operations
            account.monthly_operations += operations
            account.total_lifetime_operations += operations
            account.first_operation_date = account.first_operation_date or now
            account.last_operation_date = now
        account.save()
        row.state = state
        row.settled_usd = actual_usd
        row.closed_at = now
        row.save(update_fields=["state", "settled_usd", "closed_at"])


def budget_settle(
    *, reservation: Reservation, actual_usd: Decimal, operations: int | None = None
) -> None:
    """Replace the held worst case with what the call really cost."""
    if actual_usd < 0:
        raise ValueError("a cost cannot be negative")
    _close(
        reservation.id,
        state=ReservationState.SETTLED,
        actual_usd=actual_usd,
        operations=reservation.operations if operations is None else operations,
    )


def budget_release(*, reservation: Reservation) -> None:
    """Give back a reservation whose call failed without cost."""
    _close(reservation.id, state=ReservationState.RELEASED, actual_usd=None, operations=0)
