"""The usage app's sections of ``config/ai_providers.yaml``, validated, plus their run-time
overrides.

- ``usage_tiers``: limits, allowed operations and restrictions per tier. The limits can be
  overridden at run time by the remote-config key ``usage_limits`` (any subset of tiers and
  keys); a bad override is logged, naming the key, and ignored, so a typo in the admin can
  never lift or zero a limit by accident.
- ``security.abuse_thresholds`` and ``monitoring``: the thresholds abuse detection and alerts
  use.

A mistake in the file raises ``UsageConfigError`` naming the key path
(``usage_tiers.free.daily_cost_limit: ...``); ``manage.py check`` reports it at start-up.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from mira.config_file import config_document
from mira.vocabulary import STORY_LENGTHS  # shortest first
from remoteconfig.selectors import config_value

logger = logging.getLogger(__name__)

TIERS = ("free", "premium", "enterprise")
LIMIT_KEYS = (
    "daily_cost_limit",
    "monthly_cost_limit",
    "daily_operations_limit",
    "monthly_operations_limit",
)
TIER_KEYS = frozenset({*LIMIT_KEYS, "allowed_operations", "restrictions", "features"})
RESTRICTION_KEYS = frozenset(
    {"max_story_length", "image_generation_enabled", "premium_voices", "priority_processing"}
)
ABUSE_KEYS = frozenset(
    {
        "rapid_requests",
        "rapid_requests_window_seconds",
        "warnings_before_block",
        "warning_window_hours",
        "unusual_patterns",
        "cost_spike_detection",
        "cost_spike_multiplier",
        "cost_spike_floor_usd",
        "cost_spike_history_days",
        "safety_rejections_per_day",
        "geographic_anomalies",
    }
)


class UsageConfigError(ValueError):
    """A usage section of the config file is wrong; the message names the key."""


@dataclass(frozen=True)
class TierLimits:
    daily_cost_limit: Decimal
    monthly_cost_limit: Decimal
    daily_operations_limit: int
    monthly_operations_limit: int


@dataclass(frozen=True)
class TierConfig:
    name: str
    limits: TierLimits
    allowed_operations: frozenset[str] | None  # None: all
    max_story_length: str | None = None  # None: any length
    image_generation_enabled: bool = True
    premium_voices: bool = True
    priority_processing: bool = False
    features: tuple[str, ...] = ()

    def allows_operation(self, operation: str) -> bool:
        return self.allowed_operations is None or operation in self.allowed_operations

    def allows_length(self, length: str) -> bool:
        if self.max_story_length is None:
            return True
        return STORY_LENGTHS.index(length) <= STORY_LENGTHS.index(self.max_story_length)


@dataclass(frozen=True)
class AbuseThresholds:
    rapid_requests: int = 10  # story requests admitted per window; one more is a burst
    rapid_requests_window_seconds: int = 60
    warnings_before_block: int = 3
    warning_window_hours: int = 24  # warnings older than this no longer count towards a block
    abuse_detection: bool = True
    cost_spike_detection: bool = True
    cost_spike_multiplier: Decimal = Decimal("3.0")
    cost_spike_floor_usd: Decimal = Decimal("1.00")
    cost_spike_history_days: int = 14
    safety_rejections_per_day: int = 3


@dataclass(frozen=True)
class MonitoringThresholds:
    daily_threshold: Decimal = Decimal("1000.00")
    user_threshold_multiplier: Decimal = Decimal("2.0")
    vendor_budget_alert: Decimal = Decimal("5000.00")
    error_rate_threshold: Decimal = Decimal("0.05")
    latency_threshold_ms: int = 30000
    success_rate_threshold: Decimal = Decimal("0.95")
    # Capacity: tasks waiting in the broker, and how long the oldest queued story has waited.
    queue_depth_threshold: int = 100
    oldest_queued_seconds: int = 600
    extra: dict[str, Any] = field(default_factory=dict)


def _amount(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str, float, Decimal)):
        raise UsageConfigError(f'{path}: expected an amount like "5.00", got {value!r}')
    try:
        # str() first: a YAML float such as 0.1 must not carry binary noise into money.
        amount = Decimal(str(value))
    except InvalidOperation:
        raise UsageConfigError(f'{path}: expected an amount like "5.00", got {value!r}') from None
    if not amount.is_finite() or amount < 0:
        raise UsageConfigError(f"{path}: expected a non-negative amount, got {value!r}")
    return amount


def _count(value: Any, path: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UsageConfigError(f"{path}: expected a whole number >= {minimum}, got {value!r}")
    return value


def _flag(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise UsageConfigError(f"{path}: expected true or false, got {value!r}")
    return value


def _mapping(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UsageConfigError(f"{path}: expected a mapping, got {type(value).__name__}")
    return value


def _unknown(keys: Any, allowed: frozenset[str], path: str) -> None:
    unknown = sorted(set(keys) - allowed)
    if unknown:
        raise UsageConfigError(
            f"{path}.{unknown[0]}: unknown key (expected one of {', '.join(sorted(allowed))})"
        )


def _limits(raw: dict[str, Any], path: str) -> TierLimits:
    for key in LIMIT_KEYS:
        if key not in raw:
            raise UsageConfigError(f"{path}.{key}: missing")
    return TierLimits(
        daily_cost_limit=_amount(raw["daily_cost_limit"], f"{path}.daily_cost_limit"),
        monthly_cost_limit=_amount(raw["monthly_cost_limit"], f"{path}.monthly_cost_limit"),
        daily_operations_limit=_count(
            raw["daily_operations_limit"], f"{path}.daily_operations_limit"
        ),
        monthly_operations_limit=_count(
            raw["monthly_operations_limit"], f"{path}.monthly_operations_limit"
        ),
    )


def parse_tiers(section: Any) -> dict[str, TierConfig]:
    section = _mapping(section, "usage_tiers")
    _unknown(section, frozenset(TIERS), "usage_tiers")
    tiers = {}
    for name in TIERS:
        path = f"usage_tiers.{name}"
        if name not in section:
            raise UsageConfigError(f"{path}: missing")
        raw = _mapping(section[name], path)
        _unknown(raw, TIER_KEYS, path)
        allowed = raw.get("allowed_operations", "all")
        if allowed == "all":
            allowed_set = None
        elif isinstance(allowed, list) and all(isinstance(o, str) for o in allowed):
            allowed_set = frozenset(allowed)
        else:
            raise UsageConfigError(
                f'{path}.allowed_operations: expected "all" or a list of operation names, '
                f"got {allowed!r}"
            )
        restrictions = _mapping(raw.get("restrictions") or {}, f"{path}.restrictions")
        _unknown(restrictions, RESTRICTION_KEYS, f"{path}.restrictions")
        max_length = restrictions.get("max_story_length")
        if max_length is not None and max_length not in STORY_LENGTHS:
            raise UsageConfigError(
                f"{path}.restrictions.max_story_length: expected one of "
                f"{', '.join(STORY_LENGTHS)}, got {max_length!r}"
            )
        features = raw.get("features") or []
        if not isinstance(features, list):
            raise UsageConfigError(f"{path}.features: expected a list, got {features!r}")
        flags = {
            key: _flag(restrictions[key], f"{path}.restrictions.{key}")
            for key in ("image_generation_enabled", "premium_voices", "priority_processing")
            if key in restrictions
        }
        tiers[name] = TierConfig(
            name=name,
            limits=_limits(raw, path),
            allowed_operations=allowed_set,
            max_story_length=max_length,
            features=tuple(str(f) for f in features),
            **flags,
        )
    return tiers


def parse_abuse_thresholds(security: Any) -> AbuseThresholds:
    security = _mapping(security or {}, "security")
    raw = _mapping(security.get("abuse_thresholds") or {}, "security.abuse_thresholds")
    path = "security.abuse_thresholds"
    _unknown(raw, ABUSE_KEYS, path)
    defaults = AbuseThresholds()
    values: dict[str, Any] = {}
    for key in (
        "rapid_requests",
        "rapid_requests_window_seconds",
        "warnings_before_block",
        "warning_window_hours",
        "cost_spike_history_days",
        "safety_rejections_per_day",
    ):
        if key in raw:
            values[key] = _count(raw[key], f"{path}.{key}", minimum=1)
    for key in ("cost_spike_multiplier", "cost_spike_floor_usd"):
        if key in raw:
            values[key] = _amount(raw[key], f"{path}.{key}")
    for key in ("unusual_patterns", "geographic_anomalies"):
        if key in raw:
            _flag(raw[key], f"{path}.{key}")  # accepted; nothing acts on them yet (see docs)
    if "cost_spike_detection" in raw:
        values["cost_spike_detection"] = _flag(
            raw["cost_spike_detection"], f"{path}.cost_spike_detection"
        )
    if "abuse_detection" in security:
        values["abuse_detection"] = _flag(security["abuse_detection"], "security.abuse_detection")
    return replace(defaults, **values)


def parse_monitoring(section: Any) -> MonitoringThresholds:
    section = _mapping(section or {}, "monitoring")
    _unknown(
        section,
        frozenset({"cost_alerts", "performance_alerts", "capacity_alerts", "analytics"}),
        "monitoring",
    )
    capacity = _mapping(section.get("capacity_alerts") or {}, "monitoring.capacity_alerts")
    _unknown(
        capacity,
        frozenset({"queue_depth_threshold", "oldest_queued_seconds"}),
        "monitoring.capacity_alerts",
    )
    cost = _mapping(section.get("cost_alerts") or {}, "monitoring.cost_alerts")
    perf = _mapping(section.get("performance_alerts") or {}, "monitoring.performance_alerts")
    _unknown(
        cost,
        frozenset({"daily_threshold", "user_threshold_multiplier", "vendor_budget_alert"}),
        "monitoring.cost_alerts",
    )
    _unknown(
        perf,
        frozenset({"error_rate_threshold", "latency_threshold_ms", "success_rate_threshold"}),
        "monitoring.performance_alerts",
    )
    values: dict[str, Any] = {}
    for key in ("daily_threshold", "user_threshold_multiplier", "vendor_budget_alert"):
        if key in cost:
            values[key] = _amount(cost[key], f"monitoring.cost_alerts.{key}")
    for key in ("error_rate_threshold", "success_rate_threshold"):
        if key in perf:
            rate = _amount(perf[key], f"monitoring.performance_alerts.{key}")
            if rate > 1:
                raise UsageConfigError(
                    f"monitoring.performance_alerts.{key}: expected a fraction between 0 and 1, "
                    f"got {perf[key]!r}"
                )
            values[key] = rate
    if "latency_threshold_ms" in perf:
        values["latency_threshold_ms"] = _count(
            perf["latency_threshold_ms"], "monitoring.performance_alerts.latency_threshold_ms"
        )
    for key in ("queue_depth_threshold", "oldest_queued_seconds"):
        if key in capacity:
            values[key] = _count(capacity[key], f"monitoring.capacity_alerts.{key}")
    return MonitoringThresholds(**values)


@dataclass(frozen=True)
class UsageSettings:
    tiers: dict[str, TierConfig]
    abuse: AbuseThresholds
    monitoring: MonitoringThresholds
    free_tier_daily_threshold: Decimal


_lock = threading.Lock()
_parsed: tuple[int, UsageSettings] | None = None


def usage_settings() -> UsageSettings:
    """The validated usage sections of the current config document, parsed once per document
    (tests that point at another file get a fresh parse)."""
    global _parsed
    document = config_document()
    cached = _parsed
    if cached is not None and cached[0] == id(document):
        return cached[1]
    with _lock:
        cost = _mapping(document.get("cost_optimization") or {}, "cost_optimization")
        threshold = _amount(
            cost.get("free_tier_daily_threshold", "3.00"),
            "cost_optimization.free_tier_daily_threshold",
        )
        parsed = UsageSettings(
            tiers=parse_tiers(document.get("usage_tiers")),
            abuse=parse_abuse_thresholds(document.get("security")),
            monitoring=parse_monitoring(document.get("monitoring")),
            free_tier_daily_threshold=threshold,
        )
        _parsed = (id(document), parsed)
    return parsed


def abuse_thresholds() -> AbuseThresholds:
    """The file's abuse thresholds, with ops' run-time ``rate_limits.story_requests_per_minute``
    (remote config) as the burst limit when they set one: one story-request throttle, tunable
    without a deploy."""
    thresholds = usage_settings().abuse
    rates = config_value("rate_limits", None)
    per_minute = rates.get("story_requests_per_minute") if isinstance(rates, dict) else None
    if per_minute:
        return replace(thresholds, rapid_requests=int(per_minute), rapid_requests_window_seconds=60)
    return thresholds


def tier_get(name: str) -> TierConfig:
    tiers = usage_settings().tiers
    return tiers.get(name) or tiers["free"]


def usage_limits_override() -> Any:
    """The remote-config value of ``usage_limits`` (read it before taking a row lock: the
    lookup is cheap outside a transaction and a query inside one)."""
    return config_value("usage_limits", None)


def _override(tier: str, base: TierLimits, raw: Any) -> TierLimits:
    """Apply the remote-config key ``usage_limits`` to one tier's file limits."""
    if not raw:
        return base
    if not isinstance(raw, dict):
        logger.warning("remote config usage_limits ignored: expected a mapping, got %r", raw)
        return base
    for name in raw:
        if name not in TIERS:
            logger.warning("remote config usage_limits.%s ignored: unknown tier", name)
    override = raw.get(tier)
    if not isinstance(override, dict):
        if override is not None:
            logger.warning("remote config usage_limits.%s ignored: expected a mapping", tier)
        return base
    values: dict[str, Any] = {}
    for key, value in override.items():
        path = f"usage_limits.{tier}.{key}"
        try:
            if key in ("daily_cost_limit", "monthly_cost_limit"):
                values[key] = _amount(value, path)
            elif key in ("daily_operations_limit", "monthly_operations_limit"):
                values[key] = _count(value, path)
            else:
                raise UsageConfigError(f"{path}: unknown key")
        except UsageConfigError as exc:
            logger.warning("remote config ignored: %s", exc)
    return replace(base, **values)


