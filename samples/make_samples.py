"""Draw the sample "children's drawings" used by the offline providers, demos and tests.

Run from the repo root: ``.venv/bin/python samples/make_samples.py``. Fixed seeds make the output
reproducible for a given Pillow/numpy version. Crayon look = wobbly polylines drawn in a few
offset passes, then a grain texture that lets some paper show through the wax.
"""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent
Point = tuple[float, float]


class Crayon:
    """A canvas that accepts crayon strokes and scribble fills, layer by layer."""

    def __init__(self, size: tuple[int, int], paper: tuple[int, int, int], seed: int) -> None:
        self.rng = random.Random(seed)
        self.size = size
        self.canvas = np.empty((size[1], size[0], 3), dtype=np.float32)
        self.canvas[:] = paper
        grain = np.random.default_rng(seed).random((size[1], size[0])).astype(np.float32)
        # Blurred grain gives wax-on-paper clumps instead of per-pixel static (and compresses
        # better, which keeps the PNG small).
        soft = Image.fromarray((grain * 255).astype(np.uint8)).filter(ImageFilter.BoxBlur(1))
        self.grain = np.asarray(soft, dtype=np.float32) / 255

    # --- geometry ---------------------------------------------------------------------------

    def wobble(self, pts: list[Point], amp: float, step: float = 10.0) -> list[Point]:
        """Resample a polyline and push it sideways by a smooth random walk (a shaky hand)."""
        out: list[Point] = []
        drift = 0.0
        for (x0, y0), (x1, y1) in itertools.pairwise(pts):
            length = math.hypot(x1 - x0, y1 - y0) or 1.0
            nx, ny = -(y1 - y0) / length, (x1 - x0) / length
            for k in range(max(1, int(length / step))):
                t = k * step / length
                drift = 0.8 * drift + self.rng.uniform(-amp, amp) * 0.45
                out.append((x0 + (x1 - x0) * t + nx * drift, y0 + (y1 - y0) * t + ny * drift))
        out.append((pts[-1][0] + self.rng.uniform(-1, 1), pts[-1][1] + self.rng.uniform(-1, 1)))
        return out

    @staticmethod
    def circle(cx: float, cy: float, r: float, n: int = 40, turns: float = 1.08) -> list[Point]:
        """A slightly overlapping loop, the way children close a circle."""
        return [
            (
                cx + r * math.cos(2 * math.pi * turns * i / n),
                cy + r * math.sin(2 * math.pi * turns * i / n),
            )
            for i in range(n + 1)
        ]

    # --- marks ------------------------------------------------------------------------------

    def _mask(self) -> tuple[Image.Image, ImageDraw.ImageDraw]:
        mask = Image.new("L", self.size, 0)
        return mask, ImageDraw.Draw(mask)

    def _apply(
        self, mask: Image.Image, colour: tuple[int, int, int], strength: float = 0.92
    ) -> None:
        alpha = np.asarray(mask, dtype=np.float32) / 255
        # Wax skips over the paper's tooth: some grain cells get only a little colour.
        # Three wax levels rather than a continuous ramp: looks the same, compresses far better.
        alpha *= (
            np.where(self.grain < 0.18, 0.45, np.where(self.grain < 0.55, 0.85, 1.0)) * strength
        )
        alpha = alpha[..., None]
        self.canvas = self.canvas * (1 - alpha) + np.array(colour, dtype=np.float32) * alpha

    def strokes(
        self, lines: list[list[Point]], colour: tuple[int, int, int], width: int, amp: float = 3.0
    ) -> None:
        mask, draw = self._mask()
        for pts in lines:
            for _ in range(2):  # two passes, slightly apart, like pressing the crayon twice
                dx, dy = (
                    self.rng.uniform(-width / 4, width / 4),
                    self.rng.uniform(-width / 4, width / 4),
                )
                w = max(2, int(width * self.rng.uniform(0.75, 1.05)))
                path = [(x + dx, y + dy) for x, y in self.wobble(pts, amp)]
                draw.line(path, fill=255, width=w, joint="curve")
                for x, y in (path[0], path[-1]):
                    draw.ellipse((x - w / 2, y - w / 2, x + w / 2, y + w / 2), fill=255)
        self._apply(mask, colour)

    def scribble(
        self,
        shape: list[Point],
        colour: tuple[int, int, int],
        width: int = 14,
        angle: float = 20.0,
        spill: int = 6,
        region: Image.Image | None = None,
    ) -> None:
        """Fill a polygon (or a given mask) with back-and-forth strokes that overshoot a bit."""
        xs, ys = [p[0] for p in shape], [p[1] for p in shape]
        cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        reach = math.hypot(max(xs) - min(xs), max(ys) - min(ys)) / 2 + width
        a = math.radians(angle)
        ux, uy, vx, vy = math.cos(a), math.sin(a), -math.sin(a), math.cos(a)
        zig: list[Point] = []
        off = -reach
        side = 1
        while off <= reach:
            zig.append((cx + vx * off + ux * reach * side, cy + vy * off + uy * reach * side))
            off += width * self.rng.uniform(0.7, 0.95)
            side = -side
        marks, draw = self._mask()
        draw.line(self.wobble(zig, 2.0, step=14), fill=255, width=width, joint="curve")
        if region is None:
            region = Image.new("L", self.size, 0)
            ImageDraw.Draw(region).polygon(shape, fill=255)
        region = region.filter(ImageFilter.MaxFilter(spill | 1))
        marks = Image.fromarray(np.minimum(np.asarray(marks), np.asarray(region)))
        self._apply(marks, colour, strength=0.85)

    def save(self, path: Path, **params: object) -> None:
        img = Image.fromarray(np.clip(self.canvas, 0, 255).astype(np.uint8), "RGB")
        img.save(path, **params)
        kb = path.stat().st_size // 1024
        print(f"{path.relative_to(HERE.parent)}: {img.size[0]}x{img.size[1]}, {kb} KB")


