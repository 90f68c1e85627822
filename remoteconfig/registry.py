"""Every runtime setting Mira knows, declared once: name, type, default, help, who may see it.

A value stored in ``AppConfiguration`` is only accepted when its key is declared here and the
value passes the key's type; readers get the stored value, else the default (from
``config/ai_providers.yaml`` where the file has one, else from this module). Two families are
open-ended: ``providers.<name>`` for every provider in the config file, and
``feature_flags.<name>`` for the flags declared below.

Types normalise what they accept (``"3"`` → ``"3.00"`` for money, ``true`` → a flag rule), so
the stored form is canonical and readers never re-validate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from mira.config_file import config_section

from .errors import ConfigValueInvalid, UnknownConfigKey

CATEGORY_EMERGENCY = "emergency"
CATEGORY_LIMITS = "limits"
CATEGORY_PROVIDERS = "providers"
CATEGORY_FLAGS = "feature_flags"
CATEGORY_APP = "app"
CATEGORY_OPS = "ops"

PROVIDER_PREFIX = "providers."
FLAG_PREFIX = "feature_flags."

_IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
_APP_VERSION = re.compile(r"^\d+(\.\d+){0,3}$")
PLATFORMS = ("ios", "android", "web")


class Invalid(ValueError):
    """Raised by a type's ``clean``; the registry prefixes the key."""


def parse_app_version(text: str) -> tuple[int, ...] | None:
    """``"2.10.1"`` → ``(2, 10, 1)``; anything else → None. Trailing zeros do not matter."""
    text = (text or "").strip()
    if not _APP_VERSION.match(text):
        return None
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


# --- value types -----------------------------------------------------------------------------


class ValueType:
    label = "value"
    # How the admin edits it: "bool", "int", "text", "json".
    editor = "json"

    def clean(self, value: Any) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        return self.label


