"""DRF throttles on the shared cache (Redis with ``REDIS_URL``, so every web process counts
together). Rates are ``MIRA_THROTTLE_*`` settings (docs/deployment.md); a throttled request is
429 ``throttled`` with ``Retry-After``. The client IP is ``REMOTE_ADDR``, or the address the
trusted reverse proxy put in ``X-Forwarded-For`` when ``MIRA_NUM_PROXIES`` is set.

Each check is one round trip: the shared cache's ``rate_limit`` script (``mira.cache``) keeps
DRF's sliding log as a sorted set in Redis. With another cache (local memory, no ``REDIS_URL``)
DRF's own get-and-set of the history is used, which is the same rule in one process.

Story creation is throttled per family by usage's burst rule instead (``stories.throttles``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from rest_framework.throttling import SimpleRateThrottle


class SharedRateThrottle(SimpleRateThrottle):
    """``SimpleRateThrottle`` (same rates, keys and rule) counted in one cache round trip.

    A subclass may name more cache keys to read in that same round trip (``also_get``) and
    gets their values in ``received``."""

    _wait: float | None = None

    def also_get(self) -> tuple[str, ...]:
        return ()

    def received(self, values: dict[str, Any]) -> None:
        pass

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True  # not counted (a signed-in caller of an anonymous throttle)
        rate_limit = getattr(self.cache, "rate_limit", None)
        if rate_limit is None:
            return super().allow_request(request, view)
        decision = rate_limit(
            self.key, limit=self.num_requests, period=self.duration, also_get=self.also_get()
        )
        self.received(decision.values)
        self._wait = decision.wait
        return decision.allowed

    def wait(self) -> float | None:
        if self._wait is None:
            return super().wait()
        return self._wait


class LoginIPThrottle(SharedRateThrottle):
    """Sign-in attempts from one address, whatever the username: slows password spraying."""

    scope = "login_ip"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginUsernameThrottle(SharedRateThrottle):
    """Sign-in attempts for one username from any address: slows guessing one parent's
    password from many machines. The username is hashed into the key, never stored as is."""

    scope = "login_username"

    def get_cache_key(self, request, view) -> str | None:
        data = request.data
        username = data.get("username") if hasattr(data, "get") else None
        if not isinstance(username, str) or not username.strip():
            return None  # nothing to count; the serializer refuses the request
        digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": digest}