def star(cx: float, cy: float, r: float, rot: float = -90.0) -> list[Point]:
    pts = []
    for i in range(10):
        rr = r if i % 2 == 0 else r * 0.45
        a = math.radians(rot + 36 * i)
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts


def ellipse_poly(cx: float, cy: float, rx: float, ry: float, n: int = 36) -> list[Point]:
    return [
        (cx + rx * math.cos(2 * math.pi * i / n), cy + ry * math.sin(2 * math.pi * i / n))
        for i in range(n)
    ]


def garden_scene(path: Path) -> None:
    """Sun, sky, grass, a house, a tree, a child and a dog on white paper (1200x900 PNG)."""
    c = Crayon((1200, 900), (252, 251, 247), seed=7)
    yellow, orange = (250, 204, 30), (245, 140, 30)
    blue, green, dark_green = (60, 130, 225), (70, 170, 60), (40, 120, 50)
    red, brown, black = (215, 40, 45), (120, 75, 40), (35, 35, 40)

    # Sky first: long horizontal zigzags across the top, leaving room for the sun.
    sky = []
    for row, y in enumerate(range(40, 190, 28)):
        x0 = 290 if y < 170 else 240
        sky.append([(x0 + (row % 2) * 20, y), (1170, y + c.rng.uniform(-8, 8))])
    c.strokes(sky, blue, 18, amp=4)

    # Sun in the top-left corner: a scribbled disc with rays.
    c.scribble(ellipse_poly(140, 130, 80, 78), yellow, width=16, angle=35)
    c.strokes([c.circle(140, 130, 82)], orange, 8, amp=2)
    rays = []
    for k in range(9):
        a = math.radians(-20 + k * 25)
        rays.append(
            [
                (140 + 100 * math.cos(a), 130 + 100 * math.sin(a)),
                (140 + 150 * math.cos(a), 130 + 150 * math.sin(a)),
            ]
        )
    c.strokes(rays, yellow, 10, amp=2)

    # Grass along the bottom, with blades poking up.
    grass = [[(10, y), (1190, y + c.rng.uniform(-10, 10))] for y in range(800, 890, 22)]
    blades = [
        [(x, 800), (x + c.rng.uniform(-12, 12), 770 - c.rng.uniform(0, 25))]
        for x in range(20, 1190, 38)
    ]
    c.strokes(grass, green, 20, amp=5)
    c.strokes(blades, dark_green, 7, amp=1.5)

    # House on the left: red walls, brown roof, door and a yellow window.
    c.strokes([[(120, 520), (120, 790), (380, 790), (380, 520), (115, 520)]], red, 10, amp=2.5)
    roof = [(95, 530), (250, 390), (405, 530)]
    c.scribble(roof, brown, width=12, angle=-10)
    c.strokes([[*roof, (95, 530)]], brown, 9, amp=2)
    c.strokes([[(215, 790), (215, 680), (285, 680), (285, 790)]], brown, 9, amp=1.5)
    c.scribble([(160, 575), (225, 575), (225, 635), (160, 635)], yellow, width=10, angle=60)
    c.strokes(
        [[(160, 575), (225, 575), (225, 635), (160, 635), (160, 575)], [(192, 575), (192, 635)]],
        blue,
        6,
        amp=1,
    )

    # Tree on the right: upright trunk, round green crown on top.
    c.scribble([(965, 560), (1015, 560), (1022, 795), (958, 795)], brown, width=12, angle=80)
    c.scribble(ellipse_poly(990, 470, 125, 110), green, width=18, angle=25, spill=10)
    c.strokes([c.circle(990, 470, 128, n=48)], dark_green, 8, amp=3)
    c.scribble(ellipse_poly(950, 440, 14, 14), red, width=10)  # apples
    c.scribble(ellipse_poly(1040, 500, 14, 14), red, width=10)

    # Stick-figure child: head, smile, body, arms (one waving), legs, and orange hair.
    c.strokes([c.circle(590, 470, 45)], black, 8, amp=1.5)
    c.strokes([[(570, 485), (590, 498), (610, 485)]], black, 5, amp=0.5)
    c.scribble(ellipse_poly(575, 460, 5, 5), black, width=8)
    c.scribble(ellipse_poly(605, 460, 5, 5), black, width=8)
    c.strokes([[(555, 435), (575, 410), (600, 418), (628, 432)]], orange, 12, amp=2)
    c.strokes(
        [
            [(590, 515), (592, 660)],
            [(591, 560), (520, 505)],
            [(591, 560), (665, 590)],
            [(592, 660), (545, 760)],
            [(592, 660), (640, 760)],
        ],
        black,
        8,
        amp=2,
    )
    # Dress as a triangle so the figure reads as a child, in pink.
    c.scribble([(592, 550), (545, 660), (640, 660)], (240, 110, 170), width=10, angle=70)

    # Dog next to the child: brown body, head, ear, legs and a wagging tail.
    c.scribble(ellipse_poly(790, 700, 80, 38), brown, width=12, angle=0)
    c.scribble(ellipse_poly(880, 650, 34, 30), brown, width=10)
    c.scribble([(862, 628), (884, 606), (900, 640)], (80, 50, 25), width=8)  # floppy ear
    c.strokes(
        [
            [(745, 730), (740, 785)],
            [(775, 735), (772, 790)],
            [(815, 735), (818, 790)],
            [(845, 728), (850, 785)],
        ],
        brown,
        9,
        amp=1,
    )
    c.strokes([[(712, 690), (680, 650), (690, 630)]], brown, 8, amp=1.5)
    c.scribble(ellipse_poly(890, 642, 4, 4), black, width=7)

    # Flowers in the grass.
    for x, col in ((460, red), (500, (240, 110, 170)), (1100, red), (1140, (150, 80, 200))):
        c.strokes([[(x, 800), (x + 2, 755)]], dark_green, 6, amp=1)
        c.scribble(ellipse_poly(x + 2, 745, 14, 14), col, width=9)
    c.save(path, optimize=True)


