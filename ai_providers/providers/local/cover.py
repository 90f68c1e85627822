"""Offline storybook cover: a palette gradient, soft decorations, the framed drawing and the title.

Everything is drawn with Pillow, deterministically: the same title, palette and drawing always
give the same PNG, so retries and tests are stable. Fonts come from the system when a known
TrueType font is installed and otherwise from Pillow's bundled font, so it works on a bare box.
"""

from __future__ import annotations

import colorsys
import functools
import hashlib
import io
import math
import random
import re
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ai_providers.providers.local.drawing import load_drawing

__all__ = ["paint_cover"]

RGB = tuple[int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

FALLBACK_PALETTE: tuple[RGB, ...] = ((142, 202, 230), (255, 209, 102), (244, 166, 198))
INK_FALLBACK: RGB = (35, 35, 58)
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
# Bold, rounded-ish sans faces that read well at a glance, best first.
PREFERRED_FONTS = (
    "Nunito-Bold.ttf",
    "Quicksand-Bold.ttf",
    "DejaVuSans-Bold.ttf",
    "LiberationSans-Bold.ttf",
    "NotoSans-Bold.ttf",
    "FreeSansBold.ttf",
    "OpenSans-Bold.ttf",
    "Ubuntu-B.ttf",
)
MAX_TITLE_LINES = 3
_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


def paint_cover(
    *,
    title: str,
    palette: tuple[str, ...],
    drawing: bytes | None = None,
    size: tuple[int, int] = (1024, 1024),
) -> bytes:
    """Paint a cover as PNG bytes; ``drawing`` (PNG/JPEG bytes) is framed in the middle.

    Raises InvalidImage (from drawing.py) for unusable drawing bytes and ValueError for a size
    outside 64..4096 pixels per side.
    """
    width, height = size
    if not (64 <= width <= 4096 and 64 <= height <= 4096):
        raise ValueError(f"cover size must be 64..4096 pixels per side, got {width}x{height}")
    # Decode first: a bad upload should fail before any painting work is done.
    art = load_drawing(drawing, max_side=max(width, height)) if drawing is not None else None

    text = _clean_title(title)
    seed = hashlib.sha256(f"{text}|{width}x{height}".encode()).digest()
    rng = random.Random(int.from_bytes(seed[:8], "big"))
    colours = _cover_colours(palette)

    canvas = _gradient((width, height), colours).convert("RGBA")
    canvas.alpha_composite(_decorations((width, height), colours, rng))

    unit = min(width, height)
    margin = round(unit * 0.06)
    # With a drawing the title steps back a little so the child's picture stays the star.
    largest = unit * (0.075 if art is not None else 0.1)
    font_px, lines = _fit_title(text, width - 2 * margin - round(unit * 0.08), largest, unit)
    band_box = None
    if lines:
        font = _font(font_px)
        line_h = _line_height(font)
        pad_y = round(font_px * 0.45)
        band_h = line_h * len(lines) + 2 * pad_y
        text_w = max(_text_width(font, line) for line in lines)
        band_w = min(width - 2 * margin, max(round(width * 0.5), round(text_w + font_px * 1.6)))
        left = (width - band_w) // 2
        # Without a drawing the title is the centrepiece, a little above the middle.
        top = margin if art is not None else round(height * 0.44 - band_h / 2)
        band_box = (left, top, left + band_w, top + band_h)

    if art is not None:
        area_top = (band_box[3] if band_box else 0) + round(margin * 0.8)
        area = (margin * 2, area_top, width - margin * 2, height - margin)
        _paste_framed(canvas, art, area, unit, rng)

    if band_box is not None:
        _draw_title(canvas, band_box, lines, font_px, colours)

    out = io.BytesIO()
    canvas.convert("RGB").save(out, "PNG")
    return out.getvalue()


# --- colours ---------------------------------------------------------------------------------


def _parse_hex(value: str) -> RGB | None:
    match = _HEX.match(value.strip()) if isinstance(value, str) else None
    if not match:
        return None
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _cover_colours(palette: tuple[str, ...]) -> list[RGB]:
    """Two or three cheerful colours from the palette, topped up from a fallback set.

    Drawings often list black outlines or grey pencil first; those make a gloomy cover, so
    only colourful entries are used and the fallback fills in for the rest.
    """
    parsed = [c for c in (_parse_hex(p) for p in palette) if c is not None]
    lively = [c for c in parsed if _saturation(c) >= 0.25 and 0.15 <= _lightness(c) <= 0.95]
    chosen = lively[:3]
    for extra in FALLBACK_PALETTE:
        if len(chosen) >= 2:
            break
        if extra not in chosen:
            chosen.append(extra)
    return chosen


def _lightness(c: RGB) -> float:
    return colorsys.rgb_to_hls(*(v / 255 for v in c))[1]


def _saturation(c: RGB) -> float:
    return colorsys.rgb_to_hls(*(v / 255 for v in c))[2]


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def _pastel(c: RGB, amount: float) -> RGB:
    return _mix(c, (255, 255, 255), amount)


def _luminance(c: RGB) -> float:
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in c)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: RGB, b: RGB) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _gradient(size: tuple[int, int], colours: list[RGB]) -> Image.Image:
    """Diagonal gradient through softened palette colours, top-left to bottom-right."""
    width, height = size
    # Softened so the title band and the drawing stand out; the first colour stays richest.
    stops = np.array(
        [_pastel(c, 0.35 if i == 0 else 0.5) for i, c in enumerate(colours[:3])], dtype=np.float32
    )
    pos = np.linspace(0.0, len(stops) - 1, 256, dtype=np.float32)
    lower = np.minimum(pos.astype(np.int32), len(stops) - 2)
    frac = (pos - lower)[:, None]
    ramp = stops[lower] * (1 - frac) + stops[lower + 1] * frac  # 256 x RGB
    t = (
        np.linspace(0, 0.5, width, dtype=np.float32)[None, :]
        + np.linspace(0, 0.5, height, dtype=np.float32)[:, None]
    )
    pixels = ramp[np.rint(t * 255).astype(np.uint8)]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


