"""Quality-check bounds: word counts, length bands, required elements, filters, vocabulary."""

from __future__ import annotations

from mira.vocabulary import AGE_GROUPS, STORY_LENGTHS

from ..documents import CONTENT_FILTERS, QUALITY_ELEMENTS, VOCABULARY_LIMITS
from .issues import _check_string_list, _Collector, _number


def _check_quality(c: _Collector) -> None:
    checks = c.doc.data.get("quality_checks")
    path = ("quality_checks",)
    if checks is None:
        if c.doc.key == "system/story_generation":
            c.add("missing 'quality_checks' (the story prompt must say what a good story is)")
        return
    if not isinstance(checks, dict):
        c.add("'quality_checks' must be a mapping", *path)
        return
    allowed = {
        "min_word_count",
        "max_word_count",
        "length_bands",
        "required_elements",
        "vocabulary",
        "content_filters",
    }
    for key in checks:
        if key not in allowed:
            c.add(
                f"unknown quality check '{key}' (allowed: {', '.join(sorted(allowed))})",
                *path,
                key,
                "__key__",
            )
    low_all, high_all = checks.get("min_word_count"), checks.get("max_word_count")
    for name, value in (("min_word_count", low_all), ("max_word_count", high_all)):
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 1
        ):
            c.add(f"quality_checks.{name} must be a positive integer", *path, name)
    if isinstance(low_all, int) and isinstance(high_all, int) and low_all >= high_all:
        c.add(
            f"min_word_count ({low_all}) must be below max_word_count ({high_all})",
            *path,
            "min_word_count",
        )
    bands = checks.get("length_bands")
    previous: tuple[int, int] | None = None
    if bands is not None:
        if not isinstance(bands, dict) or set(bands) != set(STORY_LENGTHS):
            c.add("length_bands needs exactly short, medium and long", *path, "length_bands")
        else:
            for length in STORY_LENGTHS:
                band, where = bands[length], (*path, "length_bands", length)
                if (
                    not isinstance(band, list)
                    or len(band) != 2
                    or not all(isinstance(b, int) and not isinstance(b, bool) for b in band)
                    or not 0 < band[0] < band[1]
                ):
                    c.add(f"length_bands.{length} must be [low, high] with 0 < low < high", *where)
                    previous = None
                    continue
                if isinstance(low_all, int) and band[0] < low_all:
                    c.add(f"length_bands.{length} starts below min_word_count ({low_all})", *where)
                if isinstance(high_all, int) and band[1] > high_all:
                    c.add(f"length_bands.{length} ends above max_word_count ({high_all})", *where)
                if previous and (band[0] < previous[0] or band[1] < previous[1]):
                    c.add(
                        f"length_bands.{length} must not be shorter than the band before it", *where
                    )
                previous = (band[0], band[1])
    if "required_elements" in checks:
        _check_string_list(c, (*path, "required_elements"), allowed=QUALITY_ELEMENTS)
    if "content_filters" in checks:
        _check_string_list(c, (*path, "content_filters"), allowed=CONTENT_FILTERS)
    vocabulary = checks.get("vocabulary")
    wants_vocabulary = "age_appropriate_vocabulary" in (checks.get("required_elements") or [])
    if vocabulary is None:
        if wants_vocabulary:
            c.add(
                "age_appropriate_vocabulary needs a 'vocabulary' block per age group",
                *path,
                "required_elements",
            )
        return
    if not isinstance(vocabulary, dict) or set(vocabulary) != set(AGE_GROUPS):
        c.add(
            f"vocabulary needs exactly the age groups {', '.join(AGE_GROUPS)}", *path, "vocabulary"
        )
        return
    last: dict[str, float] = {}
    for group in AGE_GROUPS:
        limits, where = vocabulary[group], (*path, "vocabulary", group)
        if not isinstance(limits, dict) or set(limits) != set(VOCABULARY_LIMITS):
            c.add(f"vocabulary.{group} needs exactly {', '.join(VOCABULARY_LIMITS)}", *where)
            continue
        share, sentence = limits["max_long_word_share"], limits["max_average_sentence_words"]
        if not _number(share) or not 0 < share <= 1:
            c.add(f"vocabulary.{group}.max_long_word_share must be between 0 and 1", *where)
        if not _number(sentence) or not 3 <= sentence <= 60:
            c.add(f"vocabulary.{group}.max_average_sentence_words must be between 3 and 60", *where)
        # Older children may get harder text, never easier limits than younger ones.
        for name, value in limits.items():
            if _number(value) and name in last and value < last[name]:
                c.add(
                    f"vocabulary.{group}.{name} is stricter than for a younger age group",
                    *where,
                    name,
                )
            if _number(value):
                last[name] = value
