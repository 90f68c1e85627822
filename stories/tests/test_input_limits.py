"""Drawings above the documented pixel count and text that is not valid UTF-8 get a clear 400
with a code, before anything is stored or any vendor sees them."""

import json
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mira.errors import InvalidInput
from stories import services
from stories.models import Story
from stories.tests.factories import KidFactory, drawing_bytes


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels with almost no pixel data: what
    a decompression bomb looks like before it is decoded (a few hundred bytes)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    pixels = zlib.compress(b"\x00" * 1024, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def kid(parent):
    return KidFactory(parent=parent)


def post_drawing(api, kid, data: bytes):
    upload = SimpleUploadedFile("drawing.png", data, content_type="image/png")
    return api.post("/api/v1/stories/", {"kid": str(kid.id), "drawing": upload}, format="multipart")


@pytest.mark.parametrize(
    "width, height",
    [(6000, 5000), (20000, 20000)],  # 30 MP (was accepted), 400 MP (a decompression bomb)
    ids=["30MP", "400MP-bomb"],
)
def test_drawing_above_the_pixel_limit_is_image_too_large(api, kid, width, height):
    response = post_drawing(api, kid, png_header_only(width, height))
    assert response.status_code == 400, response.data
    assert response.data["code"] == "image_too_large"
    assert response.data["max_pixels"] == 4096 * 4096
    assert "16,777,216 pixels" in response.data["detail"]
    assert "drawing" in response.data["errors"]
    assert "readable" not in response.data["detail"]
    assert not Story.objects.exists()


def test_pixel_limit_is_inclusive_and_configurable(api, kid, settings):
    settings.MIRA_MAX_DRAWING_PIXELS = 400 * 300 - 1
    refused = post_drawing(api, kid, drawing_bytes(size=(400, 300)))
    assert refused.status_code == 400 and refused.data["code"] == "image_too_large"
    assert "400x300 pixels" in refused.data["detail"]
    settings.MIRA_MAX_DRAWING_PIXELS = 400 * 300
    accepted = post_drawing(api, kid, drawing_bytes(size=(400, 300)))
    assert accepted.status_code == 202, accepted.data


def test_text_idea_with_invalid_utf8_bytes_is_refused(api, kid):
    boundary = "mira-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kid"\r\n\r\n{kid.id}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n'
        ).encode()
        + b"a dragon \xff\xfe who sings\r\n"
        + f"--{boundary}--\r\n".encode()
    )
    response = api.generic(
        "POST", "/api/v1/stories/", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400, response.data
    assert response.data["code"] == "invalid_utf8"
    assert "text" in response.data["errors"]
    assert not Story.objects.exists()


def test_lone_surrogate_in_json_is_refused(api, kid):
    raw = '{"kid": "KID", "text": "a cat", "special_requests": "\\ud800"}'.replace(
        "KID", str(kid.id)
    )
    response = api.generic("POST", "/api/v1/stories/", raw, content_type="application/json")
    assert response.status_code == 400, response.data
    # DRF's own surrogate check answers first, as a field error.
    assert response.data["code"] == "invalid"
    assert "special_requests" in response.data["errors"]
    assert not Story.objects.exists()


def test_json_body_that_is_not_utf8_is_a_parse_error(api, kid):
    raw = json.dumps({"kid": str(kid.id), "text": "a cat"}).encode().replace(b"cat", b"c\xe9t")
    response = api.generic("POST", "/api/v1/stories/", raw, content_type="application/json")
    assert response.status_code == 400
    assert response.data["code"] == "parse_error"


def test_kid_name_with_invalid_bytes_is_refused(api):
    response = api.post("/api/v1/kids/", {"name": "Mi\ufffda", "age": 5}, format="json")
    assert response.status_code == 400
    assert response.data["code"] == "invalid_utf8"
    assert "name" in response.data["errors"]


def test_command_line_text_with_undecodable_bytes_is_refused(kid):
    # Python hands undecodable argv bytes to ``tell_story`` as lone surrogates.
    with pytest.raises(InvalidInput) as refused:
        services.story_request(owner=kid.parent, kid_id=kid.id, text="a cat \udcff", enqueue=False)
    assert refused.value.code == "invalid_utf8"
    assert not Story.objects.exists()
