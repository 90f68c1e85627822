"""Abuse detection (spec ``security.abuse_thresholds``). Every function here runs inside the
caller's transaction with the account row locked, changes the account in memory (the caller
saves it) and records each decision as a ``UsageEvent``.

- Bursts: more than ``rapid_requests`` story requests admitted within
  ``rapid_requests_window_seconds`` → the request is throttled (429 ``rapid_requests``), with
  at most one warning per window.
- Cost spikes: today's spend above ``cost_spike_multiplier`` x the family's trailing median
  day, and above ``cost_spike_floor_usd`` → a warning, once a day.
- Content safety: ``safety_rejections_per_day`` stories rejected as unsafe within 24 h →
  a warning, once a day.
- ``warnings_before_block`` warnings, each within ``warning_window_hours`` of the previous
  one → the account is blocked with a reason, until ops unblock it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.db import connection

from mira import prepared
from mira.errors import ApplicationError

from .config import AbuseThresholds
from .errors import AccountBlocked, BurstThrottled
from .models import EventKind, ReservationKind, UsageAccount, UsageEvent, UsageReservation

logger = logging.getLogger(__name__)

SAFETY_FAILURE_CODES = frozenset({"unsafe_input", "unsafe_story"})


def event_record(
    account: UsageAccount,
    kind: str,
    detail: str,
    *,
    data: dict | None = None,
    story_id: uuid.UUID | None = None,
    actor=None,
) -> UsageEvent:
    event = UsageEvent.objects.create(
        account=account, kind=kind, detail=detail, data=data or {}, story_id=story_id, actor=actor
    )
    logger.info(
        "usage event",
        extra={"user_id": str(account.user_id), "event": kind, "actor": getattr(actor, "pk", None)},
    )
    return event


def blocked_error(account: UsageAccount) -> AccountBlocked:
    return AccountBlocked(
        f"This account is blocked: {account.block_reason or 'contact support'}",
        extra={"reason": account.block_reason},
    )


def warning_issue(
    account: UsageAccount, *, now: datetime, reason: str, thresholds: AbuseThresholds
) -> None:
    """One more warning; enough of them close together block the account."""
    window = timedelta(hours=thresholds.warning_window_hours)
    if account.last_warning_date is None or now - account.last_warning_date > window:
        account.warning_count = 0  # a quiet spell wipes the slate
    account.warning_count += 1
    account.last_warning_date = now
    event_record(
        account,
        EventKind.WARNING,
        reason,
        data={"warning_count": account.warning_count, "limit": thresholds.warnings_before_block},
    )
    if account.warning_count >= thresholds.warnings_before_block and not account.is_blocked:
        account.is_blocked = True
        account.block_reason = (
            f"Blocked automatically after {account.warning_count} warnings within "
            f"{thresholds.warning_window_hours} h; the last: {reason}"
        )
        event_record(
            account,
            EventKind.AUTO_BLOCKED,
            account.block_reason,
            data={"warning_count": account.warning_count},
        )
        logger.warning("account blocked automatically", extra={"user_id": str(account.user_id)})


def _recent_story_requests(
    account: UsageAccount, *, now: datetime, thresholds: AbuseThresholds
) -> list[datetime]:
    window = timedelta(seconds=thresholds.rapid_requests_window_seconds)
    return list(
        UsageReservation.objects.filter(
            account=account, kind=ReservationKind.STORY, created_at__gt=now - window
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)[: thresholds.rapid_requests]
    )


def burst_reached(account: UsageAccount, *, now: datetime, thresholds: AbuseThresholds) -> bool:
    """Would one more story request make a burst? A read: nothing is recorded."""
    if not thresholds.abuse_detection:
        return False
    return _recent_count(account.pk, now=now, thresholds=thresholds) >= thresholds.rapid_requests


# The family's story holds admitted within the burst window (the record of its story
# requests), counted up to ``rapid_requests`` (LIMIT 0 with abuse detection off: no count).
# Parameters: account id, window start, limit. The index on (account, kind, state,
# created_at) serves it.
RECENT_STORY_REQUESTS_SQL = (
    "(SELECT count(*) FROM (SELECT 1 FROM usage_usagereservation WHERE account_id = %s"
    " AND kind = 'story' AND created_at > %s LIMIT %s) AS recent)"
)
_STATE_SQL = (
    "SELECT is_blocked, "  # noqa: S608 (constants only)
    + RECENT_STORY_REQUESTS_SQL
    + " FROM user_usage_tracking WHERE user_id = %s"
)


def uuid_param(value: uuid.UUID) -> object:
    """A UUID as the database stores it (PostgreSQL's uuid; text elsewhere), for raw SQL."""
    return UsageReservation._meta.pk.get_db_prep_value(value, connection)


def recent_story_requests_params(account_id, *, now: datetime, thresholds: AbuseThresholds) -> list:
    """The parameters of ``RECENT_STORY_REQUESTS_SQL``."""
    window = timedelta(seconds=thresholds.rapid_requests_window_seconds)
    return [
        uuid_param(account_id),
        connection.ops.adapt_datetimefield_value(now - window),
        thresholds.rapid_requests if thresholds.abuse_detection else 0,
    ]


def _recent_count(account_id, *, now: datetime, thresholds: AbuseThresholds) -> int:
    params = recent_story_requests_params(account_id, now=now, thresholds=thresholds)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + RECENT_STORY_REQUESTS_SQL, params)
        return cursor.fetchone()[0]


