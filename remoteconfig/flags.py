"""Feature-flag evaluation: pure functions of a rule (see ``registry.FeatureFlagType``) and who
is asking. No database access here; callers build the ``FlagSubject``.

Order of the checks, first match wins:
1. ``enabled`` false → off for everyone (the kill switch);
2. ``platforms`` / ``min_app_version`` / ``max_app_version`` set and not met → off (an app that
   cannot render the feature must not get it, whoever the user is);
3. the user is listed in ``users`` → on;
4. ``user_segments`` set and the user is in none of them (tier or group) → off;
5. rollout: on when the user's bucket is below the percentage.

The bucket is ``sha256(flag:user)`` mapped onto 0..9999, so it is deterministic per user and
independent across flags; a user inside 30 % is inside 50 % (the same bucket is below a higher
threshold), so raising a rollout never takes a feature away. Anonymous callers get a flag
only at 100 %.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .registry import parse_app_version

BUCKETS = 10_000


@dataclass(frozen=True)
class FlagSubject:
    """Who a flag is evaluated for. ``groups`` are names of the user's auth groups
    (e.g. ``beta_testers``); ``tier`` is the usage tier (free, premium, enterprise)."""

    user_id: str | None = None
    tier: str | None = None
    groups: frozenset[str] = field(default_factory=frozenset)
    platform: str = ""
    app_version: str = ""

    def segments(self) -> frozenset[str]:
        names = {g.lower() for g in self.groups}
        if self.tier:
            names.add(self.tier.lower())
        return frozenset(names)


def rollout_bucket(flag: str, user_id: Any) -> int:
    """0..9999, stable for (flag, user)."""
    digest = hashlib.sha256(f"{flag}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def in_rollout(flag: str, user_id: Any, percentage: Any) -> bool:
    threshold = int(Decimal(str(percentage)) * BUCKETS / 100)
    if threshold >= BUCKETS:
        return True
    if user_id is None or threshold <= 0:
        return False
    return rollout_bucket(flag, user_id) < threshold


def flag_evaluate(flag: str, rule: dict[str, Any], subject: FlagSubject) -> bool:
    if not rule.get("enabled"):
        return False
    platforms = rule.get("platforms") or []
    if platforms and subject.platform.lower() not in platforms:
        return False
    low, high = rule.get("min_app_version") or "", rule.get("max_app_version") or ""
    if low or high:
        version = parse_app_version(subject.app_version)
        if version is None:
            return False
        if low and version < parse_app_version(low):  # type: ignore[operator]
            return False
        if high and version > parse_app_version(high):  # type: ignore[operator]
            return False
    if subject.user_id is not None and str(subject.user_id) in (rule.get("users") or []):
        return True
    segments = rule.get("user_segments") or []
    if segments and not subject.segments().intersection(segments):
        return False
    return in_rollout(flag, subject.user_id, rule.get("rollout_percentage", 100))
