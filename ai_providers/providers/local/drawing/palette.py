"""Palette extraction: clustering ink pixels into a few named crayon colours."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .colours import COLOUR_NAMES, _nearest_name, _rgb_to_lab


@dataclass
class _Colour:
    rgb: np.ndarray  # median RGB of the cluster
    lab: np.ndarray
    name: str
    family: str
    count: int
    mask: np.ndarray | None = None  # HxW bool, ink pixels nearest to this colour


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
