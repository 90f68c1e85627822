"""Which prompt version is current, remembered per process and invalidated everywhere at once.

Each process keeps the current definitions it loaded, tagged with the *stamp* it read from the
shared Django cache (Redis when ``REDIS_URL`` is set) before loading them. Publishing writes a
new stamp after its transaction commits; the next render in any web or worker process sees a
stamp it has not loaded under and reloads from the database. One cache GET per render, no
database query while nothing changes.

Order matters: the stamp is read *before* the database, so a process that races a publish
either loads the new version or tags the old one with the old stamp and reloads next time.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

_memo: dict[tuple[str, str], tuple[str, Any]] = {}
_memo_lock = threading.Lock()


def stamp_key(environment: str) -> str:
    return f"prompts:current-stamp:{environment}"


def current_stamp(environment: str) -> str | None:
    """The shared stamp; None when the cache is unreachable (then nothing is memoised)."""
    key = stamp_key(environment)
    try:
        stamp = cache.get(key)
        if stamp is None:
            # First reader after a cache flush: agree on one stamp (add is atomic).
            cache.add(key, uuid.uuid4().hex, timeout=None)
            stamp = cache.get(key)
        return stamp
    except Exception:  # a cache outage must not stop stories; fall back to the database
        logger.warning("prompt stamp cache unreachable; reading prompts from the database")
        return None


def memo_get(environment: str, key: str, stamp: str | None) -> Any | None:
    if stamp is None:
        return None
    with _memo_lock:
        found = _memo.get((environment, key))
    if found is not None and found[0] == stamp:
        return found[1]
    return None


def memo_put(environment: str, key: str, stamp: str | None, value: Any) -> None:
    if stamp is None:
        return
    with _memo_lock:
        _memo[(environment, key)] = (stamp, value)


def forget_local() -> None:
    with _memo_lock:
        _memo.clear()


def bump_stamp(environment: str) -> None:
    try:
        cache.set(stamp_key(environment), uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.exception("could not publish the prompt stamp; other processes keep the old version")


def invalidate_on_commit(environment: str) -> None:
    """This process forgets at once; every process sees the new stamp once the data is
    committed (earlier, another process could reload the old row under the new stamp)."""
    forget_local()
    transaction.on_commit(lambda: bump_stamp(environment))
