"""A chart of each group's mean with its 95 % interval, as inline SVG built on the server
(no JavaScript). Numbers are formatted by us and labels escaped, so the markup is safe.

The SVG has a ``viewBox`` and scales down to its column, so it never widens the page; the
left margin is sized to the longest group label, and the axis is clamped to the values the
metric can take (a rate never shows below 0 % or above 100 %)."""

from __future__ import annotations

import math
from html import escape
from typing import Any

WIDTH, ROW, RIGHT, TOP = 560, 34, 34, 24
CHAR_WIDTH = 7.0  # a generous average for 12 px sans-serif, so labels are never cut
MIN_LEFT = 60


def _nice_step(span: float, count: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about ``count`` ticks."""
    raw = span / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _ticks(low: float, high: float, step: float) -> list[float]:
    first = math.ceil(low / step - 1e-9)
    ticks = []
    value = first * step
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        first += 1
        value = first * step
    return ticks


def _clamp(value: float, low: float | None, high: float | None) -> float:
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    return value


def means_chart_svg(
    results: dict[str, Any],
    metric: str,
    *,
    label: str = "",
    bounds: tuple[float | None, float | None] = (None, None),
) -> str:
    """Horizontal interval plot: one row per group, a dot at the mean, a bar for the 95 %
    interval, the control's mean as a dashed reference line. Empty string without data.

    ``bounds``: the metric's range (None: open); the axis and the bars stay inside it."""
    floor, ceiling = bounds
    rows = []
    for group, data in (results.get("groups") or {}).items():
        m = (data.get("metrics") or {}).get(metric) or {}
        if m.get("mean") is None:
            continue
        mean = _clamp(m["mean"], floor, ceiling)
        low = _clamp(m["low"] if m.get("low") is not None else m["mean"], floor, ceiling)
        high = _clamp(m["high"] if m.get("high") is not None else m["mean"], floor, ceiling)
        rows.append((group, data.get("version", ""), mean, low, high, m.get("n", 0)))
    if not rows:
        return ""
    lo = min(r[3] for r in rows)
    hi = max(r[4] for r in rows)
    pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 1.0
    lo, hi = lo - pad, hi + pad
    step = _nice_step(hi - lo)
    # Whole steps at both ends, then never past what the metric can take.
    lo = _clamp(math.floor(lo / step) * step, floor, ceiling)
    hi = _clamp(math.ceil(hi / step) * step, floor, ceiling)
    if hi <= lo:  # every value sits on a bound: show a sliver of the range next to it
        span = ((ceiling - floor) if floor is not None and ceiling is not None else 1.0) * 0.05
        lo, hi = (lo - span, hi) if ceiling is not None and hi >= ceiling else (lo, hi + span)
        step = _nice_step(hi - lo)
    labels = [f"{group} v{version} (n={int(n)})" for group, version, *_, n in rows]
    left = max(MIN_LEFT, round(max(len(text) for text in labels) * CHAR_WIDTH) + 16)
    width = max(WIDTH, left + 300)
    plot = width - left - RIGHT
    height = TOP + ROW * len(rows) + 30

    def x(value: float) -> float:
        return left + (value - lo) / (hi - lo) * plot

    title = escape(label or metric)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="interval-chart" '
        f'role="img" aria-label="{title}: mean and 95% interval per group" '
        'style="font: 12px sans-serif; max-width: 100%; height: auto">',
        f'<text x="8" y="14" fill="#333">{title} (dot: mean, bar: 95% interval)</text>',
    ]
    axis_y = TOP + ROW * len(rows) + 4
    for tick in _ticks(lo, hi, step):
        tx = x(tick)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{TOP}" x2="{tx:.1f}" y2="{axis_y}" stroke="#eee"/>'
            f'<text class="tick" x="{tx:.1f}" y="{axis_y + 14}" text-anchor="middle" '
            f'fill="#666">{tick:.4g}</text>'
        )
    control_mean = rows[0][2] if rows[0][0] == "control" else None
    if control_mean is not None:
        cx = x(control_mean)
        parts.append(
            f'<line x1="{cx:.1f}" y1="{TOP}" x2="{cx:.1f}" y2="{axis_y}" '
            'stroke="#999" stroke-dasharray="4 3"/>'
        )
    for index, ((group, _version, mean, low, high, _n), text) in enumerate(
        zip(rows, labels, strict=True)
    ):
        y = TOP + ROW * index + ROW / 2
        colour = "#555" if group == "control" else "#2a7ab0"
        parts.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" fill="#333">'
            f"{escape(text)}</text>"
            f'<line x1="{x(low):.1f}" y1="{y:.1f}" x2="{x(high):.1f}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-width="3"/>'
            f'<circle cx="{x(mean):.1f}" cy="{y:.1f}" r="5" fill="{colour}">'
            f"<title>{escape(group)}: {mean:.4g} [{low:.4g}, {high:.4g}]</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
