"""Validation of uploaded input files, by content rather than by name."""

from __future__ import annotations

import io

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from mira.errors import InvalidInput

ACCEPTED_IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg"}
MIN_IMAGE_SIDE = 32
# The documented ceiling (README, docs/deployment.md): a 12-megapixel phone photo fits, and a
# decompression bomb (a few KB that decode to gigabytes) is refused from its header, before any
# pixel is decoded or any vendor sees it. The limit is ``MIRA_MAX_DRAWING_PIXELS`` (4096x4096).


def _too_large(size: str, limit: int, field: str) -> InvalidInput:
    return InvalidInput(
        f"The drawing is {size}; the limit is {limit:,} pixels ({limit / 1e6:.1f} megapixels).",
        code="image_too_large",
        field=field,
        extra={"max_pixels": limit},
    )


def validate_drawing(data: bytes, *, field: str = "drawing") -> str:
    """Check that ``data`` is a PNG or JPEG drawing we can read; return its file suffix."""
    limit = settings.MIRA_MAX_DRAWING_BYTES
    max_pixels = settings.MIRA_MAX_DRAWING_PIXELS
    if not data:
        raise InvalidInput("The drawing file is empty.", field=field)
    if len(data) > limit:
        raise InvalidInput(
            f"The drawing is {len(data) / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.0f} MB.",
            field=field,
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            width, height = image.size
            if width * height > max_pixels:
                raise _too_large(f"{width}x{height} pixels", max_pixels, field)
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # verify() misses truncated pixel data; decoding finds it
    except InvalidInput:
        raise
    except Image.DecompressionBombError:
        # Pillow refuses, from the header alone, images beyond twice its own ceiling (~179 MP).
        raise _too_large("far too many pixels to decode", max_pixels, field) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidInput(
            "The drawing is not a readable PNG or JPEG image.", field=field
        ) from None
    if kind not in ACCEPTED_IMAGE_FORMATS:
        raise InvalidInput(f"The drawing is a {kind} image; send a PNG or JPEG.", field=field)
    if min(width, height) < MIN_IMAGE_SIDE:
        raise InvalidInput(
            f"The drawing is only {width}x{height} pixels; at least {MIN_IMAGE_SIDE}x{MIN_IMAGE_SIDE}.",
            field=field,
        )
    return ACCEPTED_IMAGE_FORMATS[kind]


def validate_unicode_text(value: str, *, field: str) -> str:
    """Text ideas and requests must have arrived as valid UTF-8.

    Django decodes form fields with ``errors="replace"``, so invalid bytes reach us as U+FFFD;
    JSON can carry lone surrogates (``"\\ud800"``), which no database or vendor accepts.
    """
    if "\ufffd" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
        raise InvalidInput(
            "The text is not valid UTF-8; send it encoded as UTF-8.",
            code="invalid_utf8",
            field=field,
        )
    return value
