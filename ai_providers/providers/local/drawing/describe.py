"""Interpretation: cautious subject guesses, the mood, and the encouraging description."""

from __future__ import annotations

import re

import numpy as np

from .colours import COLOUR_NAMES, _nearest_name
from .layout import _blobs, _cells, _span, _thirds, _where
from .palette import _Colour


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
