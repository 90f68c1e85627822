"""Checks other apps run on every request against the emergency controls ops set."""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache

from .errors import RateLimited
from .selectors import config_get

WINDOW_SECONDS = 60


def rate_limit_check(*, name: str, subject: Any) -> None:
    """Count one request of kind ``name`` (a field of the ``rate_limits`` key, e.g.
    ``story_requests_per_minute``) for ``subject``; raise ``RateLimited`` past the limit.

    A fixed one-minute window counted in the shared cache, so every web process counts
    together. ``cache.incr`` is atomic on Redis and under the local-memory cache's lock.
    """
    limit = config_get("rate_limits").get(name)
    if limit is None:
        return
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"remoteconfig:rate:{name}:{subject}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    if count > limit:
        retry_after = (window + 1) * WINDOW_SECONDS - now
        raise RateLimited(
            f"Too many requests: at most {limit} a minute. Please wait a moment.",
            extra={"limit": limit, "name": name},
            retry_after=retry_after,
        )
