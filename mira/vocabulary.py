"""The story vocabulary, in one home: story types, lengths and their word bands, age groups and
their ages, and the languages stories are told in.

The data sits in ``mira/vocabulary.yaml``; this module loads and checks it once at import and
exposes plain tuples and read-only mappings. It is a kernel module: it imports no app, so every
app (``stories``, ``experiments``, ``prompts_app``, ``ai_providers``, ``usage``) may import it.
No other module defines these names (``mira/tests/test_vocabulary.py`` scans for copies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

__all__ = [
    "AGE_GROUPS",
    "AGE_GROUP_AGES",
    "AGE_GROUP_READING",
    "DEFAULT_LANGUAGE",
    "EXAMPLE_KIDS",
    "LANGUAGES",
    "LENGTH_BANDS",
    "MAX_KID_AGE",
    "MIN_KID_AGE",
    "OFFLINE_LANGUAGES",
    "STORY_LENGTHS",
    "STORY_LENGTH_LABELS",
    "STORY_TYPES",
    "STORY_TYPE_LABELS",
    "Language",
    "VocabularyError",
    "age_group",
    "language",
    "length_band",
]

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yaml")
_CODE = re.compile(r"^[a-z]{2}$")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
READING_LIMITS = ("max_long_word_share", "max_average_sentence_words")


class VocabularyError(ValueError):
    """The vocabulary file is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1
    name: str  # in English
    native_name: str
    direction: str  # "ltr" | "rtl"
    offline: bool  # the offline storyteller has content in it

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"


def _band(value: Any, where: str, *, minimum: int) -> tuple[int, int]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or not minimum <= value[0] <= value[1]
    ):
        raise VocabularyError(
            f"{VOCABULARY_FILE.name}: {where}: expected [low, high] with {minimum} <= low <= high,"
            f" got {value!r}"
        )
    return value[0], value[1]


def _section(document: dict, name: str) -> dict:
    value = document.get(name)
    if not isinstance(value, dict) or not value:
        raise VocabularyError(f"{VOCABULARY_FILE.name}: {name}: expected a non-empty mapping")
    return value


