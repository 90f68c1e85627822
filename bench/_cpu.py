"""CPU seconds spent on the server side of an HTTP benchmark (Linux, from ``/proc``): the
gunicorn workers, this database's PostgreSQL backends and the Redis server (shared with
whatever else uses it), plus the client's own. On a shared machine wall-clock rates are noisy;
CPU per request is what a change moves."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from pathlib import Path

PROC = Path("/proc")


def available() -> bool:
    return (PROC / "self" / "stat").exists()


def _cpu_seconds(pid: int) -> float:
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _database_backends() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def _redis_pid() -> int | None:
    from django.conf import settings

    if not settings.REDIS_URL:
        return None
    import redis

    return int(redis.Redis.from_url(settings.REDIS_URL).info("server")["process_id"])


def wait_for_workers(master: int, count: int, timeout: float = 60) -> list[int]:
    """The workers' ids once all have booted: ``count`` of them, their CPU time still."""
    deadline = time.monotonic() + timeout
    previous = None
    while time.monotonic() < deadline:
        workers = sorted(_children(master))
        spent = sum(_cpu_seconds(pid) for pid in workers)
        if len(workers) == count and previous is not None and spent - previous < 0.02:
            return workers
        previous = spent if len(workers) == count else None
        time.sleep(0.3)
    return sorted(_children(master))


def this_process() -> float:
    """The client is this process's threads."""
    return time.process_time()


def child_processes() -> float:
    """The client is a program this process ran to completion (wrk)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """CPU seconds spent by the web workers, the database's backends, Redis and the client
    between ``start`` and ``stop``."""

    def __init__(self, workers: list[int], client: Callable[[], float] = this_process) -> None:
        self.workers = workers
        self.redis = _redis_pid()
        self.client = client

    def _sample(self) -> dict:
        return {
            "web": sum(_cpu_seconds(pid) for pid in self.workers),
            # Backends opened during the run count from zero (their start-up is counted).
            "db": {pid: _cpu_seconds(pid) for pid in _database_backends()},
            "redis": _cpu_seconds(self.redis) if self.redis else 0.0,
            "client": self.client(),
        }

    def start(self) -> None:
        self.before = self._sample()

    def stop(self) -> dict[str, float]:
        after = self._sample()
        db = sum(v - self.before["db"].get(pid, 0.0) for pid, v in after["db"].items())
        return {
            "web": after["web"] - self.before["web"],
            "PostgreSQL": db,
            "Redis": after["redis"] - self.before["redis"],
            "client": after["client"] - self.before["client"],
        }
