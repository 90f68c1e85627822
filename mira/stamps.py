"""Stamps in the shared cache, watched from each process so a request need not read them.

A *stamp* is a small value in the shared cache that a writer replaces whenever something many
processes keep a copy of has changed: the runtime settings of an environment
(``remoteconfig.cache``) and API tokens and users (``accounts.authentication``). Readers used to
read the stamp on every request; that round trip to Redis was most of the cost of a cheap
request such as ``GET /api/v1/config``.

With ``MIRA_STAMP_WATCH`` on (the default with ``REDIS_URL``), each process runs one daemon
thread that keeps the current value of every stamp the process has asked for:

- writers set a stamp and publish its name on the stamps channel in one round trip
  (``stamp_set``); the thread, subscribed to that channel, reads the stamps again as soon as a
  message arrives, so another process sees a change within milliseconds;
- the thread also reads all its stamps every ``MIRA_STAMP_REFRESH_SECONDS`` (default 1 s), so a
  lost message (a writer that died between its two commands, a pub/sub connection that broke
  silently) delays a change by at most that long;
- a reader gets the thread's value only while its last successful read is recent (three
  refresh periods); otherwise (Redis unreachable, thread not started yet, a stamp not asked
  for before) the reader reads the cache itself, as without the watch;
- the writing process itself sees its new stamp at once (``stamp_set`` records it locally).

The values kept are only ever values the cache held, read after the moment they are used for,
so the readers' rule "read the stamp before the rows" still holds: a copy stored under a stamp
never holds rows older than that stamp.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import caches

logger = logging.getLogger(__name__)


def channel(backend) -> str:
    """The pub/sub channel of ``backend``'s stamps. Redis channels are server-wide, not per
    database: the name carries the key prefix and the database, so deployments sharing one
    Redis server do not hear each other."""
    db = backend._cache._get_connection_pool(True).connection_kwargs.get("db", 0)
    return f"{backend.make_and_validate_key('stamps')}@{db}"


_UNKNOWN = (False, None)


def _backend():
    from mira.cache import RedisCache

    backend = caches["default"]
    return backend if isinstance(backend, RedisCache) else None


class StampWatch:
    """The process's copy of the stamps it reads. Thread-safe; restarts after a fork."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, Any] = {}
        self._tracked: set[str] = set()
        self._generation = 0  # moves on every local write: a read begun before it is dropped
        self._last_ok = float("-inf")
        self._thread: threading.Thread | None = None
        self._failures = 0

    @staticmethod
    def enabled() -> bool:
        return bool(getattr(settings, "MIRA_STAMP_WATCH", False))

    @staticmethod
    def refresh_seconds() -> float:
        return float(getattr(settings, "MIRA_STAMP_REFRESH_SECONDS", 1.0))

    def value(self, key: str) -> tuple[bool, Any]:
        """``(True, value)`` when the watch has a current value of stamp ``key``; else
        ``(False, None)``: read the cache yourself (the watch will have it next time)."""
        if not self.enabled():
            return _UNKNOWN
        if self._thread is None:
            self._start()
        found = self._values.get(key)
        if found is None:
            with self._lock:
                self._tracked.add(key)
            return _UNKNOWN
        if time.monotonic() - self._last_ok > 3 * self.refresh_seconds():
            return _UNKNOWN
        return True, found

    def note(self, key: str, value: Any) -> None:
        """This process has just written ``value`` to stamp ``key``."""
        with self._lock:
            self._generation += 1
            if key in self._tracked:
                self._values = {**self._values, key: value}

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="mira-stamp-watch", daemon=True)
            self._thread.start()

    def _refresh(self, backend) -> None:
        with self._lock:
            keys = sorted(self._tracked)
            generation = self._generation
        values = {}
        if keys:
            client = backend._cache.get_client()
            raw = client.mget([backend.make_and_validate_key(k) for k in keys])
            loads = backend._cache._serializer.loads
            values = {k: loads(r) for k, r in zip(keys, raw, strict=True) if r is not None}
        with self._lock:
            if generation != self._generation:
                return  # a local write happened meanwhile; the next read includes it
            self._values = values
            self._last_ok = time.monotonic()

    def _run(self) -> None:
        while True:
            pubsub = None
            try:
                backend = _backend()
                if backend is None:
                    return  # not Redis: readers read the (in-process) cache themselves
                pubsub = backend._cache.get_client().pubsub()
                pubsub.subscribe(channel(backend))
                # Subscribed before the first read: a change after that read is heard.
                deadline = time.monotonic() + 5
                while (message := pubsub.get_message(timeout=0.5)) is None or (
                    message["type"] != "subscribe"
                ):
                    if time.monotonic() > deadline:
                        raise TimeoutError("no subscription confirmation")
                self._refresh(backend)
                self._failures = 0
                while True:
                    deadline = time.monotonic() + self.refresh_seconds()
                    while (left := deadline - time.monotonic()) > 0:
                        message = pubsub.get_message(timeout=left)
                        if message is not None and message["type"] == "message":
                            break
                    self._refresh(backend)
            except Exception as exc:  # Redis errors are not one class
                # The values read last stay in use until they are three refresh periods old
                # (``value``): a slow moment of Redis does not send every request to it.
                self._failures += 1
                if self._failures == 1:
                    logger.warning(
                        "stamp watch lost the shared cache; reading stamps on every request",
                        extra={"error": type(exc).__name__, "detail": str(exc)[:200]},
                    )
                time.sleep(min(5.0, 0.2 * 2 ** min(self._failures, 5)))
            finally:
                if pubsub is not None:
                    with contextlib.suppress(Exception):  # closing a broken connection
                        pubsub.close()


watch = StampWatch()
# A forked child (gunicorn with preload, a test runner) has no watcher thread of its own.
os.register_at_fork(after_in_child=watch._reset)


def stamp_set(key: str, value: Any) -> None:
    """Write stamp ``key`` (no expiry) and tell every watching process, in one round trip."""
    backend = _backend()
    if backend is None:
        caches["default"].set(key, value, timeout=None)
    else:
        backend.set_and_publish(key, value, channel(backend))
    watch.note(key, value)
