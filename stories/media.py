"""Validation of uploaded input files, by content rather than by name."""

from __future__ import annotations

import io

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from mira.errors import InvalidInput

ACCEPTED_IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg"}
MIN_IMAGE_SIDE = 32
MAX_IMAGE_PIXELS = 40_000_000


def validate_drawing(data: bytes, *, field: str = "drawing") -> str:
    """Check that ``data`` is a PNG or JPEG drawing we can read; return its file suffix."""
    limit = settings.MIRA_MAX_DRAWING_BYTES
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
            if width * height > MAX_IMAGE_PIXELS:
                raise InvalidInput(
                    f"The drawing is {width}x{height} pixels; at most {MAX_IMAGE_PIXELS // 1_000_000} megapixels.",
                    field=field,
                )
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # verify() misses truncated pixel data; decoding finds it
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
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
