"""The offline storyteller over a 300-story matrix, per language: the share of stories inside
their length band, how many distinct sentences the matrix uses, and the time per story.

The matrix: 5 story types x 3 lengths x 4 ages x 5 inputs (a drawing, nothing, a typed idea,
a request with topics to avoid, interests only) = 300 stories.

    make bench BENCH=story_matrix                    # every language with content
    BENCH_LANGUAGES=es make bench BENCH=story_matrix
"""

from __future__ import annotations

import itertools
import os
import re
import time

AGES = (2, 5, 8, 11)
INPUTS = {
    "drawing": {
        "kid_interests": ("dinosaurs", "space"),
        "colour_names": ("sunny yellow", "sky blue"),
        "subjects": ("a shining sun", "grassy ground"),
    },
    "nothing": {},
    "idea": {"image_description": "The child's idea: a turtle who wants to fly"},
    "request": {
        "kid_interests": ("trains",),
        "special_requests": "please include a purple dragon",
        "avoid_topics": ("dogs", "the dark"),
    },
    "interests": {"kid_interests": ("horses", "music", "football")},
}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"»“”])\s+")


def matrix(language: str) -> dict[str, float]:
    from ai_providers.providers.local.storyteller import tell_story
    from ai_providers.types import StoryContext
    from mira.vocabulary import LENGTH_BANDS, STORY_LENGTHS, STORY_TYPES

    inside = total = 0
    sentences: set[str] = set()
    started = time.perf_counter()
    for story_type, length, age, (name, extra) in itertools.product(
        STORY_TYPES, STORY_LENGTHS, AGES, INPUTS.items()
    ):
        ctx = StoryContext(
            kid_name="Mia",
            kid_age=age,
            story_type=story_type,
            story_length=length,
            language=language,
            seed=f"matrix|{story_type}|{length}|{age}|{name}",
            **extra,
        )
        _, text = tell_story(ctx)
        low, high = LENGTH_BANDS[length]
        total += 1
        inside += low <= len(text.split()) <= high
        for paragraph in text.split("\n\n"):
            sentences.update(s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip())
    seconds = time.perf_counter() - started
    return {"stories": total, "inside": inside, "sentences": len(sentences), "seconds": seconds}


def main() -> None:
    from ai_providers.providers.local.story_content import has_content
    from mira.vocabulary import OFFLINE_LANGUAGES

    wanted = os.environ.get("BENCH_LANGUAGES", "")
    languages = [c for c in (wanted.split(",") if wanted else OFFLINE_LANGUAGES) if c]
    for language in languages:
        if not has_content(language):
            print(f"{language}: no content")
            continue
        r = matrix(language)
        print(
            f"{language}: {r['inside']}/{r['stories']} stories inside their length band "
            f"({r['inside'] / r['stories']:.1%}), {r['sentences']} distinct sentences, "
            f"{r['seconds'] / r['stories'] * 1000:.1f} ms a story"
        )
