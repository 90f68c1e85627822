"""Throttles: sign-in per address and per username, anonymous config reads per address, and
story creation per family through usage's one story-request throttle. Each refusal is 429 with
``Retry-After``; an idempotent replay of a story request is never throttled."""

import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from remoteconfig.services import config_set
from stories.models import Story
from stories.tests.factories import KidFactory, UserFactory
from usage.models import EventKind, UsageEvent


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """Throttle counters live in the shared cache; each test starts from zero."""

    _delete_known_keys()
    yield
    _delete_known_keys()


def _delete_known_keys():
    import hashlib

    idents = [f"10.0.0.{n}" for n in range(0, 40)] + ["127.0.0.1"]
    names = ["mia", "leo"] + [f"user{n}" for n in range(40)]
    for ident in idents:
        cache.delete(f"throttle_login_ip_{ident}")
        cache.delete(f"throttle_config_anon_{ident}")
    for name in names:
        digest = hashlib.sha256(name.encode()).hexdigest()[:32]
        cache.delete(f"throttle_login_username_{digest}")


def login(client, username, password="wrong", ip="10.0.0.1"):  # noqa: S107
    return client.post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=ip,
    )


def assert_throttled(response, code="throttled"):
    assert response.status_code == 429, response.content
    assert response.json()["code"] == code
    assert int(response["Retry-After"]) >= 1


def test_login_is_throttled_per_username_across_addresses(db):
    UserFactory(username="mia")
    client = APIClient()
    for attempt in range(10):  # MIRA_THROTTLE_LOGIN_USERNAME default: 10/hour
        assert login(client, "mia", ip=f"10.0.0.{attempt}").status_code == 400
    assert_throttled(login(client, "mia", ip="10.0.0.20"))
    assert_throttled(login(client, "MIA ", ip="10.0.0.21"))  # same name, other spelling
    assert_throttled(login(client, "mia", password="correct horse battery", ip="10.0.0.22"))
    # Another parent is not locked out by someone guessing Mia's password.
    UserFactory(username="leo")
    ok = login(client, "leo", password="correct horse battery", ip="10.0.0.23")
    assert ok.status_code == 200 and ok.json()["token"]


def test_login_is_throttled_per_address_across_usernames(db):
    client = APIClient()
    for n in range(30):  # MIRA_THROTTLE_LOGIN_IP default: 30/min
        assert login(client, f"user{n}", ip="10.0.0.30").status_code == 400
    assert_throttled(login(client, "user31", ip="10.0.0.30"))
    assert login(client, "user32", ip="10.0.0.31").status_code == 400  # another address


def test_anonymous_config_reads_are_throttled_per_address(db, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "config_anon", "3/min")
    anonymous = APIClient()
    for _ in range(3):
        assert anonymous.get("/api/v1/config", REMOTE_ADDR="10.0.0.5").status_code == 200
    assert_throttled(anonymous.get("/api/v1/config", REMOTE_ADDR="10.0.0.5"))
    signed_in = APIClient()
    signed_in.force_authenticate(UserFactory())
    for _ in range(5):  # signed-in reads are not counted
        assert signed_in.get("/api/v1/config", REMOTE_ADDR="10.0.0.5").status_code == 200


def test_a_refusal_says_when_the_oldest_counted_read_leaves_the_window(db, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "config_anon", "3/min")
    anonymous = APIClient()
    for _ in range(3):
        assert anonymous.get("/api/v1/config", REMOTE_ADDR="10.0.0.9").status_code == 200
    refused = anonymous.get("/api/v1/config", REMOTE_ADDR="10.0.0.9")
    assert_throttled(refused)
    # The three reads were just now: the first leaves the minute in (almost) a minute.
    assert 30 <= int(refused["Retry-After"]) <= 60


@pytest.mark.skipif(
    settings.CACHES["default"]["BACKEND"] != "mira.cache.RedisCache",
    reason="the one-round-trip counter is Redis's",
)
def test_a_history_left_by_the_old_throttle_is_replaced_not_an_error(db, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "config_anon", "3/min")
    cache.set("throttle_config_anon_10.0.0.10", [time.time()] * 5, 60)  # DRF's pickled list
    assert APIClient().get("/api/v1/config", REMOTE_ADDR="10.0.0.10").status_code == 200


