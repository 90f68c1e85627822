"""Call-level reservations (the gateway), and reclaiming what crashed workers left behind."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mira.config_file import config_document

from .. import abuse
from ..config import tier_get, usage_limits_override, usage_settings
from ..errors import TierRestricted
from ..models import EventKind, ReservationKind, ReservationState, UsageAccount, UsageReservation
from .accounts import (
    SUM_PLACES,
    ZERO,
    _check_limits,
    _lock_account,
    _validate_amount,
    _validate_count,
)
from .holds import _close_hold

# The name the module had before it became a package, so log records keep their logger name.
logger = logging.getLogger("usage.services")


@dataclass(frozen=True)
class Reservation:
    id: uuid.UUID
    user_id: uuid.UUID
    amount_usd: Decimal
    operations: int


def _call_timeout() -> timedelta:
    return timedelta(seconds=getattr(settings, "MIRA_USAGE_CALL_RESERVATION_TIMEOUT", 900))


def _known_operations() -> frozenset[str]:
    return frozenset((config_document().get("operations") or {}).keys())


# --- call-level reservations (the gateway) -----------------------------------------------------


def _story_hold_for_call(account: UsageAccount, story_id: uuid.UUID | None):
    if not account.open_story_holds:
        return None
    holds = UsageReservation.objects.select_for_update().filter(
        account=account, kind=ReservationKind.STORY, state=ReservationState.OPEN
    )
    if story_id is not None:
        return holds.filter(story_id=story_id).first()
    # The gateway does not say which story a call is for; any open hold of the same family
    # is the same family's money, so the oldest one with something left pays.
    return holds.exclude(remaining_usd=0, remaining_operations=0).order_by("created_at").first()


def budget_reserve(
    *,
    user_id: uuid.UUID,
    amount_usd: Decimal,
    operations: int = 1,
    purpose: str = "",
    story_id: uuid.UUID | None = None,
    operation_key: str = "",
) -> Reservation:
    """Hold ``amount_usd`` and ``operations`` against the user's limits, or raise
    ``LimitExceeded`` / ``AccountBlocked`` / ``TierRestricted``. Draws first from the story
    hold (``story_id``'s, else the family's oldest open one).

    ``operation_key`` names the logical operation the call is part of: once one call with the
    key holds or has spent its operation, the others hold none (and settle none)."""
    amount_usd = _validate_amount(amount_usd, "amount_usd")
    operations = _validate_count(operations, "operations")
    override = usage_limits_override()
    known_operations = _known_operations()
    now = timezone.now()
    with transaction.atomic():
        account = _lock_account(user_id, now, limits_override=override)
        if account.is_blocked:
            raise abuse.blocked_error(account)
        tier = tier_get(account.current_tier)
        if purpose in known_operations and not tier.allows_operation(purpose):
            raise TierRestricted(
                f"{purpose.replace('_', ' ').capitalize()} is not part of the {tier.name} plan.",
                code="operation_not_allowed",
                extra={"restriction": "allowed_operations", "operation": purpose},
            )
        if (
            operation_key
            and operations
            and _operation_counted(account, operation_key, open_too=True)
        ):
            operations = 0
        hold = _story_hold_for_call(account, story_id)
        drawn_usd = min(amount_usd, hold.remaining_usd) if hold else ZERO
        drawn_ops = min(operations, hold.remaining_operations) if hold else 0
        _check_limits(account, amount_usd - drawn_usd, operations - drawn_ops, now)
        if hold is not None and (drawn_usd or drawn_ops):
            hold.remaining_usd -= drawn_usd
            hold.remaining_operations -= drawn_ops
            hold.save(update_fields=["remaining_usd", "remaining_operations"])
        else:
            hold = None
        account.reserved_cost_usd += amount_usd - drawn_usd
        account.reserved_operations += operations - drawn_ops
        account.save()
        row = UsageReservation.objects.create(
            account=account,
            kind=ReservationKind.CALL,
            amount_usd=amount_usd,
            operations=operations,
            purpose=purpose[:50],
            story_id=story_id,
            operation_key=operation_key[:150],
            hold=hold,
            drawn_usd=drawn_usd,
            drawn_operations=drawn_ops,
            expires_at=now + _call_timeout(),
        )
    return Reservation(id=row.id, user_id=user_id, amount_usd=amount_usd, operations=operations)


def _operation_counted(account: UsageAccount, key: str, *, open_too: bool) -> bool:
    """Has a call of logical operation ``key`` already spent (or, with ``open_too``, does one
    hold) its operation? Runs under the account lock, so calls of one family are serialised."""
    counted = Q(state=ReservationState.SETTLED, settled_operations__gt=0)
    if open_too:
        counted |= Q(state=ReservationState.OPEN, operations__gt=0)
    return (
        UsageReservation.objects.filter(
            account=account, kind=ReservationKind.CALL, operation_key=key[:150]
        )
        .filter(counted)
        .exists()
    )


def _record_spend(account: UsageAccount, spent: Decimal, operations: int, now: datetime) -> None:
    account.daily_cost_usd += spent
    account.monthly_cost_usd += spent
    account.total_lifetime_cost += spent
    account.daily_operations += operations
    account.monthly_operations += operations
    account.total_lifetime_operations += operations
    if operations or spent:
        account.first_operation_date = account.first_operation_date or now
        account.last_operation_date = now


def _give_back_call(
    account: UsageAccount, row: UsageReservation, used_usd: Decimal, used_ops: int
) -> None:
    """Remove an open call reservation from the account's reserved totals; what it drew from a
    story hold and did not use goes back to the hold while the story runs."""
    account.reserved_cost_usd = max(ZERO, account.reserved_cost_usd - row.amount_usd)
    account.reserved_operations = max(0, account.reserved_operations - row.operations)
    if row.hold_id is None or not (row.drawn_usd or row.drawn_operations):
        return
    hold = UsageReservation.objects.select_for_update().get(pk=row.hold_id)
    if hold.state != ReservationState.OPEN:
        return
    back_usd = max(ZERO, row.drawn_usd - used_usd)
    back_ops = max(0, row.drawn_operations - used_ops)
    hold.remaining_usd += back_usd
    hold.remaining_operations += back_ops
    hold.save(update_fields=["remaining_usd", "remaining_operations"])
    account.reserved_cost_usd += back_usd
    account.reserved_operations += back_ops


def _close_call(
    reservation: Reservation, *, state: str, actual_usd: Decimal | None, operations: int
) -> None:
    now = timezone.now()
    # ``savepoint=False``: inside the caller's transaction (the gateway writes its ledger row in
    # the same one) this joins it instead of adding a savepoint round trip; alone, it is one.
    with transaction.atomic(savepoint=False):
        account = _lock_account(reservation.user_id, now)
        row = UsageReservation.objects.select_for_update().get(pk=reservation.id)
        spent = actual_usd.quantize(SUM_PLACES) if actual_usd is not None else None
        if spent is not None and row.operation_key:
            # One logical operation counts once: the first of its calls to succeed counts it,
            # whichever of them held the operation (that one may have failed since).
            operations = 0 if _operation_counted(account, row.operation_key, open_too=False) else 1
        if row.state == ReservationState.OPEN:
            _give_back_call(
                account, row, actual_usd or ZERO, operations if spent is not None else 0
            )
        elif not (row.state == ReservationState.EXPIRED and spent is not None):
            return  # already settled or released: closing twice must not count twice
        # An expired reservation that settles after all: the reclaim job already gave its hold
        # back, but the money was really spent, so it is recorded now.
        if spent is not None:
            _record_spend(account, spent, operations, now)
            abuse.cost_spike_check(account, now=now, thresholds=usage_settings().abuse)
        account.save()
        row.state = state
        row.settled_usd = actual_usd
        row.settled_operations = operations if spent is not None else 0
        row.closed_at = now
        row.save(update_fields=["state", "settled_usd", "settled_operations", "closed_at"])


def budget_settle(
    *, reservation: Reservation, actual_usd: Decimal, operations: int | None = None
) -> None:
    """Replace the held worst case with what the call really cost."""
    actual_usd = _validate_amount(actual_usd, "actual_usd")
    if operations is not None:
        _validate_count(operations, "operations")
    _close_call(
        reservation,
        state=ReservationState.SETTLED,
        actual_usd=actual_usd,
        operations=reservation.operations if operations is None else operations,
    )


def budget_release(*, reservation: Reservation) -> None:
    """Give back a reservation whose call failed without cost."""
    _close_call(reservation, state=ReservationState.RELEASED, actual_usd=None, operations=0)


# --- reclaiming what crashed workers left behind ------------------------------------------------


def reservations_reclaim(*, now: datetime | None = None, batch: int = 500) -> int:
    """Expire open reservations past their time-out (a worker died between reserve and
    settle): call reservations give their hold back, story holds give back what is left.
    Returns how many were reclaimed. Safe to run concurrently with live traffic."""
    now = now or timezone.now()
    stale = list(
        UsageReservation.objects.filter(state=ReservationState.OPEN, expires_at__lt=now)
        .order_by("expires_at")
        .values_list("id", "account_id")[:batch]
    )
    by_account: dict[Any, list[uuid.UUID]] = defaultdict(list)
    for reservation_id, account_id in stale:
        by_account[account_id].append(reservation_id)
    reclaimed = 0
    for account_id, ids in by_account.items():
        with transaction.atomic():
            account = _lock_account(account_id, now)
            count, amount = 0, ZERO
            # Calls first: what they drew goes back to a hold that is still open.
            rows = UsageReservation.objects.select_for_update().filter(pk__in=ids).order_by("kind")
            for row in rows:
                if row.state != ReservationState.OPEN or row.expires_at >= now:
                    continue  # settled while we were looking
                if row.kind == ReservationKind.CALL:
                    _give_back_call(account, row, ZERO, 0)
                    amount += row.amount_usd
                    row.state, row.closed_at = ReservationState.EXPIRED, now
                    row.save(update_fields=["state", "closed_at"])
                else:
                    amount += row.remaining_usd
                    _close_hold(account, row, state=ReservationState.EXPIRED, now=now)
                count += 1
            if count:
                account.save()
                abuse.event_record(
                    account,
                    EventKind.RESERVATIONS_RECLAIMED,
                    f"{count} reservation(s) open past their time-out were reclaimed.",
                    data={"count": count, "amount_usd": str(amount)},
                )
            reclaimed += count
    if reclaimed:
        logger.warning("stale usage reservations reclaimed", extra={"count": reclaimed})
    return reclaimed