def _entry(section: str, key: Any, value: Any, required: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise VocabularyError(f"{VOCABULARY_FILE.name}: {section}.{key}: expected a mapping")
    missing = [name for name in required if name not in value]
    if missing:
        raise VocabularyError(
            f"{VOCABULARY_FILE.name}: {section}.{key}: missing {', '.join(missing)}"
        )
    return value


def load(text: str) -> dict[str, Any]:
    """Parse and check the vocabulary document ``text``; returns the derived values."""
    document = yaml.safe_load(text)
    if not isinstance(document, dict):
        raise VocabularyError(f"{VOCABULARY_FILE.name}: expected a mapping at the top")

    types: dict[str, str] = {}
    for key, value in _section(document, "story_types").items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise VocabularyError(f"{VOCABULARY_FILE.name}: story_types.{key}: bad name")
        types[key] = str(_entry("story_types", key, value, ("label",))["label"])

    lengths: dict[str, tuple[str, tuple[int, int]]] = {}
    previous = 0
    for key, value in _section(document, "story_lengths").items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise VocabularyError(f"{VOCABULARY_FILE.name}: story_lengths.{key}: bad name")
        entry = _entry("story_lengths", key, value, ("label", "words"))
        band = _band(entry["words"], f"story_lengths.{key}.words", minimum=1)
        if band[0] < previous:
            raise VocabularyError(
                f"{VOCABULARY_FILE.name}: story_lengths.{key}: lengths go from short to long"
            )
        previous = band[0]
        lengths[key] = (str(entry["label"]), band)

    groups: dict[str, tuple[int, int]] = {}
    reading: dict[str, MappingProxyType] = {}
    examples: dict[str, MappingProxyType] = {}
    expected_start: int | None = None
    for key, value in _section(document, "age_groups").items():
        entry = _entry("age_groups", key, value, ("ages", "reading", "example_kid"))
        band = _band(entry["ages"], f"age_groups.{key}.ages", minimum=0)
        limits = entry["reading"]
        if not isinstance(limits, dict) or set(limits) != set(READING_LIMITS):
            raise VocabularyError(
                f"{VOCABULARY_FILE.name}: age_groups.{key}.reading: needs exactly "
                f"{', '.join(READING_LIMITS)}"
            )
        for name, limit in limits.items():
            if isinstance(limit, bool) or not isinstance(limit, int | float) or limit <= 0:
                raise VocabularyError(
                    f"{VOCABULARY_FILE.name}: age_groups.{key}.reading.{name}: expected a "
                    f"positive number, got {limit!r}"
                )
        reading[str(key)] = MappingProxyType(dict(limits))
        kid = entry["example_kid"]
        if (
            not isinstance(kid, dict)
            or set(kid) != {"kid_name", "kid_age", "reading_level"}
            or not isinstance(kid["kid_age"], int)
            or not band[0] <= kid["kid_age"] <= band[1]
        ):
            raise VocabularyError(
                f"{VOCABULARY_FILE.name}: age_groups.{key}.example_kid: needs kid_name, "
                f"reading_level and a kid_age inside {list(band)}"
            )
        examples[str(key)] = MappingProxyType(dict(kid))
        if expected_start is not None and band[0] != expected_start:
            raise VocabularyError(
                f"{VOCABULARY_FILE.name}: age_groups.{key}: starts at {band[0]}, expected"
                f" {expected_start} (groups are contiguous, youngest first)"
            )
        expected_start = band[1] + 1
        groups[str(key)] = band

    languages: dict[str, Language] = {}
    for code, value in _section(document, "languages").items():
        if not isinstance(code, str) or not _CODE.match(code):
            raise VocabularyError(
                f"{VOCABULARY_FILE.name}: languages.{code}: expected an ISO 639-1 code like en"
            )
        entry = _entry("languages", code, value, ("name", "native_name", "direction"))
        if entry["direction"] not in ("ltr", "rtl"):
            raise VocabularyError(
                f"{VOCABULARY_FILE.name}: languages.{code}.direction: ltr or rtl, "
                f"got {entry['direction']!r}"
            )
        languages[code] = Language(
            code=code,
            name=str(entry["name"]),
            native_name=str(entry["native_name"]),
            direction=entry["direction"],
            offline=bool(entry.get("offline", False)),
        )
    default = document.get("default_language")
    if default not in languages:
        raise VocabularyError(
            f"{VOCABULARY_FILE.name}: default_language: must be one of {', '.join(languages)},"
            f" got {default!r}"
        )
    return {
        "types": types,
        "lengths": lengths,
        "groups": groups,
        "reading": reading,
        "examples": examples,
        "languages": languages,
        "default": default,
    }


_DATA = load(VOCABULARY_FILE.read_text(encoding="utf-8"))

STORY_TYPES: tuple[str, ...] = tuple(_DATA["types"])
STORY_TYPE_LABELS = MappingProxyType(dict(_DATA["types"]))
STORY_LENGTHS: tuple[str, ...] = tuple(_DATA["lengths"])  # shortest first
STORY_LENGTH_LABELS = MappingProxyType({k: v[0] for k, v in _DATA["lengths"].items()})
LENGTH_BANDS = MappingProxyType({k: v[1] for k, v in _DATA["lengths"].items()})  # words, incl.
AGE_GROUPS: tuple[str, ...] = tuple(_DATA["groups"])  # youngest first
AGE_GROUP_AGES = MappingProxyType(dict(_DATA["groups"]))  # years, inclusive
AGE_GROUP_READING = MappingProxyType(dict(_DATA["reading"]))  # default vocabulary limits
EXAMPLE_KIDS = MappingProxyType(dict(_DATA["examples"]))  # for prompt validation / previews
MIN_KID_AGE: int = AGE_GROUP_AGES[AGE_GROUPS[0]][0]
MAX_KID_AGE: int = AGE_GROUP_AGES[AGE_GROUPS[-1]][1]
LANGUAGES: tuple[str, ...] = tuple(_DATA["languages"])
LANGUAGE_INFO = MappingProxyType(dict(_DATA["languages"]))
OFFLINE_LANGUAGES: tuple[str, ...] = tuple(c for c, lang in LANGUAGE_INFO.items() if lang.offline)
DEFAULT_LANGUAGE: str = _DATA["default"]


def age_group(age: int) -> str:
    """The age group of a child ``age`` years old; ages outside the bands go to the nearest."""
    for group in AGE_GROUPS:
        if age <= AGE_GROUP_AGES[group][1]:
            return group
    return AGE_GROUPS[-1]


def length_band(length: str) -> tuple[int, int]:
    """The default word band of ``length``; raises ``KeyError`` for an unknown length."""
    return LENGTH_BANDS[length]


def language(code: str) -> Language:
    """The language with ISO 639-1 ``code``; raises ``KeyError`` for an unsupported one."""
    return LANGUAGE_INFO[code]
