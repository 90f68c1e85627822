"""Requests per second of ``GET /api/v1/config``, full body vs. ``If-None-Match`` → 304, and
the cost of one runtime-setting read (the stamp check plus a dictionary lookup).

In-process through Django's test client (no network), against ``DATABASE_URL`` and the cache
in ``REDIS_URL`` (local memory without it). A throwaway parent with a token is created and
removed again.
"""

from __future__ import annotations

import statistics
import time
import uuid

N_REQUESTS = 2000
ROUNDS = 5
N_READS = 50_000


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}/s ({seconds / n * 1e6:,.0f} µs each)"


def main() -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import reset_queries
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from remoteconfig.selectors import config_flag, config_get

    user = get_user_model().objects.create_user(username=f"bench-{uuid.uuid4().hex[:12]}")
    token = Token.objects.create(user=user)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_X_APP_PLATFORM="ios")
    cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"cache: {cache_backend}; database: {settings.DATABASES['default']['ENGINE']}")
    try:
        first = client.get("/api/v1/config")
        assert first.status_code == 200, first.content
        etag = first["ETag"]
        cases = (
            ("GET /api/v1/config (200, full body)", {}, 200),
            ("GET /api/v1/config + If-None-Match (304)", {"HTTP_IF_NONE_MATCH": etag}, 304),
        )
        for _ in range(50):  # warm up
            for _label, headers, _expected in cases:
                client.get("/api/v1/config", **headers)
        # Interleaved rounds, median reported: the machine is shared, so one slow stretch must
        # not land on one case only.
        timings: dict[str, list[float]] = {label: [] for label, _h, _e in cases}
        for _round in range(ROUNDS):
            for label, headers, expected in cases:
                started = time.perf_counter()
                for i in range(N_REQUESTS // ROUNDS):
                    response = client.get("/api/v1/config", **headers)
                    if i % 200 == 0:
                        assert response.status_code == expected, response.status_code
                        reset_queries()  # DEBUG keeps every query otherwise
                timings[label].append(time.perf_counter() - started)
        for label, seconds in timings.items():
            print(f"{label}: {_rate(N_REQUESTS // ROUNDS, statistics.median(seconds))}")

        config_get("max_stories_in_flight")
        started = time.perf_counter()
        for _ in range(N_READS):
            config_flag("ai_services_enabled", True)
        print(
            f"config_flag('ai_services_enabled') read: {_rate(N_READS, time.perf_counter() - started)}"
        )
    finally:
        user.delete()
