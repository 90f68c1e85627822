"""Quality checks on a generated story, from the prompt version's ``quality_checks`` block.

Every failure is one sentence that is fed back to the generator on the single regeneration
and, if the second attempt fails too, stored in the story's ``content_warnings``. The names
of the checks are ``prompts_app.documents.QUALITY_ELEMENTS`` and ``CONTENT_FILTERS``; the
content team picks among them in the YAML, and validation refuses names that do not exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from ai_providers.content_rules import find
from mira.language_data import language_data
from mira.vocabulary import AGE_GROUP_READING, DEFAULT_LANGUAGE, LENGTH_BANDS, age_group


def content_findings(text: str, language: str | None = None) -> dict[str, list[str]]:
    """Phrases the content rules found, by category, lower-cased as the feedback quotes them.
    ``language`` is the story's: that language's own-language-only words count too."""
    findings: dict[str, list[str]] = {}
    for finding in find(text, language):
        findings.setdefault(finding.category, []).append(
            " ".join(text[finding.start : finding.end].lower().split())
        )
    return findings


# Positive words for the ending and words that end it on a low note are per-language data:
# content/languages/<code>.yaml (mira.language_data).

# Each content filter the YAML may name is a set of categories of the one rule engine
# (``ai_providers.content_rules``), the same rules the offline safety check runs: a word is
# judged the same way everywhere ("a green shoot" is a plant, "shoot them" is not).
CONTENT_FILTERS: dict[str, tuple[str, ...]] = {
    "no_violence": ("violence", "self_harm", "dangerous"),
    "no_scary_themes": ("scary",),
    "no_inappropriate_content": ("inappropriate", "sexual", "grooming", "personal_data"),
    "family_friendly": ("unkind", "hate", "body_shaming"),
}
FILTER_LABELS = {
    "no_violence": "violence",
    "no_scary_themes": "a scary theme",
    "no_inappropriate_content": "content unsuitable for children",
    "family_friendly": "unkind language",
}
DEFAULT_VOCABULARY = AGE_GROUP_READING

_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
# Any language's words: letters (accented ones too), with inner apostrophes ("aujourd'hui").
_ANY_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?:\s+|$)")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def length_band(length: str, quality_checks: dict[str, Any] | None = None) -> tuple[int, int]:
    bands = (quality_checks or {}).get("length_bands") or {}
    band = bands.get(length) or LENGTH_BANDS[length]
    return int(band[0]), int(band[1])


def syllables(word: str) -> int:
    """An English syllable estimate (vowel groups, silent final e); good enough to tell
    "cat" from "extraordinary", which is all the vocabulary check needs."""
    word = word.lower().strip("'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) <= 3:
        return 1
    count = len(_VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    if (
        word.endswith(("ed", "es"))
        and not word.endswith(("ted", "ded", "ses", "zes", "ces", "ges"))
        and count > 1
    ):
        count -= 1
    return max(count, 1)


def vowel_groups(word: str, vowels: str) -> int:
    """A syllable estimate for languages without English's silent letters: vowel groups."""
    groups, inside = 0, False
    for char in word.lower():
        is_vowel = char in vowels
        groups += is_vowel and not inside
        inside = is_vowel
    return max(groups, 1)


def vocabulary_measures(
    text: str, *, names: Iterable[str] = (), language: str = DEFAULT_LANGUAGE
) -> tuple[float, float]:
    """(share of long words, average words per sentence). A long word has at least the
    language's ``long_word_syllables`` (content/languages/<code>.yaml; three in English).
    Names are left out: "Anastasia" is not hard vocabulary."""
    data = language_data(language)
    skip = {n.lower() for n in names if n}
    pattern = _WORD if data.code == "en" else _ANY_WORD
    words = [w for w in pattern.findall(text) if w.lower() not in skip]
    if not words:
        return 0.0, 0.0
    if data.code == "en":
        count = syllables
    else:

        def count(word: str) -> int:
            return vowel_groups(word, data.vowels)

    long_share = sum(1 for w in words if count(w) >= data.long_word_syllables) / len(words)
    sentences = [s for s in _SENTENCE_END.split(text) if pattern.search(s)]
    average = len(pattern.findall(text)) / max(len(sentences), 1)
    return long_share, average


def _last_sentence(paragraph: str) -> str:
    parts = [s for s in _SENTENCE_END.split(paragraph.strip()) if s.strip()]
    return parts[-1] if parts else ""


def _check_name(text: str, ctx: dict[str, Any], checks: dict[str, Any]) -> list[str]:
    name = ctx["kid_name"]
    if name and not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE):
        return [f"the child's name ({name}) is not mentioned"]
    return []


