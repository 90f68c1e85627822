"""analyse_drawing: measures a decoded drawing and assembles the ImageAnalysisResult."""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np

from ai_providers.types import ImageAnalysisResult, Usage

from .colours import COLOUR_NAMES, _nearest_name, _rgb_to_hex, _rgb_to_lab
from .decoding import _decode
from .describe import _describe, _guess_subjects, _mood
from .layout import _COLS, _ROWS, _thirds, _where
from .palette import _cluster_colours
from .paper import _estimate_background, _find_sheet, _local_background

WORK_SIDE = 320  # long side of the working copy; enough for colours and layout, and fast
EDGE_STEP = 24.0  # luma jump (0-255) between neighbours that counts as an edge
INK_DELTA_E = 22.0  # Lab distance from the local paper colour that counts as ink
CORE_DELTA_E = 36.0  # stricter threshold for palette sampling, so pale stroke fringes don't count


def _edge_density(luma: np.ndarray) -> float:
    """Share of working-size pixels on a clear light/dark boundary (0-1)."""
    gx = np.abs(np.diff(luma, axis=1))[:-1, :]
    gy = np.abs(np.diff(luma, axis=0))[:, :-1]
    return float((np.maximum(gx, gy) > EDGE_STEP).mean())


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
