"""The stamp watch (``mira.stamps``) with Redis: what another process writes reaches this one
without a request reading the stamp, a revoked token stops working in every process, and with
the watch live a signed-in ``GET /api/v1/config`` costs no cache round trip (an anonymous one
costs one: its throttle, which also brings the settings stamp).

"Another process" is a plain redis-py client writing the cache keys as a process would.
``transaction=True``: stamps are written after commit, as in production.
"""

import pickle
import time

import pytest
import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.authentication import AUTH_STAMP_KEY, copies
from mira.stamps import channel, stamp_set, watch
from remoteconfig.cache import stamp_key
from stories.tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.CACHES["default"]["BACKEND"] != "mira.cache.RedisCache",
        reason="needs REDIS_URL (the watch is for the Redis cache)",
    ),
]

URL = "/api/v1/config"


@pytest.fixture
def watching(settings):
    settings.MIRA_STAMP_WATCH = True
    settings.MIRA_STAMP_REFRESH_SECONDS = 0.2
    copies.clear()
    return settings


@pytest.fixture
def other_process():
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


def raw_key(name: str) -> str:
    return cache.make_and_validate_key(name)


def eventually(check, seconds: float = 10.0):
    """Poll ``check`` until it holds: propagation takes milliseconds, a loaded machine longer."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not seen in time"
        time.sleep(0.02)


def test_a_stamp_another_process_publishes_is_seen_here(watching, other_process):
    stamp_set("test:stamp:a", "one")
    eventually(lambda: watch.value("test:stamp:a") == (True, "one"))
    other_process.set(raw_key("test:stamp:a"), pickle.dumps("two"))  # as Django stores a str
    other_process.publish(channel(caches["default"]), "test:stamp:a")
    eventually(lambda: watch.value("test:stamp:a") == (True, "two"))


def test_a_change_whose_notice_is_lost_is_seen_at_the_next_refresh(watching, other_process):
    stamp_set("test:stamp:b", "one")
    eventually(lambda: watch.value("test:stamp:b") == (True, "one"))
    cache.set("test:stamp:b", "two", timeout=None)  # written, never published
    eventually(lambda: watch.value("test:stamp:b") == (True, "two"))


def test_the_writing_process_sees_its_own_stamp_at_once(watching):
    stamp_set("test:stamp:c", "one")
    eventually(lambda: watch.value("test:stamp:c") == (True, "one"))
    stamp_set("test:stamp:c", "two")
    assert watch.value("test:stamp:c") == (True, "two")


def signed_in():
    user = UserFactory()
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client, user, token


def test_a_token_revoked_by_another_process_stops_working_here(watching, other_process):
    client, _user, token = signed_in()
    assert client.get("/api/v1/kids/").status_code == 200
    eventually(lambda: watch.value(AUTH_STAMP_KEY)[0])
    # Another process deletes the token and bumps the auth stamp; this process's copy of the
    # token is dropped when the watch hears of it.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM authtoken_token WHERE key = %s", [token.key])
    other_process.set(raw_key(AUTH_STAMP_KEY), pickle.dumps("another-process"))
    other_process.publish(channel(caches["default"]), AUTH_STAMP_KEY)
    eventually(lambda: client.get("/api/v1/kids/").status_code == 401)


def test_a_parent_deactivated_here_is_refused_on_the_next_request(watching):
    client, user, _token = signed_in()
    assert client.get("/api/v1/kids/").status_code == 200
    eventually(lambda: watch.value(AUTH_STAMP_KEY)[0])
    user.is_active = False
    user.save()
    assert client.get("/api/v1/kids/").status_code == 401


class RedisCommands:
    """Counts commands sent to Redis by clients (pipelines and scripts included)."""

    def __init__(self, monkeypatch) -> None:
        self.count = 0
        original = redis.Redis.execute_command
        original_pipeline = redis.client.Pipeline.execute

        def counting(client, *args, **kwargs):
            self.count += 1
            return original(client, *args, **kwargs)

        def counting_pipeline(pipe, *args, **kwargs):
            self.count += 1
            return original_pipeline(pipe, *args, **kwargs)

        monkeypatch.setattr(redis.Redis, "execute_command", counting)
        monkeypatch.setattr(redis.client.Pipeline, "execute", counting_pipeline)


def test_with_the_watch_live_a_signed_in_config_read_costs_no_round_trip(watching, monkeypatch):
    client, _user, _token = signed_in()
    first = client.get(URL, HTTP_X_APP_PLATFORM="ios")
    assert first.status_code == 200
    environment = settings.MIRA_ENVIRONMENT
    eventually(lambda: watch.value(AUTH_STAMP_KEY)[0] and watch.value(stamp_key(environment))[0])
    # The watcher thread's own refreshes would be counted too: let it be quiet for a moment.
    watching.MIRA_STAMP_REFRESH_SECONDS = 30
    time.sleep(1.0)
    commands = RedisCommands(monkeypatch)
    ok = client.get(URL, HTTP_X_APP_PLATFORM="ios")
    not_modified = client.get(URL, HTTP_X_APP_PLATFORM="ios", HTTP_IF_NONE_MATCH=first["ETag"])
    assert ok.status_code == 200 and ok.content == first.content
    assert not_modified.status_code == 304
    assert commands.count == 0
    cache.delete("throttle_config_anon_10.0.0.9")
    APIClient().get(URL, REMOTE_ADDR="10.0.0.9")  # the throttle's script is loaded once
    commands.count = 0
    anonymous = APIClient().get(URL, REMOTE_ADDR="10.0.0.9")
    assert anonymous.status_code == 200
    assert commands.count == 1  # the throttle's script, which also read the settings stamp
    cache.delete("throttle_config_anon_10.0.0.9")
