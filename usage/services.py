"""Budget reservations, story holds and ops actions on usage accounts.

Reserve, then settle: before an AI call the gateway reserves its worst-case cost and one
operation (``budget_reserve``); after it, ``budget_settle`` replaces the hold with the actual
cost, or ``budget_release`` gives it back. Before a story starts, ``story_admit`` holds the
story's estimated total; the story's calls draw from that hold instead of reserving again, so
the same money is never counted twice, and ``story_hold_close`` gives back what the story did
not use when it ends.

Every change to an account happens under that account's row lock, taken first; reservation
rows are locked after it, so two flows cannot deadlock. On PostgreSQL the lock is
``SELECT ... FOR UPDATE``; on SQLite every transaction is IMMEDIATE (see settings), which
serialises writers.
"""

from __future__ import annotations

import logging
import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from mira.config_file import config_document
from remoteconfig.selectors import config_flag

from . import abuse
from .config import (
    STORY_LENGTHS,
    TIERS,
    abuse_thresholds,
    tier_get,
    tier_limits,
    usage_limits_override,
    usage_settings,
)
from .errors import LimitExceeded, TierRestricted
from .estimates import story_estimate
from .models import (
    EventKind,
    ReservationKind,
    ReservationState,
    UsageAccount,
    UsageDay,
    UsageReservation,
)
from .windows import Windows, current_windows

logger = logging.getLogger(__name__)

SUM_PLACES = Decimal("0.0001")
COST_PLACES = Decimal("0.000001")
ZERO = Decimal(0)
NO_SYNC: Any = object()


@dataclass(frozen=True)
class Reservation:
    id: uuid.UUID
    user_id: uuid.UUID
    amount_usd: Decimal
    operations: int


@dataclass(frozen=True)
class StoryHold:
    id: uuid.UUID
    story_id: uuid.UUID
    amount_usd: Decimal
    operations: int
    breakdown: dict[str, str]


def _call_timeout() -> timedelta:
    return timedelta(seconds=getattr(settings, "MIRA_USAGE_CALL_RESERVATION_TIMEOUT", 900))


def _hold_timeout() -> timedelta:
    return timedelta(seconds=getattr(settings, "MIRA_USAGE_STORY_HOLD_TIMEOUT", 7200))


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
    second wait until the first commits and then read the new totals. A conditional
    ``UPDATE ... WHERE spent + reserved + x <= limit`` would close the same race in one
    statement, but rollover, story-hold draws and four limits with their own refusal codes
    need the row in hand; one lock per account keeps that readable and is cheap (see
    ``bench/bench_usage.py``).

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


def _known_operations() -> frozenset[str]:
    return frozenset((config_document().get("operations") or {}).keys())


def account_get_or_create(*, user_id: uuid.UUID) -> UsageAccount:
    account, _ = UsageAccount.objects.get_or_create(user_id=user_id)
    return account


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
) -> Reservation:
    """Hold ``amount_usd`` and ``operations`` against the user's limits, or raise
    ``LimitExceeded`` / ``AccountBlocked`` / ``TierRestricted``. Draws first from the story
    hold (``story_id``'s, else the family's oldest open one)."""
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
            hold=hold,
            drawn_usd=drawn_usd,
            drawn_operations=drawn_ops,
            expires_at=now + _call_timeout(),
        )
    return Reservation(id=row.id, user_id=user_id, amount_usd=amount_usd, operations=operations)


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
    reservation_id: uuid.UUID, *, state: str, actual_usd: Decimal | None, operations: int
) -> None:
    user_id = UsageReservation.objects.values_list("account_id", flat=True).get(pk=reservation_id)
    now = timezone.now()
    with transaction.atomic():
        account = _lock_account(user_id, now)
        row = UsageReservation.objects.select_for_update().get(pk=reservation_id)
        spent = actual_usd.quantize(SUM_PLACES) if actual_usd is not None else None
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
        reservation.id,
        state=ReservationState.SETTLED,
        actual_usd=actual_usd,
        operations=reservation.operations if operations is None else operations,
    )


def budget_release(*, reservation: Reservation) -> None:
    """Give back a reservation whose call failed without cost."""
    _close_call(reservation.id, state=ReservationState.RELEASED, actual_usd=None, operations=0)


# --- story-level holds (the stories app) -------------------------------------------------------


