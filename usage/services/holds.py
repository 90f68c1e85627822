"""Story-level holds (the stories app): admission, and closing a story's hold when it ends."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from mira import prepared
from mira.errors import ApplicationError
from mira.inserts import insert_new, sends_together
from mira.vocabulary import STORY_LENGTHS
from remoteconfig.selectors import config_flag

from .. import abuse
from ..config import (
    abuse_thresholds,
    tier_get,
    usage_limits_override,
    usage_settings,
)
from ..errors import TierRestricted
from ..estimates import story_estimate
from ..models import ReservationKind, ReservationState, UsageAccount, UsageReservation
from ..windows import current_windows
from .accounts import ZERO, _check_limits, _lock_account, _roll_windows, _sync_limits

# The name the module had before it became a package, so log records keep their logger name.
logger = logging.getLogger("usage.services")


@dataclass(frozen=True)
class StoryHold:
    id: uuid.UUID
    story_id: uuid.UUID
    amount_usd: Decimal
    operations: int
    breakdown: dict[str, str]


def _hold_timeout() -> timedelta:
    return timedelta(seconds=getattr(settings, "MIRA_USAGE_STORY_HOLD_TIMEOUT", 7200))


# --- story-level holds (the stories app) -------------------------------------------------------


def story_request_check(*, user_id: uuid.UUID, is_replay: Callable[[], bool] | None = None) -> None:
    """The API's story-creation throttle, before the request body is read: admission's first
    checks (blocked, burst) on the same counter and threshold as ``story_admit`` (story holds;
    ``rapid_requests`` or ops' ``rate_limits.story_requests_per_minute``), so there is one
    story-request throttle. The common case is one unlocked read; only a refusal takes the
    account lock, to record the burst warning exactly as admission does. ``story_admit``
    still checks again under the lock, which is what closes the race between two requests.

    ``is_replay`` is asked only when the request would be refused: a request that replays an
    earlier one (same ``Idempotency-Key``) makes nothing new, so it is let through and
    nothing is recorded.

    Raises ``AccountBlocked`` (403) or ``BurstThrottled`` (429, ``Retry-After``)."""
    now = timezone.now()
    thresholds = abuse_thresholds()
    state = abuse.story_request_state(user_id, now=now, thresholds=thresholds)
    if state is None:
        return  # no story yet, so no burst
    blocked, burst = state
    if not (blocked or burst) or (is_replay is not None and is_replay()):
        return
    if blocked:
        raise abuse.blocked_error(UsageAccount.objects.get(user_id=user_id))
    with transaction.atomic():
        account = _lock_account(user_id, now)
        refusal = abuse.burst_check(account, now=now, thresholds=thresholds)
        if refusal is not None:
            account.save()  # the warning (and maybe the block) must outlive the refusal
    if refusal is not None:
        raise refusal


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
    with transaction.atomic():
        hold, refusal = story_admit_in_transaction(
            user_id=user_id,
            story_id=story_id,
            story_length=story_length,
            input_kind=input_kind,
            premium_voice=premium_voice,
        )
    if refusal is not None:
        raise refusal
    return hold


def story_admit_in_transaction(
    *,
    user_id: uuid.UUID,
    story_id: uuid.UUID,
    story_length: str,
    input_kind: str,
    premium_voice: bool = False,
) -> tuple[StoryHold | None, ApplicationError | None]:
    """``story_admit`` inside the caller's open transaction, so the hold commits or rolls
    back together with the caller's rows (the story row: no hold without its story).

    Returns ``(hold, None)``, or ``(None, refusal)`` for a burst refusal whose record (the
    warning, maybe an automatic block) is already in the transaction: the caller commits,
    then raises ``refusal``. The other refusals are raised here and need a rollback.

    Statements: the account row lock, one read of the story's hold and the family's recent
    story requests, then the account update and the hold insert (one round trip on
    PostgreSQL)."""
    if story_length not in STORY_LENGTHS:
        raise ValueError(f"story_length must be one of {', '.join(STORY_LENGTHS)}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("story_admit_in_transaction needs an open transaction")
    now = timezone.now()
    thresholds = abuse_thresholds()
    override = usage_limits_override()
    expensive_off = config_flag("disable_expensive_features", False)
    account, only_reserve, hold_and_recent = _lock_account_for_admission(
        user_id, now, override, story_id=story_id, thresholds=thresholds
    )
    # After the lock, so it sees every hold committed before us: the burst count is exact.
    existing_id, recent = hold_and_recent or _hold_and_recent(
        user_id, story_id, now=now, thresholds=thresholds
    )
    if existing_id is not None:
        return _story_hold(UsageReservation.objects.get(pk=existing_id)), None
    if account.is_blocked:
        raise abuse.blocked_error(account)
    if thresholds.abuse_detection and recent >= thresholds.rapid_requests:
        refusal = abuse.burst_check(account, now=now, thresholds=thresholds)
        if refusal is not None:
            account.save()  # the warning (and maybe the block) must outlive the refusal
            return None, refusal
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
    reserve = None
    if only_reserve:
        reserve = _reserved_update(account, now)  # sent with the hold's insert
    else:
        account.save()
    hold = UsageReservation(
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
    # hold.save(force_insert=True), SQL prepared once, in one round trip with the update
    insert_new(hold, preceded_by=reserve)
    logger.info(
        "story admitted",
        extra={
            "story_id": str(story_id),
            "estimate_usd": str(estimate.cost_usd),
            "operations": estimate.operations,
        },
    )
    hold = StoryHold(
        id=hold.id,
        story_id=story_id,
        amount_usd=estimate.cost_usd,
        operations=estimate.operations,
        breakdown=estimate.breakdown,
    )
    return hold, None


_ACCOUNT_COLUMNS = ", ".join(f.column for f in UsageAccount._meta.concrete_fields)
_LOCK_SQL = f"SELECT {_ACCOUNT_COLUMNS} FROM user_usage_tracking WHERE user_id = %s FOR UPDATE"  # noqa: S608 (the model's own columns)
_RESERVE_SQL = (
    "UPDATE user_usage_tracking SET reserved_cost_usd = %s, reserved_operations = %s,"
    " open_story_holds = %s, updated_at = %s WHERE user_id = %s"
)
# What the window rollover and the limits sync may change.
_ROLLED_AND_SYNCED = (
    "daily_cost_usd",
    "daily_operations",
    "daily_reset_date",
    "monthly_cost_usd",
    "monthly_operations",
    "monthly_reset_date",
    "trailing_median_daily_cost",
    "daily_cost_limit",
    "monthly_cost_limit",
    "daily_operations_limit",
    "monthly_operations_limit",
)


def _lock_account_for_admission(
    user_id, now, override, *, story_id, thresholds
) -> tuple[UsageAccount, bool, tuple[uuid.UUID | None, int] | None]:
    """``_lock_account`` for admission, whether the rollover and limits sync left the row
    as it was (the common case), so that only the reservation columns need writing, and
    ``_hold_and_recent`` read just after the lock (None: not read).

    On PostgreSQL the row is locked with one plain statement built once from the model's
    columns (the ORM's SELECT costs more to build than to run), and the instance made from
    it as the ORM would (PostgreSQL needs no value converters for these fields). The hold and
    burst read goes in the same round trip as a second statement: it runs once the lock is
    held and, in READ COMMITTED, with a snapshot of its own taken then, so it sees every hold
    committed before the lock was granted, as a separate round trip would. A missing account,
    and other databases, take ``_lock_account``."""
    if connection.vendor != "postgresql":
        return _lock_account(user_id, now, limits_override=override), False, None
    together = sends_together(connection)
    with connection.cursor() as cursor:
        if together:  # as prepared statements (mira.prepared), where enabled
            params = _hold_and_recent_params(user_id, story_id, now=now, thresholds=thresholds)
            prepared.execute(cursor, [(_LOCK_SQL, [user_id]), (_HOLD_AND_RECENT_SQL, params)])
        else:
            cursor.execute(_LOCK_SQL, [user_id])
        row = cursor.fetchone()
        hold_and_recent = None
        if together and cursor.nextset():
            existing_id, count = cursor.fetchone()
            if existing_id is not None:
                existing_id = UsageReservation._meta.pk.to_python(existing_id)
            hold_and_recent = (existing_id, count)
    if row is None:  # the lock took nothing: the read after it does not count
        return _lock_account(user_id, now, limits_override=override), False, None
    account = UsageAccount.from_db(connection.alias, None, row)
    before = [getattr(account, name) for name in _ROLLED_AND_SYNCED]
    _roll_windows(account, current_windows(now))
    _sync_limits(account, override)
    unchanged = before == [getattr(account, name) for name in _ROLLED_AND_SYNCED]
    return account, unchanged, hold_and_recent


def _reserved_update(account: UsageAccount, now) -> tuple[str, list]:
    """The statement writing what admission changed on a row that the rollover and sync left
    as it was."""
    account.updated_at = now
    return (
        _RESERVE_SQL,
        [
            account.reserved_cost_usd,
            account.reserved_operations,
            account.open_story_holds,
            now,
            account.user_id,
        ],
    )


_HOLD_AND_RECENT_SQL = (
    "SELECT (SELECT id FROM usage_usagereservation WHERE kind = 'story' AND story_id = %s), "  # noqa: S608 (constants only)
    + abuse.RECENT_STORY_REQUESTS_SQL
)


def _hold_and_recent_params(user_id, story_id, *, now, thresholds) -> list:
    params = abuse.recent_story_requests_params(user_id, now=now, thresholds=thresholds)
    return [abuse.uuid_param(story_id), *params]


def _hold_and_recent(user_id, story_id, *, now, thresholds) -> tuple[uuid.UUID | None, int]:
    """The id of ``story_id``'s hold if it has one, and the family's story requests within
    the burst window (0 with abuse detection off), in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            _HOLD_AND_RECENT_SQL,
            _hold_and_recent_params(user_id, story_id, now=now, thresholds=thresholds),
        )
        existing_id, count = cursor.fetchone()
    if existing_id is None:
        return None, count
    return UsageReservation._meta.pk.to_python(existing_id), count


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


def _abandon_story_calls(account: UsageAccount, story_id: uuid.UUID, now) -> int:
    """Expire the story's call reservations still open: their worker died between reserve and
    settle (the story is being ended or re-run by someone else), so no one will settle them."""
    from .reservations import _give_back_call

    count = 0
    calls = UsageReservation.objects.select_for_update().filter(
        account=account,
        kind=ReservationKind.CALL,
        story_id=story_id,
        state=ReservationState.OPEN,
    )
    for row in calls:
        _give_back_call(account, row, ZERO, 0)
        row.state, row.closed_at = ReservationState.EXPIRED, now
        row.save(update_fields=["state", "closed_at"])
        count += 1
    return count


def story_calls_abandon(*, story_id: uuid.UUID, user_id: uuid.UUID) -> int:
    """A story's worker vanished and the story runs again: give back the calls it left open
    (a call that settles after all is still recorded once, see ``_close_call``)."""
    now = timezone.now()
    with transaction.atomic():
        account = _lock_account(user_id, now)
        count = _abandon_story_calls(account, story_id, now)
        account.save()
    if count:
        logger.warning(
            "abandoned call reservations released",
            extra={"story_id": str(story_id), "count": count},
        )
    return count


def story_hold_close(*, story_id: uuid.UUID, user_id: uuid.UUID, outcome: str = "ready") -> None:
    """The story ended (``outcome`` is ``ready`` or its failure code): expire calls its dead
    workers left open, give back what its hold did not use, and count a safety rejection
    towards abuse detection. Idempotent; the runner and the reaper both end stories here."""
    now = timezone.now()
    with transaction.atomic():
        account = _lock_account(user_id, now)
        _abandon_story_calls(account, story_id, now)
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
