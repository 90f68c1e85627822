"""Readiness checks for ``/readyz``: can this process serve a story request end to end?

Each check returns a ``Check``; none raises. ``/healthz`` checks nothing (the process answers);
``/readyz`` runs all of these and answers 503 when any fails, so a load balancer stops sending
traffic to an instance whose database, cache or broker it cannot reach, whose schema is behind
its code, or whose workers have stopped taking tasks.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# Short: a readiness probe that hangs is worse than one that says "no".
PROBE_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    ms: float
    code: str = ""  # why it failed, e.g. "cache_unreachable"
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": self.ok, "ms": round(self.ms, 1)}
        if not self.ok:
            body.update(code=self.code, detail=self.detail)
        body.update(self.extra)
        return body


def _timed(name: str, code: str, probe: Callable[[], tuple[bool, str, dict]]) -> Check:
    started = time.perf_counter()
    try:
        ok, detail, extra = probe()
    except Exception as exc:  # any failure of the dependency is a "not ready", never a 500
        ok, detail, extra = False, f"{type(exc).__name__}: {str(exc)[:200]}", {}
    ms = (time.perf_counter() - started) * 1000
    return Check(name, ok, ms, "" if ok else code, "" if ok else detail, extra)


def check_database() -> Check:
    def probe():
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, "", {}

    return _timed("database", "database_unreachable", probe)


def check_cache() -> Check:
    def probe():
        cache = caches["default"]
        token = secrets.token_hex(8)
        cache.set("ops:readyz", token, timeout=10)
        if cache.get("ops:readyz") != token:
            return False, "the cache did not return what was written", {}
        return True, "", {"backend": type(cache).__name__}

    return _timed("cache", "cache_unreachable", probe)


def check_broker() -> Check:
    """django-q2's broker: Redis when ``Q_CLUSTER["redis"]`` is set, else the ORM queue table."""

    def probe():
        url = settings.Q_CLUSTER.get("redis")
        if url:
            import redis

            client = redis.Redis.from_url(
                url,
                socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
                socket_timeout=PROBE_TIMEOUT_SECONDS,
            )
            try:
                client.ping()
            finally:
                client.close()
            return True, "", {"broker": "redis"}
        from django_q.models import OrmQ

        alias = settings.Q_CLUSTER.get("orm", DEFAULT_DB_ALIAS)
        OrmQ.objects.using(alias).exists()
        return True, "", {"broker": "orm"}

    return _timed("broker", "broker_unreachable", probe)


_migrated: set[str] = set()  # aliases seen fully migrated; code cannot gain migrations live


def check_migrations() -> Check:
    def probe():
        if DEFAULT_DB_ALIAS in _migrated:
            return True, "", {}
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            names = [f"{m.app_label}.{m.name}" for m, _ in plan[:5]]
            return False, f"{len(plan)} migration(s) not applied", {"pending": names}
        _migrated.add(DEFAULT_DB_ALIAS)
        return True, "", {}

    return _timed("migrations", "migrations_pending", probe)


def check_worker() -> Check:
    """A task ran on a worker within ``MIRA_READYZ_WORKER_MAX_AGE_SECONDS`` (0: not checked)."""
    max_age = int(settings.MIRA_READYZ_WORKER_MAX_AGE_SECONDS)

    def probe():
        from .models import WorkerHeartbeat
        from .services import HEARTBEAT

        if max_age <= 0:
            return True, "", {"checked": False}
        beat = WorkerHeartbeat.objects.filter(name=HEARTBEAT).first()
        if beat is None:
            return False, "no worker heartbeat yet (is qcluster running?)", {}
        age = (timezone.now() - beat.seen_at).total_seconds()
        extra = {"age_seconds": round(age, 1), "max_age_seconds": max_age}
        if age > max_age:
            return False, f"last worker heartbeat {age:.0f} s ago", extra
        return True, "", extra

    return _timed("worker", "worker_heartbeat_stale", probe)


CHECKS = (check_database, check_cache, check_broker, check_migrations, check_worker)


def readiness() -> tuple[bool, dict[str, Any]]:
    """Run every check; return (ready, JSON body)."""
    results = [check() for check in CHECKS]
    ready = all(r.ok for r in results)
    body: dict[str, Any] = {
        "status": "ready" if ready else "not_ready",
        "checks": {r.name: r.as_dict() for r in results},
        "at": timezone.now().isoformat(),
    }
    if not ready:
        body["code"] = "not_ready"
        body["detail"] = "; ".join(f"{r.name}: {r.detail}" for r in results if not r.ok)
    return ready, body
