"""The in-process copy of this environment's runtime values, and how it stays fresh.

Every read checks one small *stamp* in the shared Django cache (local memory in one process,
Redis across hosts). Every committed change writes a new stamp; a process whose copy was loaded
under another stamp reloads all values of its environment (one query) before answering. With
Redis the stamp is watched from each process (``mira.stamps``): a read costs a dictionary
lookup, and a value saved anywhere is seen everywhere within milliseconds (at most
``MIRA_STAMP_REFRESH_SECONDS`` if a change notice is lost); the saving process sees it on its
very next read. Without the watch, every read costs one cache ``get``.

Why the order matters: the stamp is read *before* the rows, and written *after* the commit. A
copy stored under stamp S therefore holds every change committed before S was written; a change
committed later writes a new stamp, which the next read notices.

Two things are never stored as the process-wide copy:
- rows read inside a transaction (``atomic``): they may include this transaction's own writes,
  which a rollback would take back; such reads load fresh and keep the copy to themselves;
- fallbacks: when the database is unreachable the last values loaded (else the defaults) are
  served, the fact is logged, and the next read tries the database again.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.models import Count, Max

from mira.stamps import stamp_set, watch

from .models import AppConfiguration, AppConfigurationChange
from .registry import key_find

logger = logging.getLogger(__name__)

STAMP_PREFIX = "remoteconfig:stamp:"
# Per request (set by the middleware): the snapshot the request's first read got, so one request
# sees one version of the settings and checks the shared stamp once, not on every read.
_pinned: ContextVar[dict[str, Snapshot] | None] = ContextVar("remoteconfig_pinned", default=None)
# Log a fallback at most this often per cause, so an outage does not flood the logs.
FALLBACK_LOG_SECONDS = 30.0


@dataclass(frozen=True)
class RowMeta:
    version: int
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class Snapshot:
    environment: str
    stamp: str | None
    values: dict[str, Any]
    meta: dict[str, RowMeta] = field(default_factory=dict)
    # Number of recorded changes in this environment: only ever grows (history is
    # append-only), so the app can compare it.
    version: int = 0
    last_updated: datetime | None = None
    source: str = "database"  # database | last_known | defaults


def stamp_key(environment: str) -> str:
    return STAMP_PREFIX + environment


def stamp_bump(environment: str) -> str:
    """Tell every process that ``environment``'s values changed. Call after commit."""
    stamp = uuid.uuid4().hex
    stamp_set(stamp_key(environment), stamp)
    return stamp


def load_snapshot(environment: str, stamp: str | None) -> Snapshot:
    """All active values of ``environment`` from the database, validated against the registry.

    A stored value that no longer fits its key (the registry changed, or someone wrote the
    table by hand) is skipped and logged: readers fall back to the default rather than break.
    """
    values: dict[str, Any] = {}
    meta: dict[str, RowMeta] = {}
    rows = AppConfiguration.objects.filter(environment=environment, is_active=True).values_list(
        "config_key", "config_value", "version", "updated_at", "updated_by"
    )
    for key_name, raw, version, updated_at, updated_by in rows:
        key = key_find(key_name)
        if key is None:
            # Undeclared keys are served raw to ``config_value`` callers that ask for them.
            values[key_name] = raw
        else:
            try:
                values[key_name] = key.clean(raw)
            except Exception as exc:  # any bad row must not break readers
                logger.error(
                    "stored runtime setting is invalid; using its default",
                    extra={"key": key_name, "environment": environment, "problem": str(exc)},
                )
                continue
        meta[key_name] = RowMeta(version, updated_at, updated_by)
    totals = AppConfigurationChange.objects.filter(environment=environment).aggregate(
        n=Count("id"), last=Max("changed_at")
    )
    return Snapshot(
        environment=environment,
        stamp=stamp,
        values=values,
        meta=meta,
        version=totals["n"] or 0,
        last_updated=totals["last"],
    )


