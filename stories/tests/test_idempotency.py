"""``Idempotency-Key`` on POST /api/v1/stories/, on PostgreSQL (real row and advisory locks,
ten concurrent requests in threads with their own connections)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from rest_framework.test import APIClient

from stories.models import Story
from stories.services import MAX_IDEMPOTENCY_KEY
from stories.tests.factories import KidFactory
from usage.models import ReservationKind, UsageAccount, UsageReservation
from usage.tests.factories import needs_postgres

pytestmark = [pytest.mark.django_db(transaction=True), needs_postgres]


@pytest.fixture
def kid(parent):
    return KidFactory(parent=parent)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(client, body, key):
    return client.post("/api/v1/stories/", body, format="multipart", HTTP_IDEMPOTENCY_KEY=key)


def holds(user) -> int:
    return UsageReservation.objects.filter(account__user=user, kind=ReservationKind.STORY).count()


def test_same_key_same_body_is_the_same_story_and_counts_once(kid):
    client = client_for(kid.parent)
    body = {"kid": str(kid.id), "text": "a friendly whale"}
    first = post(client, body, "same-1")
    assert first.status_code == 202
    account = UsageAccount.objects.get(user=kid.parent)
    # Far more replays than the burst threshold (10 a minute): none is throttled or admitted.
    for _ in range(15):
        again = post(client, body, "same-1")
        assert again.status_code == 200, again.data
        assert again.data["id"] == first.data["id"]
    assert Story.objects.count() == 1 and holds(kid.parent) == 1
    after = UsageAccount.objects.get(user=kid.parent)
    assert after.daily_operations == account.daily_operations
    assert after.warning_count == account.warning_count == 0


def test_same_key_different_body_is_422_and_changes_nothing(kid):
    client = client_for(kid.parent)
    first = post(client, {"kid": str(kid.id), "text": "a friendly whale"}, "reuse-1")
    assert first.status_code == 202
    reused = post(client, {"kid": str(kid.id), "text": "a grumpy dragon"}, "reuse-1")
    assert reused.status_code == 422
    assert reused.data["code"] == "idempotency_key_reused"
    assert reused.data["story_id"] == first.data["id"]
    story = Story.objects.get()
    assert story.input_text == "a friendly whale" and holds(kid.parent) == 1
    other_length = post(
        client,
        {"kid": str(kid.id), "text": "a friendly whale", "story_length": "medium"},
        "reuse-1",
    )
    assert other_length.status_code == 422


def test_a_key_over_the_documented_length_is_400_not_cut(kid):
    client = client_for(kid.parent)
    body = {"kid": str(kid.id), "text": "a friendly whale"}
    longest = "k" * MAX_IDEMPOTENCY_KEY
    assert post(client, body, longest).status_code == 202
    # Two keys that agree on their first 100 characters used to collide after truncation.
    for key in (longest + "1", longest + "2"):
        response = post(client, body, key)
        assert response.status_code == 400, response.data
        assert response.data["code"] == "idempotency_key_invalid"
    assert post(client, body, "caf\u00e9").status_code == 400  # not printable ASCII
    assert Story.objects.count() == 1


def test_other_families_may_use_the_same_key(kid):
    other = KidFactory()
    body = {"kid": str(kid.id), "text": "a friendly whale"}
    assert post(client_for(kid.parent), body, "shared").status_code == 202
    body = {"kid": str(other.id), "text": "a friendly whale"}
    assert post(client_for(other.parent), body, "shared").status_code == 202
    assert Story.objects.count() == 2


def test_ten_concurrent_requests_with_one_key_make_one_story(kid):
    body = {"kid": str(kid.id), "text": "a friendly whale"}
    start = threading.Barrier(10)
    results: list = []
    lock = threading.Lock()

    def send():
        try:
            client = client_for(kid.parent)
            start.wait()
            response = post(client, body, "concurrent-1")
            with lock:
                results.append((response.status_code, response.data))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    codes = sorted(code for code, _ in results)
    assert len(results) == 10
    assert codes.count(202) == 1, codes
    story = Story.objects.get()
    for code, data in results:
        assert code in (200, 202, 409), (code, data)
        if code == 409:
            assert data["code"] == "idempotency_request_in_progress"
        else:
            assert data["id"] == str(story.id)
    assert holds(kid.parent) == 1  # nothing but the one story was admitted
    assert UsageAccount.objects.get(user=kid.parent).warning_count == 0
    assert post(client_for(kid.parent), body, "concurrent-1").status_code == 200


@pytest.mark.parametrize("kid_id", ["not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_a_key_with_an_unknown_or_malformed_kid_is_400_and_admits_nothing(kid, kid_id):
    client = client_for(kid.parent)
    response = post(client, {"kid": kid_id, "text": "a brave snail"}, "key-bad-kid")
    assert response.status_code == 400, response.content
    assert response.json()["errors"]["kid"]
    assert holds(kid.parent) == 0 and not Story.objects.filter(owner=kid.parent).exists()


def test_another_familys_kid_with_a_key_is_400(kid):
    other = KidFactory()
    response = post(client_for(kid.parent), {"kid": str(other.id), "text": "a snail"}, "k-other")
    assert response.status_code == 400, response.content
    assert holds(kid.parent) == 0


def test_a_replay_keeps_the_kids_language_choice(kid):
    client = client_for(kid.parent)
    body = {"kid": str(kid.id), "text": "a brave snail"}
    first = post(client, body, "key-lang")
    assert first.status_code == 202, first.content
    again = post(client, body, "key-lang")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["language"] == first.json()["language"] == Story.objects.get().language
