"""Inline SVG charts for the Operations dashboard, drawn on the server.

No JavaScript and no ``style`` attributes (the admin's Content-Security-Policy allows
neither inline script nor inline style): colours and fonts are SVG presentation attributes.
Every bar is a link to the admin list behind it, and carries a ``<title>`` tooltip. Labels
are escaped and numbers formatted here, so the markup is safe to mark safe.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

# Okabe-Ito and friends: distinguishable for the common colour-vision deficiencies.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#7F7F7F",
    "#332288",
    "#88CCEE",
)
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="12"'
AXIS, GRID, INK, MUTED, ALARM = "#9aa5b1", "#e6e9ee", "#1f2933", "#616e7c", "#c62828"


def colour_for(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def nice_ceiling(value: float, ticks: int = 4) -> tuple[float, float]:
    """An axis maximum at or above ``value`` and its tick step, on 1-2-2.5-5 steps."""
    if value <= 0:
        return 1.0, 0.25
    raw = value / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step * ticks >= value:
            return step * ticks, step
    return 10 * magnitude * ticks, 10 * magnitude


def dollars(value: float | Decimal) -> str:
    value = float(value)
    if value == 0:
        return "$0"
    if abs(value) >= 100:
        return f"${value:,.0f}"
    if abs(value) >= 1:
        return f"${value:,.2f}"
    return f"${value:.4f}".rstrip("0").rstrip(".") if abs(value) < 0.01 else f"${value:.2f}"


def _svg_open(width: int, height: int, label: str, css_class: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(label)}" {FONT}>'
        f"<title>{escape(label)}</title>"
    )


def _link(url: str | None, inner: str) -> str:
    return f'<a href="{escape(url)}">{inner}</a>' if url else inner


def stacked_bars_svg(
    *,
    days: Sequence[date],
    series: dict[str, dict[date, Decimal]],
    link: Callable[[str, date], str],
    label: str,
    width: int = 1160,
    height: int = 250,
) -> str:
    """Spend per day, one bar per day, one stacked segment per series, legend below."""
    left, right, top, bottom = 58, 12, 14, 28
    names = list(series)
    legend_rows = math.ceil(len(names) / 6) if names else 1
    total_height = height + legend_rows * 20 + 8
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum((series[n].get(d, Decimal(0)) for n in names), Decimal(0)) for d in days]
    ceiling, step = nice_ceiling(float(max(totals, default=0)))
    parts = [_svg_open(width, total_height, label, "stacked")]
    # Grid and y axis.
    ticks = round(ceiling / step)
    for i in range(ticks + 1):
        value = step * i
        y = top + plot_h - value / ceiling * plot_h
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{GRID if i else AXIS}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{dollars(value)}</text>"
        )
    slot = plot_w / max(1, len(days))
    bar_w = max(2.0, min(48.0, slot * 0.7))
    label_every = max(1, math.ceil(len(days) / 12))
    for index, day in enumerate(days):
        x = left + slot * index + (slot - bar_w) / 2
        base = top + plot_h
        for s_index, name in enumerate(names):
            cost = series[name].get(day, Decimal(0))
            if not cost:
                continue
            h = float(cost) / ceiling * plot_h
            base -= h
            parts.append(
                _link(
                    link(name, day),
                    f'<rect class="segment" x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" '
                    f'height="{max(h, 0.5):.1f}" fill="{colour_for(s_index)}">'
                    f"<title>{escape(name)} on {day:%Y-%m-%d}: "
                    f"{dollars(cost)}</title></rect>",
                )
            )
        if index % label_every == 0 or len(days) <= 12:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                f'fill="{MUTED}">{day:%b %d}</text>'
            )
    # Legend.
    for s_index, name in enumerate(names):
        lx = left + (s_index % 6) * (plot_w / 6)
        ly = height + 4 + (s_index // 6) * 20
        parts.append(
            f'<rect x="{lx:.1f}" y="{ly}" width="12" height="12" rx="2" '
            f'fill="{colour_for(s_index)}"/>'
            f'<text x="{lx + 17:.1f}" y="{ly + 10}" fill="{INK}">{escape(name)}</text>'
        )
    if not names:
        parts.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" '
            f'text-anchor="middle" fill="{MUTED}">No AI calls in this range</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Bar:
    value: float
    colour: str
    title: str
    url: str | None = None


@dataclass(frozen=True)
class BarRow:
    label: str
    bars: list[Bar]  # overlaid, drawn largest first, so a p50 bar sits inside its p95 bar
    note: str = ""  # text right of the bars
    url: str | None = None  # the label's link
    sub: str = ""  # a second, smaller label line


@dataclass(frozen=True)
class Marker:
    value: float
    label: str
    colour: str = ALARM


@dataclass
class BarChart:
    label: str
    rows: list[BarRow]
    scale_max: float | None = None
    markers: list[Marker] = field(default_factory=list)
    tick_format: Callable[[float], str] = lambda v: f"{v:g}"
    width: int = 560
    label_width: int = 170
    row_height: int = 26

    def svg(self, css_class: str = "bars") -> str:
        left, right, top = self.label_width, 90, 10
        plot_w = self.width - left - right
        height = top + self.row_height * max(1, len(self.rows)) + 26
        biggest = max(
            [b.value for r in self.rows for b in r.bars] + [m.value for m in self.markers] + [0]
        )
        ceiling, step = nice_ceiling(max(self.scale_max or 0, biggest))
        parts = [_svg_open(self.width, height, self.label, css_class)]
        axis_y = top + self.row_height * max(1, len(self.rows))

        def x(value: float) -> float:
            return left + min(value, ceiling) / ceiling * plot_w

        for i in range(5):
            value = step * i
            if value > ceiling + 1e-9:
                break
            tx = x(value)
            parts.append(
                f'<line x1="{tx:.1f}" y1="{top}" x2="{tx:.1f}" y2="{axis_y}" '
                f'stroke="{GRID if i else AXIS}"/>'
                f'<text x="{tx:.1f}" y="{axis_y + 15}" text-anchor="middle" fill="{MUTED}">'
                f"{escape(self.tick_format(value))}</text>"
            )
        for index, row in enumerate(self.rows):
            y = top + self.row_height * index
            bar_h = self.row_height - 10
            label = (
                f'<text x="{left - 8}" y="{y + bar_h / 2 + 4 + (0 if not row.sub else -4):.1f}" '
                f'text-anchor="end" fill="{INK}">{escape(row.label)}</text>'
            )
            if row.sub:
                label += (
                    f'<text x="{left - 8}" y="{y + bar_h / 2 + 12:.1f}" text-anchor="end" '
                    f'fill="{MUTED}" font-size="10">{escape(row.sub)}</text>'
                )
            parts.append(_link(row.url, label))
            for bar in sorted(row.bars, key=lambda b: -b.value):
                width = max(0.0, x(bar.value) - left)
                parts.append(
                    _link(
                        bar.url,
                        f'<rect class="bar" x="{left}" y="{y + 3:.1f}" '
                        f'width="{max(width, 1.5):.1f}" height="{bar_h}" rx="2" '
                        f'fill="{bar.colour}"><title>{escape(bar.title)}</title></rect>',
                    )
                )
            if row.note:
                end = max((x(b.value) for b in row.bars), default=left)
                parts.append(
                    f'<text x="{end + 6:.1f}" y="{y + bar_h / 2 + 7:.1f}" fill="{INK}">'
                    f"{escape(row.note)}</text>"
                )
        for marker in self.markers:
            mx = x(marker.value)
            parts.append(
                f'<line class="marker" x1="{mx:.1f}" y1="{top - 4}" x2="{mx:.1f}" '
                f'y2="{axis_y}" stroke="{marker.colour}" stroke-width="2" '
                f'stroke-dasharray="5 3"><title>{escape(marker.label)}</title></line>'
                f'<text x="{mx + 4:.1f}" y="{axis_y - 4}" fill="{marker.colour}" '
                f'font-size="11">{escape(marker.label)}</text>'
            )
        if not self.rows:
            parts.append(
                f'<text x="{left + plot_w / 2:.1f}" y="{top + 16}" text-anchor="middle" '
                f'fill="{MUTED}">Nothing in this range</text>'
            )
        parts.append("</svg>")
        return "".join(parts)


def safe_svg(markup: str) -> SafeString:
    """Mark chart markup from this module safe for templates: every label and title in it went
    through ``escape`` and every number through a format, so nothing raw reaches the page."""
    return mark_safe(markup)  # noqa: S308 - built here from escaped parts only