class ConfigStore:
    """One process's copy of the runtime values, per environment. Thread-safe."""

    def __init__(self, loader: Callable[[str, str | None], Snapshot] = load_snapshot) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._current: dict[str, Snapshot] = {}
        self._last_known: dict[str, Snapshot] = {}
        self._last_log: dict[str, float] = {}
        self.loads = 0  # how many times this store went to the database (for tests and bench)

    def clear(self) -> None:
        with self._lock:
            self._current.clear()
            self._last_known.clear()

    def snapshot(self, environment: str) -> Snapshot:
        pins = _pinned.get()
        if pins is not None and environment in pins:
            return pins[environment]
        result = self._snapshot(environment)
        if pins is not None:
            pins[environment] = result
        return result

    def _snapshot(self, environment: str, stamp: str | None = None) -> Snapshot:
        if stamp is None:
            stamp = self._read_stamp(environment)
        current = self._current.get(environment)
        if current is not None and stamp is not None and current.stamp == stamp:
            return current
        try:
            self.loads += 1
            fresh = self._loader(environment, stamp)
        except DatabaseError as exc:
            return self._fallback(environment, exc)
        if stamp is not None and not connection.in_atomic_block:
            with self._lock:
                self._current[environment] = fresh
                self._last_known[environment] = fresh
        return fresh

    def _read_stamp(self, environment: str) -> str | None:
        """The shared stamp, creating one if the cache lost it; None if the cache is down
        (then every read goes to the database, which is slower but never stale)."""
        key = stamp_key(environment)
        known, stamp = watch.value(key)
        if known:
            return stamp
        try:
            stamp = cache.get(key)
            if stamp is None:
                cache.add(key, uuid.uuid4().hex, timeout=None)
                stamp = cache.get(key)
            return stamp
        except Exception as exc:  # Redis errors are not one class
            self._log_once(
                "cache",
                "shared cache unreachable; reading runtime settings from the database",
                exc,
            )
            return None

    def _fallback(self, environment: str, exc: Exception) -> Snapshot:
        last = self._last_known.get(environment)
        if last is not None:
            self._log_once(
                f"db:{environment}",
                "remote config database unreachable; serving the last known values",
                exc,
            )
            return Snapshot(
                environment=environment,
                stamp=None,
                values=last.values,
                meta=last.meta,
                version=last.version,
                last_updated=last.last_updated,
                source="last_known",
            )
        self._log_once(
            f"db:{environment}",
            "remote config database unreachable and nothing loaded yet; serving file defaults",
            exc,
        )
        return Snapshot(environment=environment, stamp=None, values={}, source="defaults")

    def _log_once(self, cause: str, message: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_log.get(cause, -FALLBACK_LOG_SECONDS) >= FALLBACK_LOG_SECONDS:
            self._last_log[cause] = now
            logger.warning(message, extra={"error": type(exc).__name__, "detail": str(exc)[:200]})


store = ConfigStore()


def pin_with_stamp(environment: str, stamp: str | None) -> None:
    """Pin ``environment``'s snapshot for the current pinned block from a stamp the caller
    has just read from the shared cache along with its own keys (one round trip for both).
    Does nothing outside a pinned block, when already pinned, or without a stamp."""
    pins = _pinned.get()
    if pins is None or stamp is None or environment in pins:
        return
    pins[environment] = store._snapshot(environment, stamp)


@contextmanager
def pinned() -> Iterator[None]:
    """Within the block, every read of an environment's settings uses the snapshot the first
    read got (a change saved in this block unpins it: see ``unpin``). Inside an outer pinned
    block (a request that makes an AI call) the outer pins are shared: one version per request."""
    if _pinned.get() is not None:
        yield
        return
    token = _pinned.set({})
    try:
        yield
    finally:
        _pinned.reset(token)


def unpin(environment: str) -> None:
    pins = _pinned.get()
    if pins is not None:
        pins.pop(environment, None)
