"""The API round trip over real HTTP against the processes `make serve` runs: the web server
and a django-q2 worker, as subprocesses sharing the test database."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from mira.testing import subprocess_env
from stories.tests.factories import UserFactory

ROOT = Path(settings.BASE_DIR)
pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(method: str, url: str, token: str, body: bytes | None = None, content_type: str = ""):
    req = urllib.request.Request(url, data=body, method=method)
    if token:
        req.add_header("Authorization", f"Token {token}")
    if content_type:
        req.add_header("Content-Type", content_type)
    with urllib.request.urlopen(req, timeout=30) as response:
        return response.status, response.headers, response.read()


def multipart(
    fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]
) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, data, mime) in files.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\nContent-Type: {mime}\r\n\r\n'
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def served(tmp_path):
    port = free_port()
    # The real settings (not test settings): tasks go through the broker to the worker.
    env = subprocess_env(
        {"DJANGO_ENV": "local", "DEBUG": "false", "MEDIA_ROOT": str(tmp_path / "media")}
    )
    logs = tmp_path / "logs.txt"
    with logs.open("wb") as log:
        web = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    request("GET", f"http://127.0.0.1:{port}/healthz", "")
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                pytest.fail("the web server did not start:\n" + logs.read_text())
            yield f"http://127.0.0.1:{port}", logs
        finally:
            for process in (worker, web):
                process.terminate()
            for process in (worker, web):
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def test_create_kid_post_drawing_poll_and_fetch_media(served):
    base, logs = served
    token = Token.objects.create(user=UserFactory()).key

    status, _, body = request(
        "POST",
        f"{base}/api/v1/kids/",
        token,
        json.dumps({"name": "Mia", "age": 6}).encode(),
        "application/json",
    )
    assert status == 201
    kid = json.loads(body)["id"]

    form, content_type = multipart(
        {"kid": kid, "story_type": "adventure", "story_length": "short"},
        {"drawing": ("drawing.png", (ROOT / "samples" / "drawing.png").read_bytes(), "image/png")},
    )
    status, _, body = request("POST", f"{base}/api/v1/stories/", token, form, content_type)
    assert status == 202
    story = json.loads(body)

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        _, _, body = request("GET", story["status_url"], token)
        story = json.loads(body)
        if story["status"] in {"ready", "failed"}:
            break
        time.sleep(0.5)
    assert story["status"] == "ready", (story, logs.read_text()[-3000:])
    assert len(story["word_timestamps"]) == len(story["text"].split())

    status, headers, audio = request("GET", story["audio_url"], "")
    assert status == 200 and headers["Content-Type"] == "audio/wav" and audio[:4] == b"RIFF"
    status, headers, cover = request("GET", story["cover_url"], "")
    assert status == 200 and cover[:8] == b"\x89PNG\r\n\x1a\n"
    status, _, page = request("GET", story["read_along_url"], "")
    assert status == 200 and b'class="w"' in page
