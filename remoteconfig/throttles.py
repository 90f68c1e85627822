"""The anonymous ``GET /api/v1/config`` throttle, per address (``MIRA_THROTTLE_CONFIG_ANON``).

Its one cache round trip also reads this environment's runtime-settings stamp and pins the
request's settings with it (as token auth does for signed-in requests), so an anonymous read
costs one round trip in all: the count and the stamp together.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from mira.throttles import SharedRateThrottle

from .cache import pin_with_stamp, stamp_key


class AnonymousConfigThrottle(SharedRateThrottle):
    """Per address, before sign-in; signed-in reads are not counted."""

    scope = "config_anon"
    get_cache_key = AnonRateThrottle.get_cache_key

    def also_get(self) -> tuple[str, ...]:
        return (stamp_key(settings.MIRA_ENVIRONMENT),)

    def received(self, values: dict[str, Any]) -> None:
        environment = settings.MIRA_ENVIRONMENT
        pin_with_stamp(environment, values.get(stamp_key(environment)))
