"""``POST /api/v1/stories/`` with a text idea under gunicorn (production settings): p50/p95 at
``BENCH_STORY_CLIENTS`` (8) concurrent clients, each on its own connection (kept alive when the
server keeps it; gunicorn's sync workers close it after each response, and the client then
connects again, inside the timed request).

What is timed is the request only, from sending it to the last byte of the response:
validation, usage admission (the story hold), the story row and the enqueue to the task
broker. No worker runs; the queued tasks are purged afterwards and the throwaway families
(enough of them that no family hits the per-minute burst rule) are deleted with their stories.
The clock starts once every gunicorn worker has booted.

On a shared machine wall-clock numbers are noisy, so the CPU time each story cost is printed
too (Linux: from ``/proc``): the gunicorn workers, this database's PostgreSQL backends, the
Redis server (shared with whatever else uses it) and the client threads themselves.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _cpu
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


class _Connection:
    """A minimal HTTP/1.1 client for one thread: the request's bytes are built before the
    clock starts, so the client spends its CPU on sending and reading, not on http.client's
    header handling (the client shares the machine's cores with the server)."""

    def __init__(self, host: str, port: int) -> None:
        self.address = (host, port)
        self.sock: socket.socket | None = None
        self.buffer = b""

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        reused = self.sock is not None
        try:
            return self._exchange(request)
        except ConnectionError:
            self.close()
            if not reused:
                raise
            # The server closed an idle kept-alive connection before reading the request.
            return self._exchange(request)

    def _exchange(self, request: bytes) -> tuple[int, bytes]:
        if self.sock is None:
            self.sock = socket.create_connection(self.address, timeout=30)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buffer = b""
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self._receive()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip().lower()
        if "content-length" not in headers:
            raise RuntimeError(f"a response without Content-Length: {head[:200]!r}")
        length = int(headers["content-length"])
        self.buffer = rest
        while len(self.buffer) < length:
            self._receive()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        if headers.get("connection") == "close":
            self.close()
        return status, body

    def _receive(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None


def _story_request(host: str, port: int, token: str, kid: str) -> bytes:
    body = json.dumps(
        {"kid": kid, "text": "a dragon who is afraid of the dark", "story_type": "adventure"}
    ).encode()
    headers = {
        "Host": f"{host}:{port}",
        **PROXY_HEADERS,
        "Authorization": f"Token {token}",
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "Idempotency-Key": uuid.uuid4().hex,
    }
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return f"POST /api/v1/stories/ HTTP/1.1\r\n{head}\r\n".encode() + body


def main() -> None:
    from django_q.brokers import get_broker

    per_client_families = -(-PER_CLIENT // STORIES_PER_FAMILY)
    families = _families(CLIENTS * per_client_families)
    samples: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    measure_cpu = _cpu.available()
    cpu: dict[str, float] = {}
    try:
        with gunicorn_server(WORKERS) as base:
            host = urlsplit(base)
            meter = _cpu.CpuMeter(_cpu.wait_for_workers(base.pid, WORKERS)) if measure_cpu else None
            # Every client has built its requests (ready), the meter starts, then all go.
            ready, go = threading.Barrier(CLIENTS + 1), threading.Barrier(CLIENTS + 1)

            def client(i: int) -> None:
                mine = families[i * per_client_families : (i + 1) * per_client_families]
                requests = [
                    _story_request(host.hostname, host.port, token, kid)
                    for n in range(PER_CLIENT)
                    for _user, token, kid in [mine[n % len(mine)]]
                ]
                connection = _Connection(host.hostname, host.port)
                times = []
                ready.wait()
                go.wait()
                for request in requests:
                    started = time.perf_counter()
                    status, payload = connection.exchange(request)
                    elapsed = time.perf_counter() - started
                    if status != 202:
                        with lock:
                            errors.append(f"{status} {payload[:200]!r}")
                        continue
                    times.append(elapsed * 1000)
                connection.close()
                with lock:
                    samples.extend(times)

            threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
            for thread in threads:
                thread.start()
            ready.wait()
            if meter is not None:
                meter.start()
            go.wait()
            started = time.perf_counter()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
            if meter is not None:
                cpu = meter.stop()
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
        if cpu:
            count = CLIENTS * PER_CLIENT
            parts = "  ".join(
                f"{name} {seconds * 1000 / count:.2f}" for name, seconds in cpu.items()
            )
            total = sum(cpu.values()) * 1000 / count
            load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
            print(f"CPU ms per story: {parts}  total {total:.2f}  (load average {load})")
    finally:
        get_broker().purge_queue()
        for user, _token, _kid in families:
            user.delete()
