"""Day and month windows for usage limits, computed in one place (UTC unless configured)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def usage_timezone() -> ZoneInfo:
    return ZoneInfo(getattr(settings, "MIRA_USAGE_TIMEZONE", "UTC"))


@dataclass(frozen=True)
class Windows:
    day: date  # the current day in the usage time zone
    month: date  # the first day of the current month
    next_day_start: datetime  # aware, UTC
    next_month_start: datetime  # aware, UTC


def current_windows(now: datetime | None = None) -> Windows:
    now = now or timezone.now()
    tz = usage_timezone()
    local = now.astimezone(tz)
    day = local.date()
    month = day.replace(day=1)
    next_day = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    next_month_date = (month + timedelta(days=32)).replace(day=1)
    next_month = datetime.combine(next_month_date, time.min, tzinfo=tz)
    return Windows(
        day=day,
        month=month,
        next_day_start=next_day.astimezone(ZoneInfo("UTC")),
        next_month_start=next_month.astimezone(ZoneInfo("UTC")),
    )
