"""A chart of each group's mean with its 95 % interval, as inline SVG built on the server
(no JavaScript). Numbers are formatted by us and labels escaped, so the markup is safe."""

from __future__ import annotations

from html import escape
from typing import Any

WIDTH, ROW, LEFT, RIGHT, TOP = 560, 34, 130, 30, 24


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    step = (high - low) / (count - 1)
    return [low + i * step for i in range(count)]


def means_chart_svg(results: dict[str, Any], metric: str, *, label: str = "") -> str:
    """Horizontal interval plot: one row per group, a dot at the mean, a bar for the 95 %
    interval, the control's mean as a dashed reference line. Empty string without data."""
    rows = []
    for group, data in (results.get("groups") or {}).items():
        m = (data.get("metrics") or {}).get(metric) or {}
        if m.get("mean") is None:
            continue
        low = m["low"] if m.get("low") is not None else m["mean"]
        high = m["high"] if m.get("high") is not None else m["mean"]
        rows.append((group, data.get("version", ""), m["mean"], low, high, m.get("n", 0)))
    if not rows:
        return ""
    lo = min(r[3] for r in rows)
    hi = max(r[4] for r in rows)
    pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 1.0
    lo, hi = lo - pad, hi + pad
    plot = WIDTH - LEFT - RIGHT
    height = TOP + ROW * len(rows) + 30

    def x(value: float) -> float:
        return LEFT + (value - lo) / (hi - lo) * plot

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'role="img" aria-label="{escape(label or metric)}: mean and 95% interval per group" '
        'style="font: 12px sans-serif">',
        f'<text x="{LEFT}" y="14" fill="#333">{escape(label or metric)} '
        "(dot: mean, bar: 95% interval)</text>",
    ]
    axis_y = TOP + ROW * len(rows) + 4
    for tick in _ticks(lo, hi):
        tx = x(tick)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{TOP}" x2="{tx:.1f}" y2="{axis_y}" stroke="#eee"/>'
            f'<text x="{tx:.1f}" y="{axis_y + 14}" text-anchor="middle" fill="#666">'
            f"{tick:.3g}</text>"
        )
    control_mean = rows[0][2] if rows[0][0] == "control" else None
    if control_mean is not None:
        cx = x(control_mean)
        parts.append(
            f'<line x1="{cx:.1f}" y1="{TOP}" x2="{cx:.1f}" y2="{axis_y}" '
            'stroke="#999" stroke-dasharray="4 3"/>'
        )
    for index, (group, version, mean, low, high, n) in enumerate(rows):
        y = TOP + ROW * index + ROW / 2
        colour = "#555" if group == "control" else "#2a7ab0"
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" fill="#333">'
            f"{escape(group)} v{escape(str(version))} (n={int(n)})</text>"
            f'<line x1="{x(low):.1f}" y1="{y:.1f}" x2="{x(high):.1f}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-width="3"/>'
            f'<circle cx="{x(mean):.1f}" cy="{y:.1f}" r="5" fill="{colour}">'
            f"<title>{escape(group)}: {mean:.4g} [{low:.4g}, {high:.4g}]</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
