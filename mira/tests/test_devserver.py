"""``make serve``: PORT chooses the port, and Ctrl-C stops the web server and the worker.

Argument checks run in process; one end-to-end run starts ``make serve PORT=…`` in its own
process group, waits for the page, sends SIGINT to the group as a terminal's Ctrl-C does, and
checks that nothing of the worker is left."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

import pytest
from django.conf import settings

from mira.devserver import parse_args
from mira.testing import subprocess_env


def test_port_comes_from_the_option_or_the_environment(monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    assert parse_args([]).port == 8000
    monkeypatch.setenv("PORT", "8123")
    assert parse_args([]).port == 8123
    assert parse_args(["--port", "9001"]).port == 9001


@pytest.mark.parametrize("port", ["0", "70000", "eighty", "-1"])
def test_a_bad_port_is_refused_with_a_message(monkeypatch, capsys, port):
    monkeypatch.delenv("PORT", raising=False)
    with pytest.raises(SystemExit) as exit_:
        parse_args([f"--port={port}"])
    assert exit_.value.code == 2
    assert "must be a number from 1 to 65535" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_make_serve_listens_on_port_and_ctrl_c_stops_the_worker(tmp_path):
    port = _free_port()
    log = (tmp_path / "serve.log").open("w+")
    make = subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"PORT={port}"],
        cwd=settings.BASE_DIR,
        env=subprocess_env({"PYTHONUNBUFFERED": "1"}),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own group, like a terminal's foreground job
    )
    worker = None
    try:
        deadline = time.monotonic() + 120
        page = None
        while time.monotonic() < deadline and page is None:
            assert make.poll() is None, (tmp_path / "serve.log").read_text()
            found = re.search(r"qcluster \(pid (\d+)\)", (tmp_path / "serve.log").read_text())
            worker = worker or (int(found.group(1)) if found else None)
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=2)
            except OSError:
                time.sleep(0.5)
        assert page is not None and page.status == 200, (tmp_path / "serve.log").read_text()
        assert worker and _group_alive(worker)

        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C
        make.wait(timeout=60)
        stopped = time.monotonic() + 15
        while _group_alive(worker) and time.monotonic() < stopped:
            time.sleep(0.2)
        assert not _group_alive(worker), "the worker outlived make serve"
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=2)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
        if worker and _group_alive(worker):
            os.killpg(worker, signal.SIGKILL)
        log.close()