# --- decorations -----------------------------------------------------------------------------


def _decorations(size: tuple[int, int], colours: list[RGB], rng: random.Random) -> Image.Image:
    """Soft stars, dots and clouds, drawn at 2x and shrunk so the edges come out smooth."""
    width, height = size
    scale = 2
    layer = Image.new("RGBA", (width * scale, height * scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    unit = min(width, height) * scale
    tints = [(255, 255, 255), *(_pastel(c, 0.6) for c in colours)]

    for _ in range(rng.randint(2, 4)):
        cx, cy = rng.uniform(0, width * scale), rng.uniform(0, height * scale)
        w = unit * rng.uniform(0.14, 0.22)
        alpha = rng.randint(110, 160)
        for k in range(4):  # a cloud is a row of overlapping puffs on a flat bottom
            px = cx - w / 2 + w * (k + 0.5) / 4
            r = w * (0.2 if k in (0, 3) else 0.3)
            draw.ellipse((px - r, cy - r * 1.4, px + r, cy + r * 0.6), fill=(255, 255, 255, alpha))
        draw.rounded_rectangle(
            (cx - w / 2, cy - w * 0.1, cx + w / 2, cy + w * 0.12),
            radius=w * 0.11,
            fill=(255, 255, 255, alpha),
        )

    for _ in range(rng.randint(9, 14)):
        cx, cy = rng.uniform(0, width * scale), rng.uniform(0, height * scale)
        r = unit * rng.uniform(0.014, 0.035)
        tint = rng.choice(tints)
        draw.polygon(_star(cx, cy, r, rng.uniform(0, 72)), fill=(*tint, rng.randint(130, 200)))

    for _ in range(rng.randint(12, 18)):
        cx, cy = rng.uniform(0, width * scale), rng.uniform(0, height * scale)
        r = unit * rng.uniform(0.004, 0.014)
        tint = rng.choice(tints)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*tint, rng.randint(90, 170)))

    # Box-averaging 2x2 blocks is all the anti-aliasing flat shapes need, and ~10x faster
    # than a Lanczos resize of a 4-megapixel RGBA layer.
    return layer.reduce(scale)


