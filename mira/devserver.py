"""``make serve``: the development web server and a django-q2 worker together.

``python -m mira.devserver --port 8000`` (or ``PORT`` from the environment).
Ctrl-C (or SIGTERM) stops both: the worker runs in its own session, so the terminal's SIGINT
reaches only this script and runserver, and the worker is stopped here, once, with SIGTERM
(django-q2's graceful stop) and, if it has not gone after ``STOP_SECONDS``, SIGKILL. Nothing is
left running on the port or in the queue's process table. Imports no Django: it only starts
``manage.py`` processes.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STOP_SECONDS = 10.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m mira.devserver", description="Web server and django-q2 worker."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default=os.environ.get("PORT") or "8000")
    args = parser.parse_args(argv)
    if not str(args.port).isdigit() or not 0 < int(args.port) < 65536:
        parser.error(f"--port (PORT) must be a number from 1 to 65535, not {args.port!r}")
    args.port = int(args.port)
    return args


def _stop(process: subprocess.Popen | None, *, group: bool) -> None:
    if process is None or process.poll() is not None:
        return
    send = (lambda sig: os.killpg(process.pid, sig)) if group else process.send_signal
    try:
        send(signal.SIGTERM)
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass
    if group:  # the worker's own children (django-q2's sentinel, pusher, workers)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _terminate(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    manage = [sys.executable, str(ROOT / "manage.py")]
    signal.signal(signal.SIGTERM, _terminate)
    worker = subprocess.Popen([*manage, "qcluster"], cwd=ROOT, start_new_session=True)
    web = None
    print(
        f"web on http://{args.host}:{args.port} (admin at /admin/), "
        f"worker: django-q2 qcluster (pid {worker.pid}); Ctrl-C stops both",
        flush=True,
    )
    try:
        web = subprocess.Popen([*manage, "runserver", f"{args.host}:{args.port}"], cwd=ROOT)
        return web.wait()
    except KeyboardInterrupt:
        return 130
    finally:
        _stop(web, group=False)
        _stop(worker, group=True)


if __name__ == "__main__":
    sys.exit(main())