_READ_NOW: Any = object()


def tier_limits(name: str, override: Any = _READ_NOW) -> TierLimits:
    """The limits of tier ``name`` in force now: the file's, overridden by remote config
    (``override``: a value of ``usage_limits_override()`` read earlier)."""
    tier = tier_get(name)
    raw = usage_limits_override() if override is _READ_NOW else override
    return _override(tier.name, tier.limits, raw)


def validate_usage_limits_override(value: Any) -> list[str]:
    """Problems with a proposed value of the remote-config key ``usage_limits``, one message
    per bad key (empty when the value is good). For admin forms and tests."""
    problems = []
    if not isinstance(value, dict):
        return ["usage_limits: expected a mapping of tier names"]
    for tier, override in value.items():
        if tier not in TIERS:
            problems.append(f"usage_limits.{tier}: unknown tier")
            continue
        if not isinstance(override, dict):
            problems.append(f"usage_limits.{tier}: expected a mapping")
            continue
        for key, item in override.items():
            path = f"usage_limits.{tier}.{key}"
            try:
                if key in ("daily_cost_limit", "monthly_cost_limit"):
                    _amount(item, path)
                elif key in ("daily_operations_limit", "monthly_operations_limit"):
                    _count(item, path)
                else:
                    raise UsageConfigError(f"{path}: unknown key")
            except UsageConfigError as exc:
                problems.append(str(exc))
    return problems