def _check_ending(text: str, ctx: dict[str, Any], checks: dict[str, Any]) -> list[str]:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    data = language_data(ctx.get("language") or DEFAULT_LANGUAGE)
    if not paragraphs or not data.positive.search(paragraphs[-1]):
        return ["the ending is not clearly positive and encouraging"]
    if data.negative_ending.search(_last_sentence(paragraphs[-1])):
        return ["the last sentence ends on a sad or worried note; end warmly"]
    return []


def _check_vocabulary(text: str, ctx: dict[str, Any], checks: dict[str, Any]) -> list[str]:
    age = ctx.get("kid_age")
    if age is None:
        return []
    group = age_group(age)
    limits = (checks.get("vocabulary") or DEFAULT_VOCABULARY).get(group) or DEFAULT_VOCABULARY[
        group
    ]
    share, average = vocabulary_measures(
        text, names=ctx.get("names", ()), language=ctx.get("language") or DEFAULT_LANGUAGE
    )
    failures = []
    if share > float(limits["max_long_word_share"]):
        failures.append(
            f"vocabulary: {share:.0%} of words have three or more syllables, at most "
            f"{float(limits['max_long_word_share']):.0%} for ages {group}; use shorter words"
        )
    if average > float(limits["max_average_sentence_words"]):
        failures.append(
            f"sentences average {average:.1f} words, at most {limits['max_average_sentence_words']} "
            f"for ages {group}; use shorter sentences"
        )
    return failures


def _check_avoid_topics(text: str, ctx: dict[str, Any], checks: dict[str, Any]) -> list[str]:
    failures = []
    for topic in ctx.get("avoid_topics") or ():
        words = [w for w in _WORD.findall(topic.lower()) if len(w) > 2]
        if not words:
            continue
        # "spiders" is avoided as "spider" and "spiders"; a phrase needs all its words.
        if all(re.search(rf"\b{re.escape(w.rstrip('s'))}s?\b", text, re.IGNORECASE) for w in words):
            failures.append(f"mentions '{topic}', which the parent asked to avoid")
    return failures


ELEMENT_CHECKS: dict[str, Callable[[str, dict[str, Any], dict[str, Any]], list[str]]] = {
    "child_name_mentioned": _check_name,
    "positive_ending": _check_ending,
    "age_appropriate_vocabulary": _check_vocabulary,
    "avoid_topics_respected": _check_avoid_topics,
}
DEFAULT_ELEMENTS = ("child_name_mentioned", "positive_ending")


def story_failures(
    text: str,
    *,
    kid_name: str,
    length: str,
    quality_checks: dict[str, Any] | None = None,
    kid_age: int | None = None,
    avoid_topics: Iterable[str] = (),
    names: Iterable[str] = (),
    language: str = DEFAULT_LANGUAGE,
) -> list[str]:
    """What is wrong with ``text``, as sentences fed back to the generator; empty when fine.

    ``quality_checks`` is the prompt version's block; without one, the length band, the
    child's name and a positive ending are still checked. ``language`` is the story's: the
    length is counted in its words, the ending judged and the content rules run in it."""
    checks = quality_checks or {}
    failures = []
    low, high = length_band(length, checks)
    count = len(text.split())
    if not low <= count <= high:
        failures.append(f"length: {count} words, need {low}-{high} for a {length} story")
    elif not checks.get("min_word_count", 0) <= count <= checks.get("max_word_count", count):
        failures.append(
            f"length: {count} words, need {checks.get('min_word_count')}-{checks.get('max_word_count')}"
        )
    ctx = {
        "kid_name": kid_name,
        "kid_age": kid_age,
        "avoid_topics": tuple(avoid_topics),
        "names": (kid_name, *names),
        "language": language,
    }
    for element in checks.get("required_elements") or DEFAULT_ELEMENTS:
        check = ELEMENT_CHECKS.get(element)
        if check is not None:  # unknown names are refused when the prompt is saved
            failures.extend(check(text, ctx, checks))
    filters = [name for name in checks.get("content_filters") or () if name in CONTENT_FILTERS]
    if filters:
        findings = content_findings(text, language)
        for name in filters:
            found = sorted(
                {
                    phrase
                    for category in CONTENT_FILTERS[name]
                    for phrase in findings.get(category, ())
                }
            )
            if found:
                failures.append(
                    f"contains {FILTER_LABELS[name]} ({', '.join(found[:5])}); leave it out"
                )
    return failures
