"""A gunicorn server for the HTTP benchmarks: production settings, loopback only, stopped
when the block ends. Started with the project's ``gunicorn.conf.py`` (as ``make serve-prod``)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Requests carry what the reverse proxy adds in production (TLS ended there).
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerURL(str):
    """The server's base URL, and the gunicorn master's process id (``pid``)."""

    pid: int


@contextlib.contextmanager
def gunicorn_server(workers: int) -> Iterator[ServerURL]:
    """Yield the base URL of a gunicorn running this checkout with ``workers`` processes."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-" + os.urandom(16).hex(),
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": str(workers),
        "LOG_LEVEL": "WARNING",
        # Every wrk request comes from 127.0.0.1: the per-address anonymous throttle would
        # answer 429 after 120 of them. It still counts each request (one cache round trip).
        "MIRA_THROTTLE_CONFIG_ANON": "100000000/min",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the server picks production from DJANGO_ENV
    # The server's log goes to a file: a pipe nobody reads would fill and stall the workers.
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below)
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = ServerURL(f"http://127.0.0.1:{port}")
    url.pid = process.pid
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                request = urllib.request.Request(url + "/healthz", headers=PROXY_HEADERS)
                with urllib.request.urlopen(request, timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    err = log.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"gunicorn did not start:\n{err}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
