"""How long a budget reserve + settle pair takes (the work the gateway adds to every AI call).

Runs against ``DATABASE_URL`` (PostgreSQL for meaningful numbers). Creates a throw-away
parent and deletes it (and its usage rows) afterwards.

- one family, one caller: the lock is never contended;
- one family, 8 callers at once: the worst case, every pair waits for the account lock
  (a story narrating paragraphs in parallel);
- 8 families, 8 callers: no shared lock.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from decimal import Decimal

PAIRS = 400
THREADS = 8


def _pair(user_id) -> float:
    from usage.services import budget_reserve, budget_settle

    started = time.perf_counter()
    reservation = budget_reserve(
        user_id=user_id, amount_usd=Decimal("0.002"), purpose="story_generation"
    )
    budget_settle(reservation=reservation, actual_usd=Decimal("0.001"))
    return (time.perf_counter() - started) * 1000


def _report(label: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p99 = samples[min(len(samples) - 1, round(len(samples) * 0.99) - 1)]
    print(
        f"{label:<34} n={len(samples):<5} median {statistics.median(samples):6.2f} ms"
        f"   p99 {p99:6.2f} ms"
    )


def _threads(user_ids: list) -> list[float]:
    from django.db import connections

    samples: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def work(i: int) -> None:
        barrier.wait()
        mine = [_pair(user_ids[i % len(user_ids)]) for _ in range(PAIRS // THREADS)]
        with lock:
            samples.extend(mine)
        connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


def main() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from usage.services import account_limits_adjust

    print(f"database: {connection.vendor}")
    users = [
        get_user_model().objects.create(username=f"bench-usage-{uuid.uuid4().hex[:12]}")
        for _ in range(THREADS)
    ]
    try:
        for user in users:
            account_limits_adjust(
                user_id=user.pk,
                actor=None,
                daily_cost_limit=Decimal("100000"),
                monthly_cost_limit=Decimal("100000"),
                daily_operations_limit=10**9,
                monthly_operations_limit=10**9,
            )
        for _ in range(20):  # warm up connections and caches
            _pair(users[0].pk)
        _report("1 family, 1 caller", [_pair(users[0].pk) for _ in range(PAIRS)])
        _report(f"1 family, {THREADS} callers (contended)", _threads([users[0].pk]))
        _report(f"{THREADS} families, {THREADS} callers", _threads([u.pk for u in users]))
    finally:
        for user in users:
            user.delete()
