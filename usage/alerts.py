"""Alerts from the spec's ``monitoring`` block, evaluated by a scheduled job.

Eight checks: today's total cost, a family above ``user_threshold_multiplier`` x its limit, a
vendor's spend this month, and per-vendor error rate, per-vendor p95 latency and
per-operation success rate over the last ``MIRA_ALERT_LOOKBACK_MINUTES`` (only once at least
``MIRA_ALERT_MIN_CALLS`` attempts were made, so two failures out of three do not page anyone),
and capacity: tasks waiting in the broker and the age of the oldest queued story.

An alert that fires is stored (``AlertEvent``) and sent by email (Django's email backend, to
``MIRA_ALERT_EMAILS``) and to ``MIRA_ALERT_WEBHOOK_URL`` if set. The same alert ``key`` is not
stored or sent again within ``MIRA_ALERT_DEDUP_MINUTES``; the decision is taken under a row
lock on ``AlertState`` so two evaluators running at once send it once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from . import selectors
from .config import usage_settings
from .models import AlertEvent, AlertKind, AlertState
from .windows import current_windows

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertCandidate:
    kind: str
    key: str  # what makes two alerts "the same" for de-duplication
    message: str
    value: str
    threshold: str
    data: dict[str, Any] = field(default_factory=dict)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def alert_candidates(*, now: datetime | None = None) -> list[AlertCandidate]:
    """Every threshold crossed right now, whether or not it was already sent."""
    now = now or timezone.now()
    limits = usage_settings().monitoring
    windows = current_windows(now)
    found: list[AlertCandidate] = []

    total = selectors.daily_total_cost(now=now)
    if total > limits.daily_threshold:
        found.append(
            AlertCandidate(
                AlertKind.DAILY_COST,
                f"daily_cost:{windows.day}",
                f"AI spend today is ${total}, above the ${limits.daily_threshold} alert.",
                str(total),
                str(limits.daily_threshold),
            )
        )

    multiplier = limits.user_threshold_multiplier
    for account in selectors.accounts_over_limit(multiplier=multiplier, now=now):
        found.append(
            AlertCandidate(
                AlertKind.USER_OVER_LIMIT,
                f"user_over_limit:{account.user_id}:{windows.day}",
                f"Family {account.user_id} spent ${account.daily_cost_usd} today "
                f"(limit ${account.daily_cost_limit}) and ${account.monthly_cost_usd} this month "
                f"(limit ${account.monthly_cost_limit}): above {multiplier}x a limit.",
                str(account.daily_cost_usd),
                str(account.daily_cost_limit * multiplier),
                {"user_id": str(account.user_id)},
            )
        )

    for vendor, spent in selectors.vendor_spend(since=windows.month_start).items():
        if spent > limits.vendor_budget_alert:
            found.append(
                AlertCandidate(
                    AlertKind.VENDOR_BUDGET,
                    f"vendor_budget:{vendor}:{windows.month}",
                    f"{vendor} spend this month is ${spent}, above the "
                    f"${limits.vendor_budget_alert} budget alert.",
                    str(spent),
                    str(limits.vendor_budget_alert),
                    {"vendor": vendor},
                )
            )

    since = now - timedelta(minutes=_setting("MIRA_ALERT_LOOKBACK_MINUTES", 15))
    min_calls = _setting("MIRA_ALERT_MIN_CALLS", 20)
    for stats in selectors.call_stats(since=since, by="vendor"):
        if stats.calls < min_calls:
            continue
        rate = Decimal(stats.failures) / Decimal(stats.calls)
        if rate > limits.error_rate_threshold:
            found.append(
                AlertCandidate(
                    AlertKind.ERROR_RATE,
                    f"error_rate:{stats.group}",
                    f"{stats.group}: {stats.failures} of {stats.calls} calls failed "
                    f"({rate:.1%}) in the last {(now - since).seconds // 60} minutes.",
                    f"{rate:.4f}",
                    str(limits.error_rate_threshold),
                    {"vendor": stats.group, "calls": stats.calls, "failures": stats.failures},
                )
            )
        if stats.p95_ms is not None and stats.p95_ms > limits.latency_threshold_ms:
            found.append(
                AlertCandidate(
                    AlertKind.LATENCY,
                    f"latency:{stats.group}",
                    f"{stats.group}: 95% of successful calls took up to {stats.p95_ms} ms, "
                    f"above {limits.latency_threshold_ms} ms.",
                    str(stats.p95_ms),
                    str(limits.latency_threshold_ms),
                    {"vendor": stats.group, "calls": stats.calls},
                )
            )
    for stats in selectors.call_stats(since=since, by="operation_type"):
        if stats.calls < min_calls:
            continue
        rate = Decimal(stats.calls - stats.failures) / Decimal(stats.calls)
        if rate < limits.success_rate_threshold:
            found.append(
                AlertCandidate(
                    AlertKind.SUCCESS_RATE,
                    f"success_rate:{stats.group}",
                    f"{stats.group}: only {rate:.1%} of {stats.calls} attempts succeeded.",
                    f"{rate:.4f}",
                    str(limits.success_rate_threshold),
                    {"operation": stats.group, "calls": stats.calls},
                )
            )
    found.extend(_capacity_candidates(now, limits))
    return found


def _capacity_candidates(now: datetime, limits) -> list[AlertCandidate]:
    found = []
    depth = selectors.broker_queue_depth()
    if depth is not None and depth > limits.queue_depth_threshold:
        found.append(
            AlertCandidate(
                AlertKind.QUEUE_DEPTH,
                "queue_depth",
                f"{depth} tasks are waiting in the queue, above {limits.queue_depth_threshold}: "
                "add workers or check that they run.",
                str(depth),
                str(limits.queue_depth_threshold),
                {"depth": depth},
            )
        )
    age = selectors.oldest_queued_story(now=now)
    if age > limits.oldest_queued_seconds:
        found.append(
            AlertCandidate(
                AlertKind.QUEUE_AGE,
                "queue_age",
                f"The oldest queued story has waited {age:.0f} s, above "
                f"{limits.oldest_queued_seconds} s.",
                f"{age:.0f}",
                str(limits.oldest_queued_seconds),
                {"age_seconds": round(age, 1)},
            )
        )
    return found


def _claim(candidate: AlertCandidate, now: datetime) -> AlertEvent | None:
    """Store the alert unless the same key fired within the de-duplication window."""
    window = timedelta(minutes=_setting("MIRA_ALERT_DEDUP_MINUTES", 60))
    with transaction.atomic():
        AlertState.objects.get_or_create(key=candidate.key)
        state = AlertState.objects.select_for_update().get(key=candidate.key)
        if state.last_fired_at is not None and now - state.last_fired_at < window:
            state.suppressed += 1
            state.save(update_fields=["suppressed"])
            return None
        state.last_fired_at, state.suppressed = now, 0
        state.save(update_fields=["last_fired_at", "suppressed"])
        return AlertEvent.objects.create(
            kind=candidate.kind,
            key=candidate.key,
            message=candidate.message,
            value=candidate.value,
            threshold=candidate.threshold,
            data=candidate.data,
        )


def _notify(event: AlertEvent) -> None:
    """Send outside any transaction: a slow mail server must not hold a lock."""
    recipients = list(_setting("MIRA_ALERT_EMAILS", []))
    if recipients:
        try:
            send_mail(
                subject=f"[Mira alert] {event.get_kind_display()}",
                message=f"{event.message}\n\nvalue: {event.value}\nthreshold: {event.threshold}"
                f"\nkey: {event.key}\nat: {event.created_at.isoformat()}",
                from_email=_setting("MIRA_ALERT_FROM_EMAIL", None),
                recipient_list=recipients,
            )
            event.emailed = True
        except Exception:  # a broken mail relay must not stop the other alerts
            logger.exception("alert email failed", extra={"alert": event.key})
    url = _setting("MIRA_ALERT_WEBHOOK_URL", "")
    if url:
        payload = {
            "id": str(event.id),
            "kind": event.kind,
            "key": event.key,
            "message": event.message,
            "value": event.value,
            "threshold": event.threshold,
            "data": event.data,
            "created_at": event.created_at.isoformat(),
        }
        try:
            response = httpx.post(
                url, json=payload, timeout=_setting("MIRA_ALERT_WEBHOOK_TIMEOUT", 5)
            )
            event.webhook_status = str(response.status_code)
        except httpx.HTTPError as exc:
            event.webhook_status = f"error: {type(exc).__name__}"[:100]
            logger.warning("alert webhook failed", extra={"alert": event.key})
    event.save(update_fields=["emailed", "webhook_status"])


def alerts_evaluate(*, now: datetime | None = None) -> list[AlertEvent]:
    """Check every threshold; store and send the alerts not sent within the window."""
    now = now or timezone.now()
    sent = []
    for candidate in alert_candidates(now=now):
        event = _claim(candidate, now)
        if event is None:
            continue
        logger.warning("alert", extra={"alert": candidate.key, "kind": candidate.kind})
        _notify(event)
        sent.append(event)
    return sent