def story_admit(
    *,
    user_id: uuid.UUID,
    story_id: uuid.UUID,
    story_length: str,
    input_kind: str,
    premium_voice: bool = False,
) -> StoryHold:
    """Admit a story request: not blocked, not a burst, within the tier's restrictions, and
    its estimated total fits the limits; then hold that estimate until the story ends.

    Raises ``AccountBlocked`` (403), ``BurstThrottled`` (429), ``TierRestricted`` (403) or
    ``LimitExceeded`` (429). Burst warnings and automatic blocks are committed before the
    refusal is raised. Admitting the same story twice returns the first hold.
    """
    if story_length not in STORY_LENGTHS:
        raise ValueError(f"story_length must be one of {', '.join(STORY_LENGTHS)}")
    now = timezone.now()
    thresholds = abuse_thresholds()
    override = usage_limits_override()
    expensive_off = config_flag("disable_expensive_features", False)
    refusal = None
    with transaction.atomic():
        account = _lock_account(user_id, now, limits_override=override)
        existing = UsageReservation.objects.filter(
            kind=ReservationKind.STORY, story_id=story_id
        ).first()
        if existing is not None:
            return _story_hold(existing)
        if account.is_blocked:
            raise abuse.blocked_error(account)
        refusal = abuse.burst_check(account, now=now, thresholds=thresholds)
        if refusal is not None:
            account.save()  # the warning (and maybe the block) must outlive the refusal
        else:
            tier = tier_get(account.current_tier)
            if not tier.allows_length(story_length):
                raise TierRestricted(
                    f"{story_length.capitalize()} stories are not part of the {tier.name} "
                    f"plan; it includes stories up to {tier.max_story_length}.",
                    extra={"restriction": "max_story_length", "allowed": tier.max_story_length},
                )
            if premium_voice and not tier.premium_voices:
                raise TierRestricted(
                    f"Premium voices are not part of the {tier.name} plan.",
                    extra={"restriction": "premium_voices"},
                )
            paid_cover = tier.image_generation_enabled and not expensive_off
            estimate = story_estimate(
                story_length=story_length, input_kind=input_kind, paid_cover=paid_cover
            )
            _check_limits(account, estimate.cost_usd, estimate.operations, now)
            account.reserved_cost_usd += estimate.cost_usd
            account.reserved_operations += estimate.operations
            account.open_story_holds += 1
            account.save()
            hold = UsageReservation.objects.create(
                account=account,
                kind=ReservationKind.STORY,
                story_id=story_id,
                amount_usd=estimate.cost_usd,
                operations=estimate.operations,
                remaining_usd=estimate.cost_usd,
                remaining_operations=estimate.operations,
                purpose=f"story:{story_length}",
                expires_at=now + _hold_timeout(),
            )
            logger.info(
                "story admitted",
                extra={
                    "story_id": str(story_id),
                    "estimate_usd": str(estimate.cost_usd),
                    "operations": estimate.operations,
                },
            )
            return StoryHold(
                id=hold.id,
                story_id=story_id,
                amount_usd=estimate.cost_usd,
                operations=estimate.operations,
                breakdown=estimate.breakdown,
            )
    raise refusal


def _story_hold(row: UsageReservation) -> StoryHold:
    return StoryHold(
        id=row.id,
        story_id=row.story_id,
        amount_usd=row.amount_usd,
        operations=row.operations,
        breakdown={},
    )


def _close_hold(account: UsageAccount, hold: UsageReservation, *, state: str, now) -> None:
    account.reserved_cost_usd = max(ZERO, account.reserved_cost_usd - hold.remaining_usd)
    account.reserved_operations = max(0, account.reserved_operations - hold.remaining_operations)
    account.open_story_holds = max(0, account.open_story_holds - 1)
    used = hold.draws.filter(state=ReservationState.SETTLED).aggregate(
        cost=Sum("settled_usd"), ops=Sum("settled_operations")
    )
    hold.state = state
    hold.settled_usd = used["cost"] or ZERO
    hold.settled_operations = used["ops"] or 0
    hold.remaining_usd = ZERO
    hold.remaining_operations = 0
    hold.closed_at = now
    hold.save()


def story_hold_close(*, story_id: uuid.UUID, user_id: uuid.UUID, outcome: str = "ready") -> None:
    """The story ended (``outcome`` is ``ready`` or its failure code): give back what its hold
    did not use, and count a safety rejection towards abuse detection. Idempotent."""
    now = timezone.now()
    with transaction.atomic():
        account = _lock_account(user_id, now)
        hold = (
            UsageReservation.objects.select_for_update()
            .filter(kind=ReservationKind.STORY, story_id=story_id, account=account)
            .first()
        )
        if hold is not None and hold.state == ReservationState.OPEN:
            _close_hold(account, hold, state=ReservationState.SETTLED, now=now)
        if outcome in abuse.SAFETY_FAILURE_CODES:
            abuse.safety_rejection_record(
                account,
                story_id=story_id,
                code=outcome,
                now=now,
                thresholds=usage_settings().abuse,
            )
        account.save()


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
