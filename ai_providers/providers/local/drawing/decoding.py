"""Decoding and validating uploaded pictures: formats, size limits, EXIF rotation, RGB."""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import ExifTags, Image, UnidentifiedImageError

MIN_SIDE = 32
MAX_PIXELS = 40_000_000
# Formats a phone or a scanner plausibly produces. Restricting Image.open keeps exotic decoders
# (EPS via Ghostscript, ...) away from untrusted uploads. Multi-picture JPEGs from phones open
# through the JPEG plugin and come back with format "MPO".
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")

_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class InvalidImage(ValueError):
    """The upload is not a usable picture; the message is safe to show to a parent."""


def load_drawing(image: bytes, *, max_side: int | None = None) -> Image.Image:
    """Decode upload bytes into an upright RGB image, validated and optionally downscaled.

    Transparent pixels become white paper. ``max_side`` bounds the longer side; JPEGs are then
    decoded at reduced scale, which is what keeps 12-megapixel photos fast.
    Raises InvalidImage with a message fit for a parent.
    """
    return _decode(image, max_side)[0]


def _decode(image: bytes, max_side: int | None) -> tuple[Image.Image, tuple[int, int]]:
    """load_drawing, plus the upright size of the original before any downscaling."""
    if not image:
        raise InvalidImage("not an image: the file is empty")
    try:
        img = Image.open(io.BytesIO(image), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError as exc:
        raise InvalidImage("image too large (over 40 megapixels)") from exc
    except UnidentifiedImageError as exc:
        raise InvalidImage("not an image (expected a PNG or JPEG picture)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidImage("not an image, or the file is damaged") from exc

    width, height = img.size
    if width * height > MAX_PIXELS:
        raise InvalidImage(f"image too large (over 40 megapixels): {width}x{height}")
    if min(width, height) < MIN_SIDE:
        raise InvalidImage(f"image too small ({width}x{height}), at least {MIN_SIDE}x{MIN_SIDE}")

    if max_side and img.format in ("JPEG", "MPO") and max(width, height) > 2 * max_side:
        # DCT-domain downscaling (1/2, 1/4, 1/8) while decoding; keep >= 2x the target so the
        # final resize still averages real detail.
        scale = 2 * max_side / max(width, height)
        img.draft(img.mode, (max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))))

    try:
        img.load()
    except MemoryError:
        raise
    except Exception as exc:  # any decoder failure on untrusted bytes means "unusable image"
        raise InvalidImage(
            "the image file is truncated or damaged, please upload it again"
        ) from exc

    try:
        orientation = int(img.getexif().get(ExifTags.Base.Orientation, 1))
    except Exception:  # malformed EXIF must not block an otherwise fine picture
        orientation = 1

    out: Image.Image = img
    if max_side and max(out.size) > max_side and out.mode in ("RGB", "RGBA", "L", "LA"):
        # Shrink before converting: these modes resize correctly (alpha is premultiplied) and
        # converting the small copy is far cheaper than converting 12 megapixels.
        out = _shrink(out, max_side)
    out = _to_rgb(out)
    if max_side and max(out.size) > max_side:
        out = _shrink(out, max_side)
    # Same mapping as ImageOps.exif_transpose, applied after shrinking because rotating the small
    # copy is cheaper and the shrunken copy no longer carries the EXIF block.
    method = _ORIENTATION_TRANSPOSE.get(orientation)
    if method is not None:
        out = out.transpose(method)
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return out, (width, height)


def _shrink(img: Image.Image, max_side: int) -> Image.Image:
    w, h = img.size
    k = max_side / max(w, h)
    size = (max(1, round(w * k)), max(1, round(h * k)))
    return img.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def _to_rgb(img: Image.Image) -> Image.Image:
    """RGB copy of any mode; transparency is composited onto white paper."""
    mode = img.mode
    if mode == "RGB":
        return img
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        # 16-bit / float greyscale: Pillow's convert clips at 255, so rescale explicitly.
        arr = np.asarray(img, dtype=np.float32)
        peak = float(arr.max()) if arr.size else 0.0
        if peak > 255:
            arr = arr * (255.0 / (65535.0 if peak > 4095 else peak))
        return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L").convert("RGB")
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif mode in ("LA", "La", "RGBa", "PA") or (mode == "L" and "transparency" in img.info):
        img = img.convert("RGBA")
    elif mode == "1":
        img = img.convert("L")
    if img.mode == "RGBA":
        paper = Image.new("RGB", img.size, (255, 255, 255))
        paper.paste(img, mask=img.getchannel("A"))
        return paper
    if img.mode == "RGB":
        return img
    try:
        return img.convert("RGB")
    except ValueError as exc:
        raise InvalidImage(f"unsupported colour mode {mode!r}") from exc
