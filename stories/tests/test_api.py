"""The parents' API over the Django test client, pipeline included (tasks run in-process)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from prompts_app.rendering import prompt_resolve
from stories.models import Story, StoryStatus
from stories.tests.factories import KidFactory, UserFactory, drawing_bytes


def upload(data: bytes, name: str = "drawing.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def kid(parent):
    return KidFactory(parent=parent, name="Mia", age=5)


# --- kids --------------------------------------------------------------------------------------


def test_create_and_list_kids(api):
    response = api.post(
        "/api/v1/kids/", {"name": "Ava", "age": 7, "interests": ["space", "cats"]}, format="json"
    )
    assert response.status_code == 201, response.data
    assert response.data["name"] == "Ava"
    listed = api.get("/api/v1/kids/")
    assert [k["name"] for k in listed.data] == ["Ava"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "Ava", "age": 1}, "age"),
        ({"name": "Ava", "age": 13}, "age"),
        ({"name": "Ava", "age": "five"}, "age"),
        ({"age": 5}, "name"),
        ({"name": "", "age": 5}, "name"),
        ({"name": "Ava", "age": 5, "reading_level": "expert"}, "reading_level"),
        ({"name": "Ava", "age": 5, "interests": "space"}, "interests"),
    ],
)
def test_bad_kid_input_is_a_field_error(api, body, field):
    response = api.post("/api/v1/kids/", body, format="json")
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert field in response.data["errors"]


def test_parents_see_only_their_own_kids(api, kid):
    other = APIClient()
    other.force_authenticate(UserFactory())
    assert other.get("/api/v1/kids/").data == []


def test_anonymous_requests_are_refused(db):
    response = APIClient().get("/api/v1/stories/")
    assert response.status_code == 401
    assert response.data["code"] == "not_authenticated"


# --- stories: bad input ------------------------------------------------------------------------


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (100, 100), "red").save(out, format="GIF")
    return out.getvalue()


BAD_DRAWINGS = {
    "not an image": (b"hello, this is text", "drawing.png", "readable PNG or JPEG"),
    "empty": (b"", "drawing.png", "empty"),
    "truncated": (drawing_bytes()[:300], "drawing.png", "readable PNG or JPEG"),
    "gif": (_gif(), "drawing.gif", "PNG or JPEG"),
    "tiny": (drawing_bytes(size=(20, 20)), "drawing.png", "at least 32x32"),
    "renamed text": (b"%PDF-1.4 not really", "drawing.jpg", "readable PNG or JPEG"),
}


@pytest.mark.parametrize("case", BAD_DRAWINGS)
def test_bad_drawing_is_refused_with_a_field_message(api, kid, case):
    data, name, message = BAD_DRAWINGS[case]
    response = api.post(
        "/api/v1/stories/", {"kid": str(kid.id), "drawing": upload(data, name)}, format="multipart"
    )
    assert response.status_code == 400, response.data
    assert "drawing" in response.data["errors"]
    assert message in str(response.data["errors"]["drawing"])
    assert not Story.objects.exists()


def test_too_large_drawing_is_refused(api, kid, settings):
    settings.MIRA_MAX_DRAWING_BYTES = 1000
    response = api.post(
        "/api/v1/stories/",
        {"kid": str(kid.id), "drawing": upload(drawing_bytes())},
        format="multipart",
    )
    assert response.status_code == 400
    assert "limit" in response.data["errors"]["drawing"][0]


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"story_type": "horror"}, "story_type"),
        ({"story_length": "epic"}, "story_length"),
        ({"kid": "not-a-uuid"}, "kid"),
        ({"special_requests": "x" * 301}, "special_requests"),
    ],
)
def test_bad_story_fields(api, kid, extra, field):
    body = {"kid": str(kid.id), "drawing": upload(drawing_bytes()), **extra}
    response = api.post("/api/v1/stories/", body, format="multipart")
    assert response.status_code == 400
    assert field in response.data["errors"]


def test_neither_or_both_inputs(api, kid):
    neither = api.post("/api/v1/stories/", {"kid": str(kid.id)}, format="multipart")
    assert neither.status_code == 400 and "drawing" in neither.data["errors"]
    both = api.post(
        "/api/v1/stories/",
        {"kid": str(kid.id), "drawing": upload(drawing_bytes()), "text": "a cat"},
        format="multipart",
    )
    assert both.status_code == 400 and "drawing" in both.data["errors"]


def test_another_parents_kid_is_refused(api):
    stranger = KidFactory()
    response = api.post(
        "/api/v1/stories/",
        {"kid": str(stranger.id), "drawing": upload(drawing_bytes())},
        format="multipart",
    )
    assert response.status_code == 400
    assert "kid" in response.data["errors"]
    assert not Story.objects.exists()


# --- stories: the round trip -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_round_trip_drawing_to_ready_story(kid):
    client = APIClient()
    client.force_authenticate(kid.parent)
    response = client.post(
        "/api/v1/stories/",
        {
            "kid": str(kid.id),
            "drawing": upload(drawing_bytes("JPEG"), "photo.jpg", "image/jpeg"),
            "story_type": "bedtime",
        },
        format="multipart",
    )
    assert response.status_code == 202, response.data
    assert response.data["status"] in {"queued", "processing", "ready"}
    assert response.data["status_url"].endswith(f"/api/v1/stories/{response.data['id']}/")

    detail = client.get(f"/api/v1/stories/{response.data['id']}/")
    assert detail.status_code == 200
    body = detail.data
    assert body["status"] == StoryStatus.READY, body
    assert "Mia" in body["text"]
    assert len(body["word_timestamps"]) == len(body["text"].split())
    assert body["total_cost_usd"] == "0.0000"
    assert body["prompt_version"] == prompt_resolve("story_generation").version
    assert set(body["cost_breakdown"]) >= {"story_generation", "text_to_speech"}

    anonymous = APIClient()
    audio = anonymous.get(body["audio_url"])
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/wav"
    assert b"".join(audio.streaming_content)[:4] == b"RIFF"
    cover = anonymous.get(body["cover_url"])
    assert cover.status_code == 200
    assert b"".join(cover.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"

    listed = client.get("/api/v1/stories/")
    assert listed.data["count"] == 1


@pytest.mark.django_db(transaction=True)
def test_idempotency_key_returns_the_first_story(kid):
    client = APIClient()
    client.force_authenticate(kid.parent)
    body = {"kid": str(kid.id), "text": "a friendly whale"}
    first = client.post("/api/v1/stories/", body, format="multipart", HTTP_IDEMPOTENCY_KEY="abc-1")
    second = client.post("/api/v1/stories/", body, format="multipart", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == 202 and second.status_code == 200
    assert first.data["id"] == second.data["id"]
    assert Story.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_another_parents_story_is_not_found(kid):
    owner = APIClient()
    owner.force_authenticate(kid.parent)
    created = owner.post(
        "/api/v1/stories/", {"kid": str(kid.id), "text": "a kite"}, format="multipart"
    )
    stranger = APIClient()
    stranger.force_authenticate(UserFactory())
    response = stranger.get(f"/api/v1/stories/{created.data['id']}/")
    assert response.status_code == 404
    assert response.data["code"] == "not_found"
    assert stranger.get("/api/v1/stories/").data["count"] == 0


@pytest.mark.django_db(transaction=True)
def test_blocked_account_cannot_request_stories(kid):
    from usage.services import account_get_or_create

    account = account_get_or_create(user_id=kid.parent.pk)
    account.is_blocked, account.block_reason = True, "too many requests"
    account.save()
    client = APIClient()
    client.force_authenticate(kid.parent)
    response = client.post(
        "/api/v1/stories/", {"kid": str(kid.id), "text": "a kite"}, format="multipart"
    )
    assert response.status_code == 403
    assert response.data["code"] == "account_blocked"
    assert "too many requests" in response.data["detail"]
