"""Requests per second under gunicorn (production settings, ``WEB_WORKERS`` processes), driven
by wrk on 127.0.0.1: a trivial view (``/healthz``) and ``GET /api/v1/config`` anonymous, with a
token (200, full body) and with a token and ``If-None-Match`` (304), in the same run.

Cases run in interleaved rounds, each bounded by ``BENCH_LOAD_SECONDS``, in a shuffled order
per round (seeded: ``BENCH_LOAD_SEED``); the median round is reported, so neither a slow stretch
of the shared machine nor a drift over the run lands on one case only (a fixed order always
measured the 304 last, right after the 200). Needs wrk
(Debian: ``apt-get install wrk``). A throwaway parent with a token is created and removed.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _cpu
from bench._server import PROXY_HEADERS, gunicorn_server

SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_LOAD_ROUNDS", "3"))
SEED = int(os.environ.get("BENCH_LOAD_SEED", "0"))
CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "16"))
WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "4"))


def _wrk(url: str, headers: dict[str, str]) -> tuple[float, int]:
    """Requests per second, and how many requests wrk completed."""
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--timeout", "5s"]
    for name, value in {**PROXY_HEADERS, **headers}.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=SECONDS + 30, check=True
    ).stdout
    if "Non-2xx or 3xx responses" in output:
        raise RuntimeError(f"errors under load for {url}:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return rate, int(re.search(r"(\d+) requests in", output).group(1))


def main() -> None:
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk); skipped")
        return
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    user = get_user_model().objects.create_user(username=f"bench-load-{uuid.uuid4().hex[:12]}")
    token = Token.objects.create(user=user)
    auth = {"Authorization": f"Token {token.key}", "X-App-Platform": "ios"}
    try:
        with gunicorn_server(WORKERS) as base:
            request = urllib.request.Request(
                base + "/api/v1/config", headers={**PROXY_HEADERS, **auth}
            )
            with urllib.request.urlopen(request) as response:
                etag = response.headers["ETag"]
            cases = {
                "GET /healthz (trivial view)": ("/healthz", {}),
                "GET /api/v1/config anonymous": ("/api/v1/config", {"X-App-Platform": "ios"}),
                "GET /api/v1/config token (200)": ("/api/v1/config", auth),
                "GET /api/v1/config token (304)": (
                    "/api/v1/config",
                    {**auth, "If-None-Match": etag},
                ),
            }
            meter = None
            if _cpu.available():
                workers = _cpu.wait_for_workers(base.pid, WORKERS)
                meter = _cpu.CpuMeter(workers, client=_cpu.child_processes)
            _wrk(base + "/healthz", {})  # warm every worker
            rates: dict[str, list[float]] = {name: [] for name in cases}
            # Server CPU (workers, PostgreSQL, Redis) per request; wrk's own is left out.
            costs: dict[str, list[float]] = {name: [] for name in cases}
            rng = random.Random(SEED)
            for _ in range(ROUNDS):
                for name in rng.sample(list(cases), len(cases)):
                    path, headers = cases[name]
                    if meter is not None:
                        meter.start()
                    rate, count = _wrk(base + path, headers)
                    rates[name].append(rate)
                    if meter is not None:
                        spent = meter.stop()
                        server = spent["web"] + spent["PostgreSQL"] + spent["Redis"]
                        costs[name].append(server * 1e6 / count)
        print(
            f"gunicorn {WORKERS} workers, wrk {CONNECTIONS} connections, "
            f"{ROUNDS} rounds x {SECONDS} s, order shuffled per round (median round)"
        )
        trivial = statistics.median(rates["GET /healthz (trivial view)"])
        for name, values in rates.items():
            rate = statistics.median(values)
            cost = (
                f"  {statistics.median(costs[name]):6.0f} µs server CPU/req" if costs[name] else ""
            )
            print(f"{name:<34}{rate:>9,.0f} req/s  {rate / trivial:5.2f}x trivial{cost}")
        ok = statistics.median(rates["GET /api/v1/config token (200)"])
        not_modified = statistics.median(rates["GET /api/v1/config token (304)"])
        line = f"304 / 200 (token): {not_modified / ok:.2f} in req/s"
        if costs["GET /api/v1/config token (200)"]:
            ok_cost = statistics.median(costs["GET /api/v1/config token (200)"])
            nm_cost = statistics.median(costs["GET /api/v1/config token (304)"])
            line += f", {nm_cost / ok_cost:.2f} in server CPU per request"
        print(line)
    finally:
        user.delete()
        # The anonymous cases counted 127.0.0.1 in the shared throttle; leave it as it was.
        from django.core.cache import cache

        cache.delete("throttle_config_anon_127.0.0.1")
