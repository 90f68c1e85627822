"""Friendly colour names: the crayon palette, sRGB to Lab, and CIEDE2000 nearest-name lookup."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

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
