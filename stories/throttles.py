"""Story creation is throttled per family by the one story-request throttle the project has:
usage's burst rule (``security.abuse_thresholds.rapid_requests``, or ops' run-time
``rate_limits.story_requests_per_minute``; docs/usage.md). This DRF throttle runs it before the
request body is parsed, so a throttled request costs no upload decoding, and it records the
same warning admission would.

An idempotent replay (an ``Idempotency-Key`` this family already used) is never throttled: it
makes nothing new and must return the first story.
"""

from __future__ import annotations

from rest_framework.throttling import BaseThrottle

from usage.services import story_request_check

from . import selectors


class StoryCreationThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        user = request.user
        if request.method != "POST" or user is None or not user.is_authenticated:
            return True
        key = request.headers.get("Idempotency-Key", "")

        def is_replay() -> bool:  # asked only when the request would be refused
            return bool(key) and selectors.story_replay_exists(owner=user, idempotency_key=key)

        # Raises 429 rapid_requests / 403 account_blocked.
        story_request_check(user_id=user.pk, is_replay=is_replay)
        return True
