"""Reads of runtime configuration, served from the in-process copy (``cache.store``).

``config_value``, ``config_flag`` and ``provider_enabled`` are the cross-app contract (the
gateway and usage call them on every request); ``config_get`` is the typed read for declared
keys; ``flag_enabled`` and ``client_config`` evaluate feature flags for one user.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from .cache import Snapshot, store
from .flags import FlagSubject, flag_evaluate
from .models import AppConfiguration, AppConfigurationChange
from .registry import (
    FLAG_PREFIX,
    PROVIDER_PREFIX,
    ConfigKey,
    flag_names,
    key_find,
    key_get,
    keys_all,
)

_MISSING: Any = object()


def current_environment() -> str:
    return settings.MIRA_ENVIRONMENT


def config_snapshot(environment: str | None = None) -> Snapshot:
    return store.snapshot(environment or current_environment())


def _copy(value: Any) -> Any:
    # Callers must not be able to change the shared copy by mutating what they got.
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


def _maintenance_pauses_ai(key: str, values: dict[str, Any]) -> bool:
    # Spec section 6: maintenance mode disables AI services too, so workers stop paying for
    # calls while the API is closed. One rule, applied where every reader passes.
    return key == "ai_services_enabled" and values.get("maintenance_mode") is True


def config_get(key: str) -> Any:
    """The value of declared ``key``: the stored one, else its default. Raises
    ``UnknownConfigKey`` for a key the registry does not declare."""
    declared = key_get(key)
    values = config_snapshot().values
    if _maintenance_pauses_ai(key, values):
        return False
    return _copy(values[key]) if key in values else declared.default_value()


def config_value(key: str, default: Any = _MISSING) -> Any:
    """The stored value of ``key``; else ``default`` when given; else the declared default."""
    values = config_snapshot().values
    if _maintenance_pauses_ai(key, values):
        return False
    if key in values:
        return _copy(values[key])
    if default is not _MISSING:
        return default
    declared = key_find(key)
    return declared.default_value() if declared else None


def config_flag(key: str, default: bool) -> bool:
    value = config_value(key, default)
    if isinstance(value, dict) and "enabled" in value:
        # A provider switch or a flag rule; per-user rules need ``flag_enabled``.
        return bool(value["enabled"])
    return bool(value)


def provider_enabled(name: str) -> tuple[bool, str]:
    """Whether ops left AI provider ``name`` switched on, and the reason given if not."""
    value = config_value(f"{PROVIDER_PREFIX}{name}", None)
    if isinstance(value, dict) and value.get("enabled") is False:
        return False, str(value.get("reason", ""))
    return True, ""


def flag_rule(name: str) -> dict[str, Any]:
    return config_get(FLAG_PREFIX + name)


def flag_enabled(name: str, subject: FlagSubject) -> bool:
    """Feature flag ``name`` (without the ``feature_flags.`` prefix) for ``subject``."""
    return flag_evaluate(name, flag_rule(name), subject)


def flags_evaluate(subject: FlagSubject) -> dict[str, bool]:
    snapshot = config_snapshot()
    result = {}
    for name in flag_names():
        key = FLAG_PREFIX + name
        rule = snapshot.values.get(key)
        if rule is None:
            rule = key_get(key).default_value()
        result[name] = flag_evaluate(name, rule, subject)
    return result


@dataclass(frozen=True)
class ClientConfig:
    body: dict[str, Any]
    etag: str
    content: bytes = b""  # the body as canonical JSON: what the ETag hashes and the API sends


class _PerSnapshot:
    """What ``GET /api/v1/config`` derives from one snapshot, kept until the snapshot changes:
    the answer per subject, and whether any flag rule looks at segments (tier, groups).
    A snapshot is replaced whenever the version stamp moves, so nothing here is ever stale."""

    def __init__(self, limit: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._answers: OrderedDict[FlagSubject, ClientConfig] = OrderedDict()
        self._segments: bool | None = None
        self.limit = limit

    def _for(self, snapshot: Snapshot) -> None:
        if self._snapshot is not snapshot:
            self._snapshot, self._segments = snapshot, None
            self._answers.clear()

    def answer(self, snapshot: Snapshot, subject: FlagSubject) -> ClientConfig | None:
        with self._lock:
            self._for(snapshot)
            return self._answers.get(subject)

    def keep(self, snapshot: Snapshot, subject: FlagSubject, answer: ClientConfig) -> None:
        with self._lock:
            self._for(snapshot)
            self._answers[subject] = answer
            while len(self._answers) > self.limit:
                self._answers.popitem(last=False)

    def segments(self, snapshot: Snapshot) -> bool | None:
        with self._lock:
            self._for(snapshot)
            return self._segments

    def keep_segments(self, snapshot: Snapshot, value: bool) -> None:
        with self._lock:
            self._for(snapshot)
            self._segments = value


_per_snapshot = _PerSnapshot()


def flags_use_segments() -> bool:
    """Whether any flag rule in force targets user segments: only then does evaluating flags
    for a user need their tier and groups."""
    snapshot = config_snapshot()
    known = _per_snapshot.segments(snapshot)
    if known is not None:
        return known
    uses = False
    for name in flag_names():
        key = FLAG_PREFIX + name
        rule = snapshot.values.get(key)
        if rule is None:
            rule = key_get(key).default_value()
        if isinstance(rule, dict) and rule.get("user_segments"):
            uses = True
            break
    _per_snapshot.keep_segments(snapshot, uses)
    return uses


def client_config(subject: FlagSubject) -> ClientConfig:
    """What the app may know (spec section 6, "Custom API Endpoint"): the config version, when
    it last changed, every client-visible key (never a secret) and this user's flags. The
    ETag is a hash of exactly that body, so it changes whenever anything the app sees does.

    The answer is a function of the snapshot and the subject only, so it is computed once per
    snapshot and subject; a repeat (the app revalidating) costs a dictionary lookup."""
    snapshot = config_snapshot()
    cached = _per_snapshot.answer(snapshot, subject)
    if cached is not None:
        return cached
    config: dict[str, Any] = {}
    for key in keys_all():
        if key.client_visible and not key.secret:
            value = snapshot.values.get(key.name, _MISSING)
            if _maintenance_pauses_ai(key.name, snapshot.values):
                value = False
            config[key.name] = key.default_value() if value is _MISSING else value
    config["feature_flags"] = flags_evaluate(subject)
    body = {
        "version": snapshot.version,
        "last_updated": snapshot.last_updated.isoformat() if snapshot.last_updated else None,
        "environment": snapshot.environment,
        "config": config,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()
    etag = '"' + hashlib.sha256(canonical).hexdigest()[:32] + '"'
    answer = ClientConfig(body=body, etag=etag, content=canonical)
    _per_snapshot.keep(snapshot, subject, answer)
    return answer


# --- for the admin ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingState:
    key: ConfigKey
    value: Any
    is_set: bool
    version: int
    updated_at: datetime | None
    updated_by: str
    last_change: AppConfigurationChange | None


def setting_states(
    *, environment: str | None = None, emergency_only: bool = False
) -> list[SettingState]:
    """Every declared key with its current value and who last changed it."""
    environment = environment or current_environment()
    snapshot = store.snapshot(environment)
    keys = [k for k in keys_all() if k.emergency or not emergency_only]
    latest: dict[str, AppConfigurationChange] = {}
    changes = (
        AppConfigurationChange.objects.filter(
            environment=environment, config_key__in=[k.name for k in keys]
        )
        .order_by("config_key", "-changed_at")
        .distinct("config_key")
        if _supports_distinct_on()
        else AppConfigurationChange.objects.filter(
            environment=environment, config_key__in=[k.name for k in keys]
        ).order_by("-changed_at")
    )
    for change in changes:
        latest.setdefault(change.config_key, change)
    states = []
    for key in keys:
        meta = snapshot.meta.get(key.name)
        is_set = key.name in snapshot.values
        states.append(
            SettingState(
                key=key,
                value=snapshot.values[key.name] if is_set else key.default_value(),
                is_set=is_set,
                version=meta.version if meta else 0,
                updated_at=meta.updated_at if meta else None,
                updated_by=meta.updated_by if meta else "",
                last_change=latest.get(key.name),
            )
        )
    return states


def _supports_distinct_on() -> bool:
    from django.db import connection

    return connection.features.can_distinct_on_fields


def configuration_get(*, key: str, environment: str | None = None) -> AppConfiguration | None:
    return AppConfiguration.objects.filter(
        config_key=key, environment=environment or current_environment()
    ).first()


def change_list(
    *, key: str | None = None, environment: str | None = None
) -> QuerySet[AppConfigurationChange]:
    changes = AppConfigurationChange.objects.filter(
        environment=environment or current_environment()
    )
    if key:
        changes = changes.filter(config_key=key)
    return changes.order_by("-changed_at")
