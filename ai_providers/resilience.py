"""The gateway's one retry layer and its per-provider circuit breaker.

Retries: exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
Jitter"), except that a vendor's ``Retry-After`` is obeyed when it is at most
``MIRA_AI_RETRY_AFTER_CAP_SECONDS``; a longer one means "not soon", so the gateway moves on to
the next provider instead of holding a worker.

Circuit breaker, one per (provider, operation): a vendor's endpoints fail independently (chat
can be down while speech and moderation are up), so an outage of one operation never switches
off the vendor's others. After ``MIRA_AI_CIRCUIT_FAILURES`` consecutive failures the pair is
*open* (calls fail fast, the chain moves on) for ``MIRA_AI_CIRCUIT_COOLDOWN_SECONDS``; then one
caller in the whole deployment gets to *probe* it (half-open). Success closes it, failure
re-opens it. The state lives in Django's cache (Redis when ``REDIS_URL`` is set) so every web
and worker process sees the same circuit.

Reading the state without a round trip: every write of a circuit's state is followed by a new
value of the circuit stamp (``CIRCUIT_STAMP_KEY``, written with ``mira.stamps.stamp_set``), and
each process keeps what it last read of the circuit keys together with the stamp it read in the
same MGET (``cached_states`` / ``remember_states``). While the process's stamp watch still holds
that stamp, the copy is what the cache holds, so a closed circuit costs a call no round trip.
Staleness bound, as for the runtime settings (``mira.stamps``): another process's change is seen
within milliseconds (pub/sub), within ``MIRA_STAMP_REFRESH_SECONDS`` if its notice is lost, and
a watch that cannot reach Redis for three refresh periods sends every call back to the cache.
Meanwhile a process may still call a vendor whose circuit another process has just opened (its
own first failure then moves its stamp and it reads the state again), or skip one just closed;
changes made by the process itself are seen at once. The half-open probe stays an atomic
``cache.add`` on every read that finds the cool-down over.

Deadline: a call context may carry the moment its stage's time budget runs out
(``Deadline``); the gateway never starts a try, waits for a retry or moves to a fallback past
it, and gives each vendor call at most the time that is left.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from mira.stamps import stamp_set, watch

from .types import Deadline, Operation

__all__ = ["CircuitBreaker", "Deadline", "RetryPolicy", "circuit_reset", "sleep"]

logger = logging.getLogger(__name__)

# The seam tests replace to observe waits without spending them. Nothing else should.
sleep = time.sleep


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int  # tries per provider, the first included
    base_delay: float
    max_delay: float
    retry_after_cap: float

    @classmethod
    def from_settings(cls) -> RetryPolicy:
        return cls(
            attempts=max(1, int(settings.MIRA_AI_RETRY_ATTEMPTS)),
            base_delay=max(0.0, float(settings.MIRA_AI_RETRY_BASE_DELAY)),
            max_delay=max(0.0, float(settings.MIRA_AI_RETRY_MAX_DELAY)),
            retry_after_cap=max(0.0, float(settings.MIRA_AI_RETRY_AFTER_CAP_SECONDS)),
        )

    def wait_before(self, retry: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry number ``retry`` (1 = the first retry), or None when
        the vendor asked for longer than the cap and the caller should fall back instead."""
        if retry_after is not None and retry_after >= 0:
            if retry_after > self.retry_after_cap:
                return None
            return retry_after
        ceiling = min(self.max_delay, self.base_delay * (2 ** (retry - 1)))
        return random.uniform(0, ceiling)


CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"

# Moves (a fresh random value) after every write of any circuit's state.
CIRCUIT_STAMP_KEY = "ai:circuit:stamp"
# (stamp, {key: value or None when the cache had no such key}): the circuit keys this process
# read in one MGET with that stamp. Replaced whole, never mutated, so threads can share it.
_known: tuple[Any, dict[str, Any]] | None = None


def _bump() -> None:
    """Tell every process that some circuit's state has just changed (after the write)."""
    stamp_set(CIRCUIT_STAMP_KEY, uuid.uuid4().hex)


def cached_states(keys: Iterable[str]) -> dict[str, Any] | None:
    """What the cache holds for the circuit ``keys`` (missing keys left out, as
    ``cache.get_many`` does), from this process's copy while the watched circuit stamp is the
    one the copy was read with; None: read them, with ``CIRCUIT_STAMP_KEY`` in the same
    ``get_many``, and pass the result to ``remember_states``."""
    watched, stamp = watch.value(CIRCUIT_STAMP_KEY)
    known = _known
    if not watched or known is None or known[0] != stamp:
        return None
    values = known[1]
    seen = {}
    for key in keys:
        if key not in values:
            return None
        if values[key] is not None:
            seen[key] = values[key]
    return seen


