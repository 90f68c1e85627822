"""Layout measurements: connected blobs, ink per third of the page, and where a colour sits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
