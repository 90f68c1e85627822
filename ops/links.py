"""Admin list URLs behind each dashboard figure: the same filters the figure was counted with."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from .selectors import DateRange


def _url(name: str, params: dict[str, Any]) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None and v != ""})
    return reverse(name) + (f"?{query}" if query else "")


def _window(period: DateRange | None, day: date | None) -> dict[str, str]:
    if day is not None:
        start = datetime.combine(day, time.min, tzinfo=UTC)
        return {
            "created_at__gte": start.isoformat(),
            "created_at__lt": (start + timedelta(days=1)).isoformat(),
        }
    if period is None:
        return {}
    return {"created_at__gte": period.start.isoformat(), "created_at__lt": period.end.isoformat()}


def ledger(period: DateRange | None = None, *, day: date | None = None, **filters: Any) -> str:
    """``AIOperation`` changelist; filters: vendor, operation_type, success, user, fallback."""
    params = _window(period, day)
    if "success" in filters:
        params["success__exact"] = "1" if filters.pop("success") else "0"
    if "user" in filters:
        params["user__id__exact"] = str(filters.pop("user"))
    if filters.pop("fallback", False):
        params["fallback"] = "yes"
    if "order" in filters:
        params["o"] = filters.pop("order")
    params.update(filters)
    return _url("admin:ai_providers_aioperation_changelist", params)


def stories(period: DateRange | None = None, **filters: Any) -> str:
    """``Story`` changelist; filters: status, failure_code, reached (a stage), stuck."""
    params = _window(period, None)
    if "status" in filters:
        params["status__exact"] = filters.pop("status")
    if "failure_code" in filters:
        params["failure_code"] = filters.pop("failure_code")
    params.update(filters)
    return _url("admin:stories_story_changelist", params)


def story(story_id: uuid.UUID) -> str:
    return reverse("admin:stories_story_change", args=[story_id])


def account(user_id: uuid.UUID) -> str:
    return reverse("admin:usage_usageaccount_change", args=[user_id])


def alerts(period: DateRange | None = None, *, kind: str | None = None) -> str:
    params = _window(period, None)
    if kind:
        params["kind__exact"] = kind
    return _url("admin:usage_alertevent_changelist", params)


def in_flight() -> str:
    return _url("admin:stories_story_changelist", {"status__in": "queued,processing"})


def remote_config() -> str:
    return reverse("admin:app_list", kwargs={"app_label": "remoteconfig"})
