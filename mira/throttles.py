"""DRF throttles on the shared cache (Redis with ``REDIS_URL``, so every web process counts
together). Rates are ``MIRA_THROTTLE_*`` settings (docs/deployment.md); a throttled request is
429 ``throttled`` with ``Retry-After``. The client IP is ``REMOTE_ADDR``, or the address the
trusted reverse proxy put in ``X-Forwarded-For`` when ``MIRA_NUM_PROXIES`` is set.

Story creation is throttled per family by usage's burst rule instead (``stories.throttles``).
"""

from __future__ import annotations

import hashlib

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


class LoginIPThrottle(SimpleRateThrottle):
    """Sign-in attempts from one address, whatever the username: slows password spraying."""

    scope = "login_ip"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginUsernameThrottle(SimpleRateThrottle):
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


class AnonymousConfigThrottle(AnonRateThrottle):
    """``GET /api/v1/config`` before sign-in, per address; signed-in reads are not counted."""

    scope = "config_anon"