def story_request_state(
    user_id: uuid.UUID, *, now: datetime, thresholds: AbuseThresholds
) -> tuple[bool, bool] | None:
    """``(blocked, burst_reached)`` for the family's next story request in one unlocked read,
    or None when the family has no usage account yet (so no story and no burst)."""
    params = recent_story_requests_params(user_id, now=now, thresholds=thresholds)
    with connection.cursor() as cursor:  # a prepared statement (mira.prepared)
        prepared.execute(cursor, [(_STATE_SQL, [*params, uuid_param(user_id)])])
        row = cursor.fetchone()
    if row is None:
        return None
    return bool(row[0]), thresholds.abuse_detection and row[1] >= thresholds.rapid_requests


def burst_check(
    account: UsageAccount, *, now: datetime, thresholds: AbuseThresholds
) -> ApplicationError | None:
    """The refusal for a story request that would make a burst, or None. Story holds are the
    record of admitted story requests, so nothing else is stored per request."""
    if not burst_reached(account, now=now, thresholds=thresholds):
        return None
    window = timedelta(seconds=thresholds.rapid_requests_window_seconds)
    recent = _recent_story_requests(account, now=now, thresholds=thresholds)
    # One more fits once the oldest of the last ``rapid_requests`` leaves the window.
    retry_after = max(1.0, (recent[-1] + window - now).total_seconds())
    already_warned = account.last_warning_date is not None and (
        now - account.last_warning_date < window
    )
    if not already_warned:
        event_record(
            account,
            EventKind.BURST_THROTTLED,
            f"More than {thresholds.rapid_requests} story requests within "
            f"{thresholds.rapid_requests_window_seconds} s.",
            data={"admitted_in_window": len(recent), "retry_after": round(retry_after)},
        )
        warning_issue(
            account,
            now=now,
            reason=f"more than {thresholds.rapid_requests} story requests within "
            f"{thresholds.rapid_requests_window_seconds} s",
            thresholds=thresholds,
        )
    if account.is_blocked:
        return blocked_error(account)
    return BurstThrottled(
        f"That is a lot of stories at once: at most {thresholds.rapid_requests} every "
        f"{thresholds.rapid_requests_window_seconds} seconds. Please wait a moment.",
        retry_after=retry_after,
        extra={"warning_count": account.warning_count},
    )


def cost_spike_check(account: UsageAccount, *, now: datetime, thresholds: AbuseThresholds) -> None:
    if not (thresholds.abuse_detection and thresholds.cost_spike_detection):
        return
    if account.cost_spike_flagged_on == account.daily_reset_date:
        return  # once a day is enough
    median = account.trailing_median_daily_cost
    threshold = max(thresholds.cost_spike_floor_usd, thresholds.cost_spike_multiplier * median)
    if account.daily_cost_usd <= threshold:
        return
    account.cost_spike_flagged_on = account.daily_reset_date
    detail = (
        f"Spend today ${account.daily_cost_usd} is above {thresholds.cost_spike_multiplier}x "
        f"the family's median day (${median}) and the ${thresholds.cost_spike_floor_usd} floor."
    )
    event_record(
        account,
        EventKind.COST_SPIKE,
        detail,
        data={
            "daily_cost_usd": str(account.daily_cost_usd),
            "trailing_median": str(median),
            "threshold": str(threshold),
        },
    )
    warning_issue(account, now=now, reason="a cost spike", thresholds=thresholds)


def safety_rejection_record(
    account: UsageAccount,
    *,
    story_id: uuid.UUID,
    code: str,
    now: datetime,
    thresholds: AbuseThresholds,
) -> None:
    if UsageEvent.objects.filter(
        account=account, kind=EventKind.SAFETY_REJECTION, story_id=story_id
    ).exists():
        return  # the same story reported twice (a retried worker) counts once
    event_record(
        account,
        EventKind.SAFETY_REJECTION,
        f"A story was rejected by the safety check ({code}).",
        data={"code": code},
        story_id=story_id,
    )
    if not thresholds.abuse_detection:
        return
    day_ago = now - timedelta(hours=24)
    rejections = UsageEvent.objects.filter(
        account=account, kind=EventKind.SAFETY_REJECTION, created_at__gt=day_ago
    ).count()
    if rejections == thresholds.safety_rejections_per_day:
        warning_issue(
            account,
            now=now,
            reason=f"{rejections} stories rejected by the safety check within 24 h",
            thresholds=thresholds,
        )