class BoolType(ValueType):
    label = "on/off"
    editor = "bool"

    def clean(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise Invalid(f"must be true or false, not {value!r}")
        return value


@dataclass(frozen=True)
class IntType(ValueType):
    minimum: int | None = None
    maximum: int | None = None
    nullable: bool = False
    editor = "int"

    @property
    def label(self) -> str:  # type: ignore[override]
        bounds = []
        if self.minimum is not None:
            bounds.append(f"≥ {self.minimum}")
        if self.maximum is not None:
            bounds.append(f"≤ {self.maximum}")
        text = "whole number" + (f" ({', '.join(bounds)})" if bounds else "")
        return text + (", or empty for none" if self.nullable else "")

    def clean(self, value: Any) -> int | None:
        if value is None:
            if self.nullable:
                return None
            raise Invalid("a number is required")
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value.strip())
            else:
                raise Invalid(f"must be a whole number, not {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise Invalid(f"must be at least {self.minimum}, not {value}")
        if self.maximum is not None and value > self.maximum:
            raise Invalid(f"must be at most {self.maximum}, not {value}")
        return value


@dataclass(frozen=True)
class TextType(ValueType):
    max_length: int = 500
    blank: bool = True
    pattern: re.Pattern[str] | None = None
    pattern_help: str = ""
    editor = "text"
    label = "text"

    def clean(self, value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid(f"must be text, not {value!r}")
        value = value.strip()
        if not value and not self.blank:
            raise Invalid("may not be empty")
        if len(value) > self.max_length:
            raise Invalid(f"at most {self.max_length} characters (got {len(value)})")
        if value and self.pattern is not None and not self.pattern.match(value):
            raise Invalid(self.pattern_help or f"{value!r} has the wrong form")
        return value


class HttpsUrlType(ValueType):
    label = "https URL, or empty"
    editor = "text"

    def clean(self, value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid(f"must be a URL, not {value!r}")
        value = value.strip()
        if value:
            parts = urlsplit(value)
            if parts.scheme != "https" or not parts.netloc:
                raise Invalid("must be an https:// URL")
        return value


def _money(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise Invalid(f'{where} must be an amount like "3.00", not {value!r}')
    try:
        # str() first: a float's shortest repr is what ops typed (3.1 → "3.1"), not 3.0999…
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise Invalid(f'{where} must be an amount like "3.00", not {value!r}') from None
    if not amount.is_finite() or amount < 0:
        raise Invalid(f"{where} must be zero or more, not {value!r}")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise Invalid(f"{where} has more than 2 decimal places: {value!r}")
    return str(amount.quantize(Decimal("0.01")))


def _count(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid(f"{where} must be a whole number ≥ 0, not {value!r}")
    return value


def _mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"must be an object, not {type(value).__name__}")
    return value


def _no_extra(value: dict[str, Any], allowed: Iterable[str], where: str = "") -> None:
    extra = sorted(set(value) - set(allowed))
    if extra:
        prefix = f"{where}: " if where else ""
        raise Invalid(f"{prefix}unknown field(s) {', '.join(extra)}; allowed: {', '.join(allowed)}")


class ProviderSwitchType(ValueType):
    label = '{"enabled": true|false, "reason": "…"}'

    def clean(self, value: Any) -> dict[str, Any]:
        if isinstance(value, bool):
            value = {"enabled": value}
        value = _mapping(value)
        _no_extra(value, ("enabled", "reason"))
        enabled = value.get("enabled")
        if not isinstance(enabled, bool):
            raise Invalid(f"enabled must be true or false, not {enabled!r}")
        reason = value.get("reason", "")
        if not isinstance(reason, str) or len(reason) > 300:
            raise Invalid("reason must be text of at most 300 characters")
        reason = reason.strip()
        if not enabled and not reason:
            raise Invalid("say why the provider is switched off (reason)")
        return {"enabled": enabled, "reason": reason}


LIMIT_FIELDS: dict[str, Callable[[Any, str], Any]] = {
    "daily_cost_limit": _money,
    "monthly_cost_limit": _money,
    "daily_operations_limit": _count,
    "monthly_operations_limit": _count,
}


class UsageLimitsType(ValueType):
    """A partial override of the file's ``usage_tiers`` limits (the spec's dynamic pricing)."""

    label = '{"free": {"daily_cost_limit": "3.00", "monthly_operations_limit": 30}, …}'

    def clean(self, value: Any) -> dict[str, dict[str, Any]]:
        value = _mapping(value)
        tiers = tier_names()
        _no_extra(value, tiers)
        cleaned: dict[str, dict[str, Any]] = {}
        for tier, limits in value.items():
            if not isinstance(limits, dict):
                raise Invalid(f"{tier} must be an object of limits")
            _no_extra(limits, LIMIT_FIELDS, tier)
            cleaned[tier] = {
                name: LIMIT_FIELDS[name](raw, f"{tier}.{name}") for name, raw in limits.items()
            }
        return cleaned


RATE_LIMIT_FIELDS = ("story_requests_per_minute",)


class RateLimitsType(ValueType):
    label = '{"story_requests_per_minute": 6}  (null = no limit)'

    def clean(self, value: Any) -> dict[str, int | None]:
        value = _mapping(value)
        _no_extra(value, RATE_LIMIT_FIELDS)
        cleaned: dict[str, int | None] = {}
        for name, raw in value.items():
            if raw is None:
                cleaned[name] = None
                continue
            if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
                raise Invalid(f"{name} must be a whole number ≥ 1 or null, not {raw!r}")
            cleaned[name] = raw
        return cleaned


FLAG_FIELDS = (
    "enabled",
    "rollout_percentage",
    "user_segments",
    "users",
    "platforms",
    "min_app_version",
    "max_app_version",
)


def flag_rule(enabled: bool) -> dict[str, Any]:
    return {
        "enabled": enabled,
        "rollout_percentage": 100,
        "user_segments": [],
        "users": [],
        "platforms": [],
        "min_app_version": "",
        "max_app_version": "",
    }


class FeatureFlagType(ValueType):
    """``true``/``false``, or a rule (the spec's "Feature Rollout" use case)::

    {"enabled": true, "rollout_percentage": 50, "user_segments": ["premium", "beta_testers"],
     "users": ["<user uuid>"], "platforms": ["ios"], "min_app_version": "2.1"}
    """

    label = 'true/false, or {"enabled", "rollout_percentage", "user_segments", "users", …}'

    def clean(self, value: Any) -> dict[str, Any]:
        if isinstance(value, bool):
            return flag_rule(value)
        value = _mapping(value)
        _no_extra(value, FLAG_FIELDS)
        rule = flag_rule(True)
        enabled = value.get("enabled", True)
        if not isinstance(enabled, bool):
            raise Invalid(f"enabled must be true or false, not {enabled!r}")
        rule["enabled"] = enabled

        pct = value.get("rollout_percentage", 100)
        if isinstance(pct, bool) or not isinstance(pct, int | float | str):
            raise Invalid(f"rollout_percentage must be a number from 0 to 100, not {pct!r}")
        try:
            pct_decimal = Decimal(str(pct))
        except InvalidOperation:
            raise Invalid(f"rollout_percentage must be a number, not {pct!r}") from None
        if not pct_decimal.is_finite() or not 0 <= pct_decimal <= 100:
            raise Invalid(f"rollout_percentage must be from 0 to 100, not {pct!r}")
        if pct_decimal.as_tuple().exponent < -2:  # type: ignore[operator]
            raise Invalid("rollout_percentage has at most 2 decimal places")
        # A JSON number with at most 2 places; evaluation reads it back through str(), so
        # 12.5 means exactly 12.5 %.
        rule["rollout_percentage"] = (
            int(pct_decimal) if pct_decimal == pct_decimal.to_integral() else float(pct_decimal)
        )

        rule["user_segments"] = self._names(value.get("user_segments", []), "user_segments")
        rule["users"] = self._users(value.get("users", []))
        platforms = self._names(value.get("platforms", []), "platforms")
        unknown = [p for p in platforms if p not in PLATFORMS]
        if unknown:
            raise Invalid(f"platforms: unknown {', '.join(unknown)}; use {', '.join(PLATFORMS)}")
        rule["platforms"] = platforms
        for bound in ("min_app_version", "max_app_version"):
            text = value.get(bound) or ""
            if not isinstance(text, str) or (text and parse_app_version(text) is None):
                raise Invalid(f"{bound} must look like 2.1 or 2.1.3, not {text!r}")
            rule[bound] = text.strip()
        low, high = rule["min_app_version"], rule["max_app_version"]
        if low and high and parse_app_version(low) > parse_app_version(high):  # type: ignore[operator]
            raise Invalid(f"min_app_version {low} is above max_app_version {high}")
        return rule

    @staticmethod
    def _names(value: Any, where: str) -> list[str]:
        if not isinstance(value, list):
            raise Invalid(f"{where} must be a list of names")
        names = []
        for item in value:
            if not isinstance(item, str) or not _IDENTIFIER.match(item.strip().lower()):
                raise Invalid(f"{where}: {item!r} is not a name (letters, digits, _ and -)")
            if item.strip().lower() not in names:
                names.append(item.strip().lower())
        return names

    @staticmethod
    def _users(value: Any) -> list[str]:
        import uuid

        if not isinstance(value, list):
            raise Invalid("users must be a list of user ids")
        users = []
        for item in value:
            try:
                users.append(str(uuid.UUID(str(item))))
            except ValueError:
                raise Invalid(f"users: {item!r} is not a user id (UUID)") from None
        return sorted(set(users))


# --- keys ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigKey:
    name: str
    type: ValueType
    help: str
    category: str
    default: Any = None
    default_from: Callable[[], Any] | None = field(default=None, compare=False)
    secret: bool = False
    client_visible: bool = False
    emergency: bool = False  # shown on the admin's emergency panel

    def __post_init__(self) -> None:
        if self.secret and self.client_visible:
            raise ValueError(f"{self.name}: a secret can never be visible to the app")

    def default_value(self) -> Any:
        """The value readers get when nothing is stored: the config file's, else the code's."""
        if self.default_from is not None:
            try:
                return self.type.clean(self.default_from())
            except Invalid:
                pass  # a bad file value must not break readers; the code default stands
        return self.default

    def clean(self, value: Any) -> Any:
        try:
            return self.type.clean(value)
        except Invalid as exc:
            raise ConfigValueInvalid(self.name, str(exc)) from None


_REGISTRY: dict[str, ConfigKey] = {}


def declare(key: ConfigKey) -> ConfigKey:
    if key.name in _REGISTRY:
        raise ValueError(f"runtime setting {key.name} is declared twice")
    _REGISTRY[key.name] = key
    return key


def _feature_default(name: str, code_default: bool) -> Callable[[], Any]:
    def read() -> Any:
        return config_section("features").get(name, code_default)

    return read


declare(
    ConfigKey(
        "maintenance_mode",
        BoolType(),
        "The API answers 503 with maintenance_message (the admin stays reachable) and AI "
        "calls are refused as if ai_services_enabled were off.",
        CATEGORY_EMERGENCY,
        default=False,
        client_visible=True,
        emergency=True,
    )
)
declare(
    ConfigKey(
        "maintenance_message",
        TextType(max_length=300),
        "What parents read while maintenance mode is on.",
        CATEGORY_EMERGENCY,
        default="Mira is having a little rest to get even better. Please try again soon.",
        client_visible=True,
    )
)
declare(
    ConfigKey(
        "maintenance_retry_after_seconds",
        IntType(minimum=1, maximum=86400),
        "Retry-After sent with maintenance and AI-off answers.",
        CATEGORY_EMERGENCY,
        default=600,
        client_visible=True,
    )
)
declare(
    ConfigKey(
        "ai_services_enabled",
        BoolType(),
        "Off: every AI call is refused (AIServicesDisabled); new stories are refused with 503 "
        "and queued ones fail with code ai_services_disabled. Also off while maintenance_mode "
        "is on.",
        CATEGORY_EMERGENCY,
        default=True,
        client_visible=True,
        emergency=True,
    )
)
declare(
    ConfigKey(
        "force_cheapest_providers",
        BoolType(),
        "Every AI call goes to the cheapest configured provider first (usage.routing_policy).",
        CATEGORY_EMERGENCY,
        default=False,
        emergency=True,
    )
)
declare(
    ConfigKey(
        "disable_expensive_features",
        BoolType(),
        "Paid image generation off for everyone: covers are painted offline.",
        CATEGORY_EMERGENCY,
        default=False,
        emergency=True,
    )
)
declare(
    ConfigKey(
        "max_stories_in_flight",
        IntType(minimum=0, maximum=100000, nullable=True),
        "At most this many stories queued or processing at once; new requests beyond it get "
        "503 stories_at_capacity. Empty: no cap.",
        CATEGORY_EMERGENCY,
        default=None,
        emergency=True,
    )
)
declare(
    ConfigKey(
        "safety_model_threshold",
        IntType(minimum=50, maximum=100, nullable=True),
        "The learned safety classifier refuses an idea or a story when its P(unsafe), in "
        "percent, reaches this (docs/safety.md). Lower catches more and refuses more benign "
        "text; empty turns the model off (the rules always run).",
        CATEGORY_OPS,
        default=75,
    )
)
declare(
    ConfigKey(
        "usage_limits",
        UsageLimitsType(),
        "Overrides of the usage_tiers limits in config/ai_providers.yaml, any subset "
        "(dynamic pricing): daily/monthly cost limits and operation counts per tier.",
        CATEGORY_LIMITS,
        default={},
    )
)
declare(
    ConfigKey(
        "rate_limits",
        RateLimitsType(),
        "Request rates per parent: story_requests_per_minute replaces the burst threshold of "
        "abuse detection (429 rapid_requests beyond it, with a warning on the account).",
        CATEGORY_LIMITS,
        default={"story_requests_per_minute": None},
    )
)
declare(
    ConfigKey(
        "min_supported_app_version",
        TextType(
            max_length=20,
            pattern=_APP_VERSION,
            pattern_help="must look like 2.1 or 2.1.3",
        ),
        "Apps older than this ask the parent to update. Empty: every version is supported.",
        CATEGORY_APP,
        default="",
        client_visible=True,
    )
)
declare(
    ConfigKey(
        "alerts_webhook_url",
        HttpsUrlType(),
        "Incoming-webhook URL where cost and abuse alerts are posted. It carries its own "
        "token, so it is secret: never shown to the app, masked in the admin.",
        CATEGORY_OPS,
        default="",
        secret=True,
    )
)

# Feature flags: the spec's use cases, defaults from the file's ``features`` block.
FEATURE_FLAGS: dict[str, tuple[bool, str]] = {
    "word_highlighting": (True, "Read-along highlights each word as it is spoken."),
    "background_music": (False, "Soft music under the narration."),
    "image_generation": (True, "A painted cover for every story."),
    "story_genres": (True, "Parents pick the story type (adventure, bedtime, …)."),
    "multi_language": (False, "Stories in languages other than English."),
    "voice_cloning": (False, "Narration in a parent's own voice (future)."),
    "interactive_stories": (False, "Stories where the child chooses what happens (future)."),
}
for _flag, (_default, _help) in FEATURE_FLAGS.items():
    declare(
        ConfigKey(
            FLAG_PREFIX + _flag,
            FeatureFlagType(),
            _help,
            CATEGORY_FLAGS,
            default=flag_rule(_default),
            default_from=_feature_default(_flag, _default),
        )
    )


def _provider_key(provider: str) -> ConfigKey:
    return ConfigKey(
        PROVIDER_PREFIX + provider,
        ProviderSwitchType(),
        f"Switch AI provider {provider} off (with a reason) without a deploy; the gateway "
        "skips it and falls back to the next provider.",
        CATEGORY_PROVIDERS,
        default={"enabled": True, "reason": ""},
        emergency=True,
    )


def provider_names() -> list[str]:
    return sorted(config_section("providers"))


def key_get(name: str) -> ConfigKey:
    """The declared key ``name``; raises ``UnknownConfigKey`` (naming it) otherwise."""
    key = _REGISTRY.get(name)
    if key is not None:
        return key
    if name.startswith(PROVIDER_PREFIX) and name[len(PROVIDER_PREFIX) :] in provider_names():
        return _provider_key(name[len(PROVIDER_PREFIX) :])
    raise UnknownConfigKey(name)


def key_find(name: str) -> ConfigKey | None:
    try:
        return key_get(name)
    except UnknownConfigKey:
        return None


def keys_all() -> list[ConfigKey]:
    """Every declared key, the provider switches included, in a stable order."""
    keys = list(_REGISTRY.values()) + [_provider_key(p) for p in provider_names()]
    order = [
        CATEGORY_EMERGENCY,
        CATEGORY_PROVIDERS,
        CATEGORY_LIMITS,
        CATEGORY_FLAGS,
        CATEGORY_APP,
        CATEGORY_OPS,
    ]
    return sorted(keys, key=lambda k: (order.index(k.category), k.name))


def flag_names() -> list[str]:
    return list(FEATURE_FLAGS)


def tier_names() -> list[str]:
    return sorted(config_section("usage_tiers")) or ["enterprise", "free", "premium"]
