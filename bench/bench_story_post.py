"""``POST /api/v1/stories/`` with a text idea under gunicorn (production settings): p50/p95 at
``BENCH_STORY_CLIENTS`` (8) concurrent clients, each on its own keep-alive connection.

What is timed is the request only: validation, usage admission (the story hold), the story row
and the enqueue to the task broker. No worker runs; the queued tasks are purged afterwards and
the throwaway families (enough of them that no family hits the per-minute burst rule) are
deleted with their stories.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import PROXY_HEADERS, gunicorn_server

CLIENTS = int(os.environ.get("BENCH_STORY_CLIENTS", "8"))
PER_CLIENT = int(os.environ.get("BENCH_STORY_REQUESTS", "40"))
WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "4"))
STORIES_PER_FAMILY = 8  # below the default burst rule (10 a minute)


def _families(count: int) -> list[tuple[object, str, str]]:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from stories.services import kid_create
    from usage.services import account_limits_adjust

    families = []
    for _ in range(count):
        user = get_user_model().objects.create_user(username=f"bench-story-{uuid.uuid4().hex[:12]}")
        account_limits_adjust(
            user_id=user.pk,
            actor=None,
            daily_cost_limit=Decimal("100000"),
            monthly_cost_limit=Decimal("100000"),
            daily_operations_limit=10**9,
            monthly_operations_limit=10**9,
        )
        kid = kid_create(parent=user, name="Mia", age=5, interests=["dinosaurs"])
        families.append((user, Token.objects.create(user=user).key, str(kid.pk)))
    return families


def main() -> None:
    from django_q.brokers import get_broker

    per_client_families = -(-PER_CLIENT // STORIES_PER_FAMILY)
    families = _families(CLIENTS * per_client_families)
    samples: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    try:
        with gunicorn_server(WORKERS) as base:
            host = urlsplit(base)
            barrier = threading.Barrier(CLIENTS)

            def client(i: int) -> None:
                mine = families[i * per_client_families : (i + 1) * per_client_families]
                connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
                times = []
                barrier.wait()
                for n in range(PER_CLIENT):
                    _user, token, kid = mine[n % len(mine)]
                    body = json.dumps(
                        {
                            "kid": kid,
                            "text": "a dragon who is afraid of the dark",
                            "story_type": "adventure",
                        }
                    )
                    headers = {
                        **PROXY_HEADERS,
                        "Authorization": f"Token {token}",
                        "Content-Type": "application/json",
                        "Idempotency-Key": uuid.uuid4().hex,
                    }
                    started = time.perf_counter()
                    connection.request("POST", "/api/v1/stories/", body=body, headers=headers)
                    response = connection.getresponse()
                    payload = response.read()
                    elapsed = time.perf_counter() - started
                    if response.status != 202:
                        with lock:
                            errors.append(f"{response.status} {payload[:200]!r}")
                        continue
                    times.append(elapsed * 1000)
                connection.close()
                with lock:
                    samples.extend(times)

            threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
        if errors:
            print(f"{len(errors)} request(s) not accepted, e.g. {errors[0]}")
        if not samples:
            return
        ordered = sorted(samples)
        p95 = ordered[min(len(ordered) - 1, round(len(ordered) * 0.95) - 1)]
        print(
            f"POST /api/v1/stories/ (text idea), gunicorn {WORKERS} workers, {CLIENTS} clients: "
            f"n={len(samples)}  p50 {statistics.median(samples):.1f} ms  p95 {p95:.1f} ms  "
            f"({len(samples) / wall:.0f} stories/s)"
        )
    finally:
        get_broker().purge_queue()
        for user, _token, _kid in families:
            user.delete()
