"""/healthz says the process is alive; /readyz checks what serving a story needs."""

import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.core.cache import caches
from django.test import override_settings

from ops import health
from ops.models import WorkerHeartbeat
from ops.services import heartbeat_record
from ops.tasks import worker_heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_is_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_ready_with_a_fresh_heartbeat(client):
    worker_heartbeat()
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "cache", "broker", "migrations", "worker"}
    assert all(check["ok"] for check in body["checks"].values())


def test_not_ready_without_a_recent_worker_heartbeat(client, settings):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["code"] == "worker_heartbeat_stale"
    heartbeat_record()
    WorkerHeartbeat.objects.update(seen_at=WorkerHeartbeat.objects.get().seen_at.replace(year=2020))
    body = client.get("/readyz").json()
    assert body["code"] == "not_ready" and "worker" in body["detail"]
    settings.MIRA_READYZ_WORKER_MAX_AGE_SECONDS = 0  # a deployment without workers here
    assert client.get("/readyz").status_code == 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def own_redis():
    binary = shutil.which("redis-server")
    if not binary:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    yield url, process
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)


def test_not_ready_when_redis_stops(client, own_redis, settings):
    url, process = own_redis
    heartbeat_record()
    cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    with override_settings(CACHES=cache, Q_CLUSTER={**settings.Q_CLUSTER, "redis": url}):
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.json()
        assert ready.json()["checks"]["broker"]["broker"] == "redis"

        process.terminate()
        process.wait(timeout=10)
        caches["default"].close()

        down = client.get("/readyz")
        body = down.json()
        assert down.status_code == 503
        assert body["status"] == "not_ready"
        assert body["checks"]["cache"]["code"] == "cache_unreachable"
        assert body["checks"]["broker"]["code"] == "broker_unreachable"
        assert body["checks"]["database"]["ok"] is True
        assert "cache" in body["detail"]


def test_pending_migrations_are_reported(monkeypatch):
    monkeypatch.setattr(health, "_migrated", set())

    class Plan:
        def __init__(self, connection):
            self.loader = type("L", (), {"graph": type("G", (), {"leaf_nodes": lambda s: []})()})()

        def migration_plan(self, targets):
            migration = type("M", (), {"app_label": "ops", "name": "0002_future"})()
            return [(migration, False)]

    monkeypatch.setattr(health, "MigrationExecutor", Plan)
    check = health.check_migrations()
    assert not check.ok and check.code == "migrations_pending"
    assert check.extra["pending"] == ["ops.0002_future"]