def test_forwarded_address_counts_only_behind_a_trusted_proxy(db, monkeypatch):
    from rest_framework.settings import api_settings

    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "config_anon", "1/min")
    anonymous = APIClient()
    # No trusted proxy: a client-chosen X-Forwarded-For does not dodge the per-address count.
    first = anonymous.get("/api/v1/config", REMOTE_ADDR="10.0.0.6", HTTP_X_FORWARDED_FOR="1.1.1.1")
    assert first.status_code == 200
    again = anonymous.get("/api/v1/config", REMOTE_ADDR="10.0.0.6", HTTP_X_FORWARDED_FOR="2.2.2.2")
    assert_throttled(again)
    # Behind one proxy the client address is the proxy's last X-Forwarded-For entry.
    monkeypatch.setattr(api_settings, "NUM_PROXIES", 1)
    for client_ip in ("10.0.0.7", "10.0.0.8"):
        response = anonymous.get(
            "/api/v1/config", REMOTE_ADDR="10.0.0.6", HTTP_X_FORWARDED_FOR=client_ip
        )
        assert response.status_code == 200


@pytest.fixture
def family(db):
    kid = KidFactory()
    client = APIClient()
    client.force_authenticate(kid.parent)
    config_set(key="rate_limits", value={"story_requests_per_minute": 2}, author="ops")
    return client, kid


def request_story(client, kid, key=None, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        "/api/v1/stories/",
        {"kid": str(kid.id), "text": "a whale who sings", **body},
        format="multipart",
        **headers,
    )


def test_story_creation_uses_the_one_story_request_throttle(family):
    client, kid = family
    assert request_story(client, kid, key="k1").status_code == 202
    assert request_story(client, kid, key="k2").status_code == 202
    refused = request_story(client, kid, key="k3")
    assert_throttled(refused, code="rapid_requests")
    assert refused.json()["warning_count"] == 1
    # The same counter and warning as usage's admission: one burst event, no third story.
    assert UsageEvent.objects.filter(kind=EventKind.BURST_THROTTLED).count() == 1
    assert Story.objects.count() == 2


def test_throttled_story_request_is_refused_before_its_upload_is_read(family):
    client, kid = family
    request_story(client, kid)
    request_story(client, kid)
    # A broken drawing would be 400; the throttle answers first, without decoding it.
    drawing = SimpleUploadedFile("drawing.png", b"not an image", content_type="image/png")
    broken = request_story(client, kid, drawing=drawing, text="")
    assert_throttled(broken, code="rapid_requests")


def test_idempotent_replay_is_never_throttled(family):
    client, kid = family
    first = request_story(client, kid, key="bedtime-1")
    request_story(client, kid, key="bedtime-2")
    assert_throttled(request_story(client, kid, key="bedtime-3"), code="rapid_requests")
    replay = request_story(client, kid, key="bedtime-1")
    assert replay.status_code == 200, replay.content
    assert replay.json()["id"] == first.json()["id"]
    assert Story.objects.count() == 2


def test_another_family_is_not_throttled_by_a_burst(family):
    client, kid = family
    for key in ("a", "b", "c"):
        request_story(client, kid, key=key)
    other_kid = KidFactory()
    other = APIClient()
    other.force_authenticate(other_kid.parent)
    assert request_story(other, other_kid).status_code == 202


def test_password_confirmation_for_deletion_is_throttled_per_account(db):
    user = UserFactory()
    client = APIClient()
    client.force_authenticate(user)
    cache.delete(f"throttle_reauthenticate_{user.pk}")
    try:
        for _ in range(10):  # MIRA_THROTTLE_REAUTHENTICATE default: 10/hour
            wrong = client.delete("/api/v1/account", {"password": "guess"}, format="json")
            assert wrong.status_code == 403
        assert_throttled(client.delete("/api/v1/account", {"password": "guess"}, format="json"))
        # Even the right password waits: the throttle answers before the password is checked.
        right = client.delete(
            "/api/v1/account", {"password": "correct horse battery"}, format="json"
        )
        assert_throttled(right)
        assert type(user).objects.filter(pk=user.pk).exists()
    finally:
        cache.delete(f"throttle_reauthenticate_{user.pk}")