def space_scene(path: Path) -> None:
    """A rocket, stars, a planet and a moon on dark blue paper, photographed (1000x1000 JPEG)."""
    c = Crayon((1000, 1000), (28, 36, 78), seed=11)
    white, grey, red = (245, 245, 240), (175, 180, 190), (225, 50, 50)
    yellow, orange, purple, pink = (252, 215, 60), (250, 145, 35), (150, 90, 210), (240, 120, 190)

    # Yellow stars scattered everywhere (outlined, then scribbled in).
    spots = [
        (110, 120),
        (420, 80),
        (860, 300),
        (90, 520),
        (300, 330),
        (880, 620),
        (160, 860),
        (730, 880),
        (560, 200),
    ]
    for i, (x, y) in enumerate(spots):
        r = 26 + (i * 7) % 18
        shape = star(x, y, r, rot=-90 + (i * 13) % 30)
        c.scribble(shape, yellow, width=8, angle=i * 20, spill=3)
        c.strokes([[*shape, shape[0]]], yellow, 5, amp=0.8)
    # Little white dots for faraway stars.
    dots = [
        [(x, y), (x + 4, y + 3)]
        for x, y in (
            (250, 180),
            (690, 110),
            (950, 460),
            (40, 700),
            (480, 930),
            (930, 940),
            (340, 620),
            (640, 420),
        )
    ]
    c.strokes(dots, white, 9, amp=0.5)

    # A crescent moon in the top-right corner.
    moon = ellipse_poly(820, 150, 80, 80)
    crescent = Image.new("L", c.size, 0)
    ImageDraw.Draw(crescent).polygon(moon, fill=255)
    ImageDraw.Draw(crescent).polygon(ellipse_poly(858, 128, 70, 72), fill=0)
    c.scribble(moon, (250, 240, 170), width=12, angle=45, region=crescent)

    # A purple planet with a pink ring, lower left.
    c.scribble(ellipse_poly(230, 700, 90, 90), purple, width=14, angle=30)
    c.strokes([[*ellipse_poly(230, 700, 150, 34), (380, 700)]], pink, 10, amp=1.5)

    # The rocket, tilted up and to the right, in the middle.
    body = [(470, 760), (450, 470), (530, 330), (610, 470), (590, 760)]
    c.scribble(body, white, width=14, angle=80)
    c.strokes([[*body, body[0]]], grey, 8, amp=1.5)
    c.scribble([(450, 470), (530, 330), (610, 470)], red, width=12, angle=0)
    c.scribble([(470, 650), (400, 780), (470, 760)], red, width=10, angle=70)
    c.scribble([(590, 650), (660, 780), (590, 760)], red, width=10, angle=110)
    c.scribble(ellipse_poly(530, 560, 36, 36), (90, 170, 235), width=10)
    c.strokes([c.circle(530, 560, 38)], grey, 7, amp=1)
    c.scribble(
        [(480, 770), (580, 770), (545, 900), (530, 860), (512, 910)], orange, width=12, angle=90
    )
    c.scribble([(500, 775), (560, 775), (530, 850)], yellow, width=10, angle=90)

    # A phone photo of dark paper: light falls off towards the corners.
    h, w = c.canvas.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    falloff = 1.0 - 0.18 * (((xx - w * 0.45) / w) ** 2 + ((yy - h * 0.4) / h) ** 2) * 2
    c.canvas *= falloff[..., None]
    c.save(path, quality=85, optimize=True)


if __name__ == "__main__":
    garden_scene(HERE / "drawing.png")
    space_scene(HERE / "drawing.jpg")