def _star(cx: float, cy: float, r: float, rotation: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.45
        a = math.radians(rotation - 90 + 36 * i)
        points.append((cx + radius * math.cos(a), cy + radius * math.sin(a)))
    return points


# --- the framed drawing -----------------------------------------------------------------------


def _paste_framed(
    canvas: Image.Image,
    art: Image.Image,
    area: tuple[int, int, int, int],
    unit: int,
    rng: random.Random,
) -> None:
    """Fit the drawing in ``area`` with a rounded white mat, a soft shadow and a tiny tilt."""
    border = max(6, round(unit * 0.018))
    radius = max(border + 2, round(unit * 0.035))
    box_w = area[2] - area[0] - 2 * border
    box_h = area[3] - area[1] - 2 * border
    if box_w < 16 or box_h < 16:
        return  # a tiny cover with a long title: no room left for a readable drawing
    k = min(box_w / art.width, box_h / art.height)
    # Allow enlarging a small drawing, but only up to 2x: beyond that it just looks blurry.
    k = min(k, 2.0)
    dw, dh = max(1, round(art.width * k)), max(1, round(art.height * k))
    picture = art.resize((dw, dh), Image.Resampling.LANCZOS)

    card = Image.new("RGBA", (dw + 2 * border, dh + 2 * border), (0, 0, 0, 0))
    ImageDraw.Draw(card).rounded_rectangle(
        (0, 0, card.width - 1, card.height - 1), radius=radius, fill=(255, 255, 255, 255)
    )
    inner = Image.new("L", (dw, dh), 0)
    ImageDraw.Draw(inner).rounded_rectangle(
        (0, 0, dw - 1, dh - 1), radius=max(2, radius - border), fill=255
    )
    card.paste(picture, (border, border), inner)

    # A slight tilt reads as "a real drawing laid on the cover" rather than a screenshot.
    card = card.rotate(rng.uniform(-2.0, 2.0), resample=Image.Resampling.BICUBIC, expand=True)

    blur = max(4, round(unit * 0.015))
    pad = blur * 3
    shadow = Image.new("RGBA", (card.width + 2 * pad, card.height + 2 * pad), (0, 0, 0, 0))
    shadow_alpha = card.getchannel("A").point(lambda a: a * 70 // 255)
    shadow.paste((30, 30, 60, 255), (pad, pad), shadow_alpha)
    shadow = shadow.filter(ImageFilter.GaussianBlur(blur))

    x = area[0] + (area[2] - area[0] - card.width) // 2
    # Slightly above centre: on tall covers the picture stays close to its title.
    y = area[1] + round((area[3] - area[1] - card.height) * 0.4)
    offset = round(unit * 0.01)
    _composite_at(canvas, shadow, x - pad + offset // 2, y - pad + offset)
    _composite_at(canvas, card, x, y)


def _composite_at(canvas: Image.Image, layer: Image.Image, x: int, y: int) -> None:
    """alpha_composite that tolerates a layer hanging over the canvas edge."""
    left, top = max(0, x), max(0, y)
    right, bottom = min(canvas.width, x + layer.width), min(canvas.height, y + layer.height)
    if right <= left or bottom <= top:
        return
    piece = layer.crop((left - x, top - y, right - x, bottom - y))
    canvas.alpha_composite(piece, (left, top))


# --- the title ------------------------------------------------------------------------------


def _clean_title(title: str) -> str:
    """One line of printable text; control characters and runs of spaces would break layout."""
    text = "".join(ch if ch.isprintable() else " " for ch in title or "")
    return " ".join(text.split())


@functools.cache
def _font_path() -> str | None:
    """First preferred TrueType font installed on this machine, or None on a bare system."""
    for name in PREFERRED_FONTS:
        for root in FONT_DIRS:
            if not root.is_dir():
                continue
            match = next(iter(sorted(root.rglob(name))), None)
            if match is not None:
                return str(match)
    return None


@functools.lru_cache(maxsize=64)
def _font(size: int) -> Font:
    path = _font_path()
    if path is not None:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass  # unreadable or broken font file: fall through to the bundled one
    try:
        return ImageFont.load_default(size=size)
    except (ImportError, OSError, AttributeError):
        # Pillow built without FreeType only has a small bitmap font; tiny but still legible.
        return ImageFont.load_default()


def _line_height(font: Font) -> int:
    if isinstance(font, ImageFont.FreeTypeFont):
        ascent, descent = font.getmetrics()
        return round((ascent + descent) * 1.08)
    bbox = font.getbbox("Ag")
    return int(bbox[3] - bbox[1]) + 4


def _text_width(font: Font, text: str) -> float:
    return float(font.getlength(text))


def _wrap(text: str, font: Font, max_width: float) -> list[str]:
    """Greedy word wrap; a word wider than a whole line is split between characters."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        while _text_width(font, word) > max_width and len(word) > 1:
            # Hard-split an over-long word at the most characters that still fit.
            cut = len(word) - 1
            while cut > 1 and _text_width(font, word[:cut]) > max_width:
                cut -= 1
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}" if current else word
        if _text_width(font, candidate) <= max_width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _fit_title(text: str, max_width: int, largest: float, unit: int) -> tuple[int, list[str]]:
    """Largest font size up to ``largest`` (and its lines) fitting MAX_TITLE_LINES lines.

    If even the smallest size needs more lines, the last line ends with an ellipsis.
    """
    if not text:
        return 0, []
    smallest = max(10, round(unit * 0.04))
    largest = max(smallest, round(largest))
    size = largest
    while True:
        font = _font(size)
        lines = _wrap(text, font, max_width)
        if len(lines) <= MAX_TITLE_LINES:
            return size, lines
        if size <= smallest:
            break
        size = max(smallest, round(size * 0.92))
    kept = lines[:MAX_TITLE_LINES]
    last = kept[-1]
    while last and _text_width(font, last.rstrip(" ,.;:") + "…") > max_width:
        last = last[:-1]
    kept[-1] = last.rstrip(" ,.;:") + "…"
    return size, kept


def _ink_colour(colours: list[RGB], band: RGB) -> RGB:
    """A deep shade of the most colourful palette entry, if it is dark enough to read.

    Yellow, orange and brown hues darken into olive and mud, so those are skipped.
    """
    hues = [colorsys.rgb_to_hls(*(v / 255 for v in c)) for c in colours]
    usable = [hls for hls in hues if not 0.05 <= hls[0] <= 0.2 and hls[2] >= 0.2]
    if not usable:
        return INK_FALLBACK
    h, _, s = max(usable, key=lambda hls: hls[2])
    deep = tuple(round(v * 255) for v in colorsys.hls_to_rgb(h, 0.2, min(s, 0.65)))
    deep_rgb: RGB = (deep[0], deep[1], deep[2])
    # WCAG AAA (7:1) for large text is generous, but covers are viewed as small thumbnails too.
    return deep_rgb if _contrast(deep_rgb, band) >= 7 else INK_FALLBACK


def _draw_title(
    canvas: Image.Image,
    box: tuple[int, int, int, int],
    lines: list[str],
    font_px: int,
    colours: list[RGB],
) -> None:
    font = _font(font_px)
    line_h = _line_height(font)
    radius = round((box[3] - box[1]) * 0.25)
    band_fill: RGB = (255, 255, 255)
    band_alpha = 214

    layer = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    draw.rounded_rectangle(box, radius=radius, fill=(*band_fill, band_alpha))
    canvas.alpha_composite(layer)

    # The band is translucent: judge contrast against what it actually looks like.
    under = canvas.crop(box).convert("RGB").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    band_seen: RGB = under if isinstance(under, tuple) else (255, 255, 255)  # type: ignore[assignment]
    ink = _ink_colour(colours, band_seen)

    text_layer = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    tdraw = ImageDraw.Draw(text_layer)
    pad_y = (box[3] - box[1] - line_h * len(lines)) / 2
    centre_x = (box[0] + box[2]) / 2
    # Pillow's bundled face is a regular weight; a thin same-colour stroke makes it read bold.
    stroke = 0 if _font_path() else max(1, font_px // 28)
    for i, line in enumerate(lines):
        y = box[1] + pad_y + line_h * (i + 0.5)
        if isinstance(font, ImageFont.FreeTypeFont):
            tdraw.text(
                (centre_x, y),
                line,
                font=font,
                fill=(*ink, 255),
                anchor="mm",
                stroke_width=stroke,
                stroke_fill=(*ink, 255),
            )
        else:  # the bitmap fallback font has no anchors: centre it by hand
            w = _text_width(font, line)
            tdraw.text((centre_x - w / 2, y - line_h / 2), line, font=font, fill=(*ink, 255))
    canvas.alpha_composite(text_layer)
