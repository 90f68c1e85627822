"""Offline analysis of a child's drawing: colours, layout and mood, measured with Pillow + numpy.

No model and no network: the "recognition" is a handful of measurements (paper colour, where the
ink is, which colours dominate, how busy the strokes are) plus a few cautious layout rules
("blue across the top" is probably a sky). The prose it writes is meant for a story writer, so it
stays encouraging and only claims what the measurements support.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import ExifTags, Image, UnidentifiedImageError

from ai_providers.types import ImageAnalysisResult, Usage

__all__ = ["COLOUR_NAMES", "InvalidImage", "analyse_drawing", "colour_name", "load_drawing"]

MIN_SIDE = 32
MAX_PIXELS = 40_000_000
# Formats a phone or a scanner plausibly produces. Restricting Image.open keeps exotic decoders
# (EPS via Ghostscript, ...) away from untrusted uploads. Multi-picture JPEGs from phones open
# through the JPEG plugin and come back with format "MPO".
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")

WORK_SIDE = 320  # long side of the working copy; enough for colours and layout, and fast
EDGE_STEP = 24.0  # luma jump (0-255) between neighbours that counts as an edge
INK_DELTA_E = 22.0  # Lab distance from the local paper colour that counts as ink
CORE_DELTA_E = 36.0  # stricter threshold for palette sampling, so pale stroke fringes don't count

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


# --- friendly colour names ---------------------------------------------------------------------

# (name, hex, family). Families drive the layout rules; names are what a child would say.
COLOUR_NAMES: tuple[tuple[str, str, str], ...] = (
    ("cherry red", "#d7263d", "red"),
    ("brick red", "#a23b2a", "red"),
    ("coral", "#ff7f66", "orange"),
    ("peach", "#ffc8a2", "orange"),
    ("tangerine orange", "#f7841e", "orange"),
    ("sunny yellow", "#ffd42a", "yellow"),
    ("lemon yellow", "#f6f06a", "yellow"),
    ("honey gold", "#d9a11c", "yellow"),
    ("lime green", "#a4d33a", "green"),
    ("grass green", "#3aa639", "green"),
    ("forest green", "#1f6b35", "green"),
    ("mint green", "#a6e8c4", "green"),
    ("olive green", "#7d8a2e", "green"),
    ("sea teal", "#159c8c", "blue"),
    ("turquoise", "#38cfd6", "blue"),
    ("sky blue", "#6cc0f0", "blue"),
    ("baby blue", "#b8dcf5", "blue"),
    ("ocean blue", "#1f6fd1", "blue"),
    ("royal blue", "#2a3fe0", "blue"),
    ("navy blue", "#1c2b66", "blue"),
    ("lavender", "#b9a2e8", "purple"),
    ("grape purple", "#7b3fb8", "purple"),
    ("plum", "#5e2a5c", "purple"),
    ("bubblegum pink", "#ff8fc8", "pink"),
    ("flamingo pink", "#f25c9a", "pink"),
    ("berry magenta", "#c2187a", "pink"),
    ("chocolate brown", "#5a3820", "brown"),
    ("cinnamon brown", "#8d5a2b", "brown"),
    ("sandy beige", "#d9c29a", "brown"),
    ("midnight black", "#1c1c1e", "black"),
    ("charcoal grey", "#4a4b50", "grey"),
    ("pencil grey", "#888888", "grey"),
    ("cloud grey", "#c9ccd1", "grey"),
    ("snow white", "#f7f7f7", "white"),
    ("cream", "#f4ead2", "white"),
)


def _hex_to_rgb(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _rgb_to_hex(rgb: Iterable[float]) -> str:
    r, g, b = (round(min(255.0, max(0.0, float(c)))) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


# sRGB decoding as a lookup table: the working image is uint8, so 256 entries cover every value
# and avoid a per-pixel power function.
_SRGB_TO_LINEAR = np.array(
    [
        (c / 255 / 12.92) if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4
        for c in range(256)
    ],
    dtype=np.float32,
)
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ],
    dtype=np.float32,
)
_D65 = np.array([0.95047, 1.0, 1.08883], dtype=np.float32)


def _rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIE Lab (D65) of uint8-range RGB values, any leading shape."""
    idx = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
    xyz = (_SRGB_TO_LINEAR[idx] @ _RGB_TO_XYZ.T) / _D65
    eps = (6 / 29) ** 3
    f = np.where(xyz > eps, np.cbrt(np.maximum(xyz, eps)), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    lab = np.empty_like(f)
    lab[..., 0] = 116 * f[..., 1] - 16
    lab[..., 1] = 500 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200 * (f[..., 1] - f[..., 2])
    return lab


_NAME_LAB = _rgb_to_lab(np.array([_hex_to_rgb(h) for _, h, _ in COLOUR_NAMES], dtype=np.float32))


def _nearest_name(lab: np.ndarray) -> int:
    """Index into COLOUR_NAMES of the closest named colour by CIEDE2000.

    Plain Lab distance calls mid blues "grey" and pinks "cloud grey"; CIEDE2000's hue and
    chroma corrections match how people (and children) name crayons much better.
    """
    ref = _NAME_LAB
    l1, a1, b1 = (float(v) for v in lab)
    l2, a2, b2 = ref[:, 0], ref[:, 1], ref[:, 2]
    c_mean = (math.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    neutral = c1p * c2p == 0
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(neutral, 0.0, dh)
    d_l = l2 - l1
    d_c = c2p - c1p
    d_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_mean = (l1 + l2) / 2
    cp_mean = (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_mean = np.where(
        np.abs(h1p - h2p) > 180, np.where(h_sum < 360, h_sum + 360, h_sum - 360) / 2, h_sum / 2
    )
    h_mean = np.where(neutral, h_sum, h_mean)
    t = (
        1
        - 0.17 * np.cos(np.radians(h_mean - 30))
        + 0.24 * np.cos(np.radians(2 * h_mean))
        + 0.32 * np.cos(np.radians(3 * h_mean + 6))
        - 0.20 * np.cos(np.radians(4 * h_mean - 63))
    )
    rotation = 30 * np.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(cp_mean**7 / (cp_mean**7 + 25.0**7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = -np.sin(np.radians(2 * rotation)) * r_c
    dist = (d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h)
    return int(np.argmin(dist))


def colour_name(hex_colour: str) -> str:
    """Friendly name of a "#rrggbb" colour, e.g. "#ffd700" -> "sunny yellow"."""
    lab = _rgb_to_lab(np.array(_hex_to_rgb(hex_colour), dtype=np.float32))
    return COLOUR_NAMES[_nearest_name(lab)][0]


# --- decoding ------------------------------------------------------------------------------------


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


# --- measurements --------------------------------------------------------------------------------


@dataclass
class _Colour:
    rgb: np.ndarray  # median RGB of the cluster
    lab: np.ndarray
    name: str
    family: str
    count: int
    mask: np.ndarray | None = None  # HxW bool, ink pixels nearest to this colour


@dataclass(frozen=True)
class _Blob:
    cells: int
    cx: float  # centre, 0-1 of width/height
    cy: float
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def _estimate_background(rgb: np.ndarray, lab: np.ndarray) -> np.ndarray:
    """Paper colour as RGB, from rings near the border of the page.

    The border is mostly paper even in a busy drawing, but children often colour a sky or a
    lawn right up to the edge, and photos show a strip of table. So each common ring colour
    is scored by how many border pixels sit close to it, favouring light and neutral colours
    (what paper usually is). A dark or coloured sheet still wins: it fills nearly all the border.
    """
    h, w, _ = rgb.shape
    band = max(2, round(min(h, w) * 0.04))

    def ring(a: np.ndarray) -> np.ndarray:
        # The outer edge, plus rings 15% and 25% in: in a photo of a sheet lying on a table the
        # outer edge can be all table, while the inner rings are on the paper.
        def edge(x: np.ndarray) -> list[np.ndarray]:
            c = x.shape[-1]
            return [
                x[:band].reshape(-1, c),
                x[-band:].reshape(-1, c),
                x[band:-band, :band].reshape(-1, c),
                x[band:-band, -band:].reshape(-1, c),
            ]

        parts = edge(a)
        for frac in (0.15, 0.25):
            iy, ix = round(h * frac), round(w * frac)
            parts += edge(a[iy : h - iy, ix : w - ix])
        return np.concatenate(parts)

    border, border_lab = ring(rgb), ring(lab)
    bins = (border // 32).astype(np.int32)
    keys = bins[:, 0] * 64 + bins[:, 1] * 8 + bins[:, 2]
    counts = np.bincount(keys, minlength=512)
    best_score, best = -1.0, border_lab.mean(axis=0)
    for key in np.argsort(-counts, kind="stable")[:12]:
        if counts[key] == 0:
            break
        centre = np.median(border_lab[keys == key], axis=0)
        # Support from a radius, not the bin, so a paper tone split across bins is not penalised.
        support = int((np.linalg.norm(border_lab - centre, axis=1) < 18).sum())
        chroma = math.hypot(float(centre[1]), float(centre[2]))
        score = support * (0.35 + float(centre[0]) / 100) / (1 + chroma / 15)
        if score > best_score:
            best_score, best = score, centre
    near = np.linalg.norm(border_lab - best, axis=1) < 18
    return np.median(border[near], axis=0) if near.any() else np.median(border, axis=0)


def _find_sheet(
    lab: np.ndarray, paper_lab: np.ndarray
) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
    """Box (x0, y0, x1, y1) of a sheet of paper photographed on a table, and the table's Lab.

    Only answers when the outer edge of the photo is one uniform non-paper colour (the table)
    and the sheet leaves a margin of it on at least three sides; a sky or lawn coloured up to
    the edge is part of the drawing and must not be cut off.
    """
    h, w, _ = lab.shape
    band = max(2, round(min(h, w) * 0.03))
    edge = np.concatenate(
        [
            lab[:band].reshape(-1, 3),
            lab[-band:].reshape(-1, 3),
            lab[band:-band, :band].reshape(-1, 3),
            lab[band:-band, -band:].reshape(-1, 3),
        ]
    )
    table = np.median(edge, axis=0)
    if np.linalg.norm(table - paper_lab) < 25:
        return None  # the border is the paper itself
    if (np.linalg.norm(edge - table, axis=1) < 22).mean() < 0.6:
        return None  # a mixed border is drawing that runs to the edge, not a table
    not_table = np.linalg.norm(lab - table, axis=2) >= 22
    rows = np.nonzero(not_table.mean(axis=1) > 0.4)[0]
    cols = np.nonzero(not_table.mean(axis=0) > 0.4)[0]
    if len(rows) == 0 or len(cols) == 0:
        return None
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    margins = (y0 / h, (h - y1) / h, x0 / w, (w - x1) / w)
    if sum(m > 0.02 for m in margins) < 3 or (y1 - y0) * (x1 - x0) < 0.3 * h * w:
        return None
    inside = lab[y0:y1, x0:x1]
    if (np.linalg.norm(inside - paper_lab, axis=2) < 25).mean() < 0.2:
        return None
    # Step in a little: the sheet's edge casts a shadow and is rarely perfectly straight.
    dy, dx = max(1, round(h * 0.01)), max(1, round(w * 0.01))
    return (x0 + dx, y0 + dy, x1 - dx, y1 - dy), table


def _local_background(rgb: np.ndarray, lab: np.ndarray, paper_rgb: np.ndarray) -> np.ndarray:
    """Paper colour per pixel (Lab), so shadows and uneven light in photos are not ink."""
    h, w, _ = rgb.shape
    paper_lab = _rgb_to_lab(paper_rgb.astype(np.float32))
    paperish = np.linalg.norm(lab - paper_lab, axis=2) < 32
    gy, gx = 6, 8
    grid = np.empty((gy, gx, 3), dtype=np.float32)
    for j in range(gy):
        ys = slice(j * h // gy, (j + 1) * h // gy)
        for i in range(gx):
            xs = slice(i * w // gx, (i + 1) * w // gx)
            sel = paperish[ys, xs]
            # A cell mostly covered in crayon has too little paper to measure; use the page's.
            grid[j, i] = np.median(rgb[ys, xs][sel], axis=0) if sel.mean() > 0.15 else paper_rgb
    field = Image.fromarray(np.clip(grid, 0, 255).astype(np.uint8), "RGB").resize(
        (w, h), Image.Resampling.BILINEAR
    )
    return _rgb_to_lab(np.asarray(field, dtype=np.float32))


def _nearest_centre(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre per point.

    Uses |p-c|^2 = |p|^2 - 2p.c + |c|^2 (|p|^2 is constant per row) to avoid an NxKx3 array.
    """
    dist = (centres**2).sum(axis=1)[None, :] - 2 * points @ centres.T
    return dist.argmin(axis=1)


def _cluster_colours(
    rgb: np.ndarray, lab: np.ndarray, ink: np.ndarray, core: np.ndarray, paper_rgb: np.ndarray
) -> list[_Colour]:
    """Dominant ink colours, most pixels first, merged until every name appears once."""
    total_ink = int(ink.sum())
    if total_ink < 20:
        return []
    sample_mask = core if core.sum() >= 200 else ink
    s_lab = lab[sample_mask]
    s_rgb = rgb[sample_mask]
    step = max(1, len(s_lab) // 8000)  # fixed stride keeps it deterministic and bounded
    s_lab, s_rgb = s_lab[::step], s_rgb[::step]

    # Deterministic k-means seeds: centres of the most populated coarse Lab bins, skipping bins
    # close to an accepted seed so a small red roof still gets a seed next to a big lawn.
    q = np.floor((s_lab + np.array([0, 128, 128], dtype=np.float32)) / 12).astype(np.int32)
    keys = q[:, 0] * 10000 + q[:, 1] * 100 + q[:, 2]
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    seeds: list[np.ndarray] = []
    for k in np.argsort(-counts, kind="stable"):
        if counts[k] < max(3, 0.01 * len(s_lab)) or len(seeds) == 10:
            break
        centre = s_lab[inverse == k].mean(axis=0)
        if all(np.linalg.norm(centre - other) > 20 for other in seeds):
            seeds.append(centre)
    if not seeds:
        seeds.append(s_lab.mean(axis=0))
    # Many small colours (a rainbow scribble) leave few crowded bins; add the sample farthest
    # from every seed until colours are covered. Outliers this picks are dropped as specks later.
    gap = np.min([np.linalg.norm(s_lab - sd, axis=1) for sd in seeds], axis=0)
    while len(seeds) < 8 and gap.max() > 20:
        seeds.append(s_lab[int(gap.argmax())].copy())
        gap = np.minimum(gap, np.linalg.norm(s_lab - seeds[-1], axis=1))
    centres = np.stack(seeds)
    for _ in range(8):
        assign = _nearest_centre(s_lab, centres)
        for k in range(len(centres)):
            members = s_lab[assign == k]
            if len(members):
                centres[k] = members.mean(axis=0)

    colours: list[_Colour] = []
    for k in range(len(centres)):
        sel = assign == k
        if not sel.any():
            continue
        med = np.median(s_rgb[sel], axis=0)
        c_lab = _rgb_to_lab(med.astype(np.float32))
        idx = _nearest_name(c_lab)
        name, _, family = COLOUR_NAMES[idx]
        colours.append(_Colour(med, c_lab, name, family, int(sel.sum())))
    colours.sort(key=lambda c: -c.count)

    # Fold a cluster into a bigger one when a child would not call it a crayon of its own:
    # - the same friendly name, or a near shade of the same family (wax thinning over grain);
    # - a small shade of the same family (JPEG colour bleed along the bigger colour's edges);
    # - a mix of the bigger colour and the paper (anti-aliased or lightly pressed edges).
    def same(m: _Colour, c: _Colour) -> bool:
        gap = float(np.linalg.norm(m.lab - c.lab))
        if m.name == c.name or gap < 12 or (m.family == c.family and gap < 20):
            return True
        if m.family == c.family and gap < 35 and c.count < 0.06 * sampled_total:
            return True
        seg = m.rgb - paper_rgb
        t = float(np.dot(c.rgb - paper_rgb, seg) / max(float(np.dot(seg, seg)), 1e-6))
        off_line = float(np.linalg.norm(paper_rgb + t * seg - c.rgb))
        return 0.2 <= t <= 1.0 and off_line < 14

    sampled_total = sum(c.count for c in colours)
    merged: list[_Colour] = []
    for c in colours:
        twin = next((m for m in merged if same(m, c)), None)
        if twin is None:
            merged.append(c)
        else:
            twin.count += c.count
    sampled = sum(c.count for c in merged)
    # Specks under 1.5% of the ink are usually stray marks or JPEG noise, not a colour choice.
    merged = [c for c in merged if c.count >= 0.015 * sampled]
    merged.sort(key=lambda c: -c.count)
    merged = merged[:5]

    # Give every ink pixel (not just the sample) to its nearest palette colour, for layout.
    centres_lab = np.stack([c.lab for c in merged])
    ink_lab = lab[ink]
    nearest = _nearest_centre(ink_lab, centres_lab)
    for k, c in enumerate(merged):
        mask = np.zeros(ink.shape, dtype=bool)
        mask[ink] = nearest == k
        c.mask = mask
        c.count = int(mask.sum())
    merged.sort(key=lambda c: -c.count)
    return [c for c in merged if c.count]


_CELL = 4  # blob grid cell, in working-size pixels


def _cells(mask: np.ndarray) -> int:
    """Number of blob-grid cells on the page, to turn blob sizes into page fractions."""
    return max(1, (mask.shape[0] // _CELL) * (mask.shape[1] // _CELL))


def _blobs(mask: np.ndarray, cell: int = _CELL, min_cells: int = 2) -> list[_Blob]:
    """Connected patches of a mask on a coarse grid, largest first (4-neighbour flood fill)."""
    h, w = mask.shape
    gh, gw = h // cell, w // cell
    if gh == 0 or gw == 0:
        return []
    coarse = mask[: gh * cell, : gw * cell].reshape(gh, cell, gw, cell).mean(axis=(1, 3)) > 0.25
    todo = set(zip(*np.nonzero(coarse), strict=True))
    blobs: list[_Blob] = []
    while todo:
        start = min(todo)  # min() rather than pop() so the result never depends on set order
        todo.discard(start)
        stack = [start]
        ys: list[int] = []
        xs: list[int] = []
        while stack:
            y, x = stack.pop()
            ys.append(y)
            xs.append(x)
            for n in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                if n in todo:
                    todo.discard(n)
                    stack.append(n)
        if len(ys) >= min_cells:
            blobs.append(
                _Blob(
                    cells=len(ys),
                    cx=(sum(xs) / len(xs) + 0.5) / gw,
                    cy=(sum(ys) / len(ys) + 0.5) / gh,
                    x0=min(xs) / gw,
                    y0=min(ys) / gh,
                    x1=(max(xs) + 1) / gw,
                    y1=(max(ys) + 1) / gh,
                )
            )
    blobs.sort(key=lambda b: (-b.cells, b.cy, b.cx))
    return blobs


_ROWS = ("top", "middle", "bottom")
_COLS = ("left", "center", "right")


def _thirds(mask: np.ndarray) -> np.ndarray:
    """3x3 share of the mask's pixels per third of the page (rows top→bottom, cols left→right)."""
    h, w = mask.shape
    out = np.zeros((3, 3), dtype=np.float64)
    for j in range(3):
        for i in range(3):
            out[j, i] = mask[j * h // 3 : (j + 1) * h // 3, i * w // 3 : (i + 1) * w // 3].sum()
    total = out.sum()
    return out / total if total else out


def _span(mask: np.ndarray, axis: int) -> float:
    """Fraction of the page width (axis=1) or height (axis=0) the mask stretches over (5-95%)."""
    coords = np.nonzero(mask)[axis]
    if len(coords) < 5:
        return 0.0
    lo, hi = np.percentile(coords, [5, 95])
    return float((hi - lo) / mask.shape[axis])


def _where(mask: np.ndarray) -> str:
    """Short phrase for where a colour sits: "in the top-left corner", "along the bottom"..."""
    t = _thirds(mask)
    rows, cols = t.sum(axis=1), t.sum(axis=0)
    wide = _span(mask, 1) >= 0.55
    tall = _span(mask, 0) >= 0.55
    row = int(rows.argmax()) if rows.max() >= 0.55 else None
    col = int(cols.argmax()) if cols.max() >= 0.55 else None
    if row is not None and (wide or col is None):
        return ("across the top", "across the middle", "along the bottom")[row]
    if row is not None and col is not None:
        if row == 1:
            return ("on the left", "in the middle", "on the right")[col]
        if col == 1:
            return ("at the top", "at the bottom")[row // 2]
        return f"in the {_ROWS[row]}-{_COLS[col]} corner"
    if col is not None and tall:
        return ("down the left side", "down the middle", "down the right side")[col]
    if col is not None:
        return ("on the left", "in the middle", "on the right")[col]
    return "all over the page"


def _edge_density(luma: np.ndarray) -> float:
    """Share of working-size pixels on a clear light/dark boundary (0-1)."""
    gx = np.abs(np.diff(luma, axis=1))[:-1, :]
    gy = np.abs(np.diff(luma, axis=0))[:, :-1]
    return float((np.maximum(gx, gy) > EDGE_STEP).mean())


# --- interpretation ------------------------------------------------------------------------------


def _guess_subjects(colours: list[_Colour], paper_lab: np.ndarray) -> list[str]:
    """Cautious guesses from colour + position; nothing is said unless the layout is typical."""
    dark_paper = paper_lab[0] < 35
    subjects: list[str] = []
    blobs = {id(c): _blobs(c.mask) for c in colours if c.mask is not None}

    def add(s: str) -> None:
        if s not in subjects:
            subjects.append(s)

    # Sun (or moon on dark paper): a sizeable, compact warm or light patch high on the page.
    for c in colours:
        light_on_dark = dark_paper and c.lab[0] >= 60 and c.family != "blue"
        if c.family not in ("yellow", "orange") and not light_on_dark:
            continue
        page = _cells(c.mask)
        for b in blobs[id(c)][:4]:
            if b.cy < 0.4 and b.width < 0.4 and b.height < 0.45 and b.cells / page >= 0.008:
                add("a glowing moon" if dark_paper else "a shining sun")
                break

    for c in colours:
        if c.mask is None:
            continue
        t = _thirds(c.mask)
        rows = t.sum(axis=1)
        wide = _span(c.mask, 1) >= 0.5
        coverage = c.mask.mean()
        if c.family == "blue":
            if coverage >= 0.3 and _span(c.mask, 0) >= 0.7:
                add("the deep blue sea")
            elif rows[0] >= 0.5 and wide:
                add("a big sky")
            elif rows[2] >= 0.5 and wide:
                add("sparkling water")
        elif c.family == "green" and rows[2] >= 0.5 and wide:
            add("grassy ground")
        elif (
            c.family in ("white", "grey")
            and c.lab[0] >= 75  # light: pencil-grey outlines up top are not clouds
            and not dark_paper
            and rows[0] >= 0.6
            # White only shows up as ink on non-white paper or over a coloured sky.
            and (paper_lab[0] < 85 or any(x.family == "blue" for x in colours))
        ):
            add("fluffy clouds")

    # A tree: an upright brown trunk with a green patch sitting on top of it.
    greens = [b for c in colours if c.family == "green" for b in blobs[id(c)]]
    for c in colours:
        if c.family != "brown":
            continue
        for trunk in blobs[id(c)][:3]:
            if trunk.height < trunk.width or trunk.cells < 6:
                continue
            for crown in greens:
                if (
                    crown.cy < trunk.cy
                    and abs(crown.cx - trunk.cx) < 0.12
                    and crown.y1 >= trunk.y0 - 0.08
                    and crown.width > trunk.width
                ):
                    add("a leafy tree")
                    break

    # Stars: several small separate light spots scattered over dark paper.
    if dark_paper:
        small = [
            b
            for c in colours
            if c.family in ("yellow", "white", "grey", "orange")
            for b in blobs[id(c)]
            if b.width < 0.12 and b.height < 0.12
        ]
        if len(small) >= 4:
            add("twinkling stars")
        night_paper = COLOUR_NAMES[_nearest_name(paper_lab)][2] in (
            "blue",
            "black",
            "purple",
            "grey",
        )
        if night_paper and "a big sky" not in subjects:
            add("a night sky")

    # Flowers: a few small bright spots low on the page, next to grass.
    if "grassy ground" in subjects:
        spots = [
            b
            for c in colours
            if c.family in ("red", "pink", "purple", "yellow", "orange")
            for b in blobs[id(c)]
            if b.cy > 0.55 and b.width < 0.12 and b.height < 0.15
        ]
        if len(spots) >= 3:
            add("flowers")
    return subjects


_SAFE_INTEREST = re.compile(r"[^\w\s'&-]+", re.UNICODE)


def _clean_interest(value: str) -> str:
    """An interest is free text from a parent: keep it short and plain before echoing it."""
    text = _SAFE_INTEREST.sub(" ", value)
    return " ".join(text.split())[:40].strip()


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _describe(
    colours: list[_Colour],
    subjects: list[str],
    mood: str,
    paper_name: str,
    kid_age: int,
    interests: tuple[str, ...],
    digest: bytes,
) -> str:
    pick = digest[0]  # stable per image, so wording varies between drawings but not between runs
    by = f" by a {kid_age}-year-old artist" if 2 <= kid_age <= 14 else ""
    openings = {
        "bright": (f"What a bright, cheerful drawing{by}!", f"This is a sunny, happy picture{by}!"),
        "calm": (f"What a calm, gentle drawing{by}.", f"This is a peaceful, quiet picture{by}."),
        "busy": (
            f"What a lively, busy drawing{by} — there is so much going on!",
            f"This picture{by} is bursting with energy and detail!",
        ),
        "dreamy": (
            f"What a dreamy drawing{by}, made on dark {paper_name} paper!",
            f"This is a mysterious, cosy picture{by} on dark {paper_name} paper.",
        ),
    }
    sentences = [openings[mood][pick % 2]]

    if colours:
        # Group colours that share a place: "grass green and cinnamon brown along the bottom".
        places: dict[str, list[str]] = {}
        for c in colours[:4]:
            if c.mask is not None:
                places.setdefault(_where(c.mask), []).append(c.name)
        parts = [f"{_join(names)} {place}" for place, names in places.items()]
        lead = "There is " if len(colours) > 1 or pick % 3 else "It is drawn in "
        if paper_name and mood != "dreamy":
            # A page coloured all over is part of the picture even though it is not "ink".
            article = "an" if paper_name[0] in "aeiou" else "a"
            lead = f"On {article} {paper_name} background there is "
        sentences.append(lead + _join(parts) + ".")
    else:
        sentences.append("The page is still almost empty, a quiet space waiting for a story.")

    if subjects:
        sentences.append(f"It looks like {_join(subjects[:4])}.")
    elif colours:
        sentences.append("The shapes are the artist's very own, perfect for an imaginative story.")

    cleaned = [c for c in (_clean_interest(i) for i in interests) if c]
    if cleaned:
        interest = cleaned[digest[1] % len(cleaned)]
        templates = (
            f"Maybe {interest} could find a way into this story too!",
            f"A story here might have room for {interest}.",
        )
        sentences.append(templates[digest[2] % 2])
    return " ".join(sentences)


def _mood(
    brightness: float, busyness: float, chroma: float, n_colours: int, coverage: float, dark: bool
) -> str:
    if dark:
        return "dreamy"
    if busyness >= 0.6 or (n_colours >= 5 and coverage >= 0.5):
        return "busy"
    if brightness >= 0.55 and chroma >= 30 and n_colours >= 2:
        return "bright"
    return "calm"


def analyse_drawing(
    image: bytes, *, kid_age: int, interests: tuple[str, ...] = ()
) -> ImageAnalysisResult:
    """Describe a drawing (PNG/JPEG bytes) for the story writer, with no network or model.

    Raises InvalidImage for anything that is not a usable picture.
    """
    img, (src_w, src_h) = _decode(image, WORK_SIDE)

    rgb = np.asarray(img, dtype=np.float32)
    lab = _rgb_to_lab(rgb)
    luma = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)

    paper_rgb = _estimate_background(rgb, lab)
    paper_lab = _rgb_to_lab(paper_rgb.astype(np.float32))
    found = _find_sheet(lab, paper_lab)
    sheet = found[0] if found else None
    if found is not None:
        # Measure the drawing, not the table it was photographed on.
        (x0, y0, x1, y1), table_lab = found
        rgb, lab, luma = rgb[y0:y1, x0:x1], lab[y0:y1, x0:x1], luma[y0:y1, x0:x1]
    local_bg = _local_background(rgb, lab, paper_rgb)
    delta = np.linalg.norm(lab - local_bg, axis=2)
    ink = delta > INK_DELTA_E
    if found is not None:
        # A sheet lying at a slant leaves slivers of table in the crop's corners; not ink.
        h, w = ink.shape
        rim = np.ones((h, w), dtype=bool)
        rim[round(h * 0.08) : h - round(h * 0.08), round(w * 0.08) : w - round(w * 0.08)] = False
        ink &= ~(rim & (np.linalg.norm(lab - table_lab, axis=2) < 22))
    core = ink & (delta > CORE_DELTA_E)

    colours = _cluster_colours(rgb, lab, ink, core, paper_rgb)
    dark_paper = bool(paper_lab[0] < 35)
    subjects = _guess_subjects(colours, paper_lab)

    coverage = float(ink.mean())
    brightness = float(luma.mean() / 255)
    edge_density = _edge_density(luma)
    # Calibrated on synthetic pages: a page of overlapping scribbles reaches ~0.45 edge pixels
    # at working size, a tidy scene with a dozen objects ~0.17, a single shape ~0.01.
    busyness = min(1.0, edge_density / 0.45)
    ink_chroma = float(np.hypot(lab[ink][:, 1], lab[ink][:, 2]).mean()) if ink.any() else 0.0
    mood = _mood(brightness, busyness, ink_chroma, len(colours), coverage, dark_paper)

    thirds = _thirds(ink)
    ink_thirds = {
        f"{_ROWS[j]}-{_COLS[i]}": round(float(thirds[j, i]), 3) for j in range(3) for i in range(3)
    }
    # "Most drawing": up to three thirds holding more than an even share (1/9) of the ink.
    focus = sorted((k for k, v in ink_thirds.items() if v > 1 / 9), key=lambda k: -ink_thirds[k])[
        :3
    ]

    paper_hex = _rgb_to_hex(paper_rgb)
    paper_name = COLOUR_NAMES[_nearest_name(paper_lab)][0]
    digest = hashlib.sha256(image).digest()
    coloured_paper = not dark_paper and math.hypot(*map(float, paper_lab[1:])) > 20
    description = _describe(
        colours,
        subjects,
        mood,
        paper_name if (dark_paper or coloured_paper) else "",
        kid_age,
        interests,
        digest,
    )
    palette = tuple(_rgb_to_hex(c.rgb) for c in colours)
    details: dict[str, Any] = {
        "width": src_w,
        "height": src_h,
        "analysed_size": [img.width, img.height],
        "brightness": round(brightness, 3),
        "busyness": round(busyness, 3),
        "edge_density": round(edge_density, 4),
        "ink_coverage": round(coverage, 3),
        "ink_thirds": ink_thirds,
        "ink_focus": focus,
        "background": paper_hex,
        "background_name": paper_name,
        "dark_paper": dark_paper,
        "sheet": None
        if sheet is None
        else [
            round(sheet[0] / img.width, 3),
            round(sheet[1] / img.height, 3),
            round(sheet[2] / img.width, 3),
            round(sheet[3] / img.height, 3),
        ],
        "mood": mood,
        "colour_shares": [round(c.count / max(1, int(ink.sum())), 3) for c in colours],
        "colour_places": [_where(c.mask) for c in colours if c.mask is not None],
    }
    return ImageAnalysisResult(
        description=description,
        palette=palette,
        colour_names=tuple(c.name for c in colours),
        subjects=tuple(subjects),
        details=details,
        usage=Usage(requests=1),
    )
