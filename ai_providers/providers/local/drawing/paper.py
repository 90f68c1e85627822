"""Finding the paper: its colour, a sheet photographed on a table, and uneven lighting."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from .colours import _rgb_to_lab


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