def remember_states(keys: Iterable[str], seen: dict[str, Any]) -> dict[str, Any]:
    """Keep what one ``get_many`` of ``keys`` and ``CIRCUIT_STAMP_KEY`` returned (``seen``)
    for ``cached_states``; return ``seen`` without the stamp."""
    global _known
    stamp = seen.get(CIRCUIT_STAMP_KEY)
    states = {k: v for k, v in seen.items() if k != CIRCUIT_STAMP_KEY}
    if stamp is None:
        if watch.enabled():
            # No circuit was ever written: start the stamp so the watch has one to follow.
            # Nothing is kept this time (a write may come between the read and this add).
            cache.add(CIRCUIT_STAMP_KEY, uuid.uuid4().hex, timeout=None)
        return states
    values = {key: states.get(key) for key in keys}
    known = _known
    if known is not None and known[0] == stamp:
        values = {**known[1], **values}
    _known = (stamp, values)
    return states


@dataclass(frozen=True)
class CircuitDecision:
    allowed: bool
    state: str  # closed | open | half_open
    probe: bool = False  # this caller is the one half-open probe
    retry_in: float = 0.0  # while open: seconds until a probe is allowed


class CircuitBreaker:
    """Consecutive-failure breaker for one provider's one operation, shared through the cache."""

    def __init__(self, name: str, operation: Operation | str) -> None:
        self.name = name
        self.operation = str(operation)
        self.threshold = max(1, int(settings.MIRA_AI_CIRCUIT_FAILURES))
        self.cooldown = max(0.0, float(settings.MIRA_AI_CIRCUIT_COOLDOWN_SECONDS))
        prefix = f"ai:circuit:{name}:{self.operation}:"
        self._failures = prefix + "failures"
        self._open_until = prefix + "open_until"
        self._probe = prefix + "probe"
        # Set by ``before_call``: it saw no failures and no open circuit, so a success has
        # nothing to reset. (A failure another process counts meanwhile is then not wiped by
        # this success: at worst the circuit opens one failure early.)
        self._clean = False

    def _probe_ttl(self) -> int:
        # A probe that never reports back (its worker died) must not keep the circuit shut:
        # the lock expires and the next caller probes.
        return max(1, int(self.cooldown) + int(settings.MIRA_AI_CIRCUIT_PROBE_TIMEOUT_SECONDS))

    def state(self) -> str:
        open_until = cache.get(self._open_until)
        if open_until is None:
            return CLOSED
        return OPEN if time.time() < open_until else HALF_OPEN

    @property
    def state_keys(self) -> tuple[str, str]:
        """The cache keys ``before_call`` reads; a caller may fetch them with its own."""
        return self._open_until, self._failures

    def before_call(self, seen: dict[str, object] | None = None) -> CircuitDecision:
        """``seen``: what the cache held for ``state_keys`` when the caller just read them
        (missing keys left out, as ``cache.get_many`` does); None reads them now."""
        # One round trip for both keys; a closed circuit with no failures counted (the usual
        # case) then needs nothing more, not even in ``record_success``.
        if seen is None:
            seen = cache.get_many([self._open_until, self._failures])
        else:
            seen = {k: v for k, v in seen.items() if k in self.state_keys}
        self._clean = not seen
        open_until = seen.get(self._open_until)
        if open_until is None:
            return CircuitDecision(True, CLOSED)
        now = time.time()
        if now < open_until:
            return CircuitDecision(False, OPEN, retry_in=open_until - now)
        # Cool-down over: cache.add is atomic (SET NX on Redis), so exactly one caller probes.
        if cache.add(self._probe, 1, timeout=self._probe_ttl()):
            return CircuitDecision(True, HALF_OPEN, probe=True)
        return CircuitDecision(False, HALF_OPEN)

    def record_success(self) -> None:
        if self._clean:
            return
        if cache.get(self._open_until) is not None:
            logger.info("circuit closed", extra={"vendor": self.name, "operation": self.operation})
        cache.delete_many(self._keys)
        _bump()

    def record_failure(self, *, probe: bool = False) -> bool:
        """Count a failure; return True when this failure opened (or re-opened) the circuit."""
        # Failures older than a few cool-downs are not "consecutive" in any useful sense.
        window = max(60, int(self.cooldown * 4))
        cache.add(self._failures, 0, timeout=window)
        try:
            failures = cache.incr(self._failures)
        except ValueError:  # expired between add and incr
            cache.set(self._failures, 1, timeout=window)
            failures = 1
        if probe or failures >= self.threshold:
            cache.set(self._open_until, time.time() + self.cooldown, timeout=None)
            cache.delete(self._probe)
            _bump()  # after every write: the count moved (and the circuit opened)
            logger.warning(
                "circuit opened",
                extra={
                    "vendor": self.name,
                    "operation": self.operation,
                    "failures": failures,
                    "cooldown": self.cooldown,
                },
            )
            return True
        _bump()
        return False

    def release_probe(self) -> None:
        """Give up the half-open probe without a verdict (the call failed for our own reasons)."""
        cache.delete(self._probe)

    @property
    def _keys(self) -> list[str]:
        return [self._failures, self._open_until, self._probe]

    def reset(self) -> None:
        cache.delete_many(self._keys)
        _bump()


def circuit_reset(names: Iterable[str], operations: Iterable[Operation | str] = Operation) -> None:
    """Close the named providers' circuits, every operation unless ``operations`` says which
    (ops after an incident; tests between cases)."""
    wanted = list(operations)
    keys = [key for name in names for op in wanted for key in CircuitBreaker(name, op)._keys]
    if keys:
        cache.delete_many(keys)
    _bump()
