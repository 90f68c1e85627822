"""Day and month windows for usage limits, computed in one place (UTC unless
``MIRA_USAGE_TIMEZONE`` names another IANA zone, e.g. for a single-country launch)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"MIRA_USAGE_TIMEZONE: {name!r} is not an IANA time zone (e.g. UTC, Europe/Berlin)"
        ) from None


def usage_timezone() -> ZoneInfo:
    return _zone(getattr(settings, "MIRA_USAGE_TIMEZONE", "UTC") or "UTC")


@dataclass(frozen=True)
class Windows:
    day: date  # the current day in the usage time zone
    month: date  # the first day of the current month
    day_start: datetime  # aware, UTC
    month_start: datetime  # aware, UTC
    next_day_start: datetime  # aware, UTC
    next_month_start: datetime  # aware, UTC


def current_windows(now: datetime | None = None) -> Windows:
    now = now or timezone.now()
    tz = usage_timezone()
    day = now.astimezone(tz).date()
    month = day.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)

    def start(of: date) -> datetime:
        # Midnight in the usage zone; across a DST change that day is 23 or 25 hours long.
        return datetime.combine(of, time.min, tzinfo=tz).astimezone(UTC)

    return Windows(
        day=day,
        month=month,
        day_start=start(day),
        month_start=start(month),
        next_day_start=start(day + timedelta(days=1)),
        next_month_start=start(next_month),
    )
