"""Per-language data files: ``content/languages/<code>.yaml``, one per supported language.

Each file holds what is not grammar-free about a language outside the offline storyteller:
the read-along page's few words, and the quality checks' word lists (positive words for the
ending, words that end a story on a low note, what counts as a long word). The content team
edits them like prompts; ``check_prompts`` runs ``check_language_files`` and names the file and
line of a mistake. This is a kernel module: it imports no app.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .vocabulary import DEFAULT_LANGUAGE, LANGUAGES

LANGUAGE_DIR = Path(__file__).resolve().parent.parent / "content" / "languages"
_STRING_LIST_KEYS = ("positive_words", "negative_endings")


class LanguageDataError(ValueError):
    """A language file is wrong; the message names the file, the key and the line."""


@dataclass(frozen=True)
class LanguageData:
    code: str
    story_for: str  # "A story for {name}"
    cover_of: str  # "Cover of {title}"
    long_word_syllables: int
    vowels: str
    positive: re.Pattern[str]
    negative_ending: re.Pattern[str]


def _line_of(root: yaml.Node | None, path: tuple[str, ...]) -> int | None:
    node = root
    for key in path:
        if not isinstance(node, yaml.MappingNode):
            break
        for key_node, value_node in node.value:
            if key_node.value == key:
                node = value_node
                break
        else:
            break
    return node.start_mark.line + 1 if node is not None else None


def _words_pattern(words: list[str]) -> re.Pattern[str]:
    """Whole-word alternatives; a trailing ``*`` matches any ending ("sonri*")."""
    parts = []
    for word in sorted(words, key=len, reverse=True):
        stem = re.escape(word.rstrip("*")).replace(r"\ ", r"\s+")
        parts.append(stem + (r"\w*" if word.endswith("*") else ""))
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def parse_language_file(text: str, *, name: str, code: str) -> LanguageData:
    """Check one file's text; ``LanguageDataError`` names ``name``, the key and the line."""
    try:
        root = yaml.compose(text)
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise LanguageDataError(f"{name}{line}: not valid YAML: {exc}") from None

    def fail(path: tuple[str, ...], message: str):
        line = _line_of(root, path)
        where = f"{name} line {line}" if line else name
        raise LanguageDataError(f"{where}: {'.'.join(path) or '<root>'}: {message}")

    if not isinstance(document, dict):
        fail((), "expected a mapping")
    if document.get("language") != code:
        fail(("language",), f"must be {code!r}, the file's name")
    page = document.get("read_along")
    if not isinstance(page, dict):
        fail(("read_along",), "expected a mapping with story_for and cover_of")
    for key, placeholder in (("story_for", "{name}"), ("cover_of", "{title}")):
        value = page.get(key)
        if not isinstance(value, str) or placeholder not in value:
            fail(("read_along", key), f"expected text containing {placeholder}")
    quality = document.get("quality")
    if not isinstance(quality, dict):
        fail(("quality",), "expected a mapping")
    syllables = quality.get("long_word_syllables")
    if isinstance(syllables, bool) or not isinstance(syllables, int) or not 2 <= syllables <= 6:
        fail(("quality", "long_word_syllables"), "expected a whole number from 2 to 6")
    vowels = quality.get("vowels")
    if not isinstance(vowels, str) or not vowels.isalpha():
        fail(("quality", "vowels"), "expected the language's vowel letters")
    lists: dict[str, list[str]] = {}
    for key in _STRING_LIST_KEYS:
        value = quality.get(key)
        if not isinstance(value, list) or not value:
            fail(("quality", key), "expected a non-empty list of words")
        for item in value:
            if not isinstance(item, str) or not item.strip() or "*" in item.rstrip("*"):
                fail(("quality", key), f"{item!r}: a word or phrase, '*' only at its end")
        lists[key] = [str(v).strip().lower() for v in value]
    return LanguageData(
        code=code,
        story_for=page["story_for"],
        cover_of=page["cover_of"],
        long_word_syllables=syllables,
        vowels=vowels.lower(),
        positive=_words_pattern(lists["positive_words"]),
        negative_ending=_words_pattern(lists["negative_endings"]),
    )


def _path(code: str) -> Path:
    return LANGUAGE_DIR / f"{code}.yaml"


def check_language_files(directory: Path | None = None) -> list[str]:
    """Every problem with the language files, one message each; empty when all is well."""
    folder = directory or LANGUAGE_DIR
    problems = []
    for code in LANGUAGES:
        path = folder / f"{code}.yaml"
        if not path.is_file():
            problems.append(f"{path}: missing: every supported language needs its file")
            continue
        try:
            parse_language_file(path.read_text(encoding="utf-8"), name=str(path), code=code)
        except LanguageDataError as exc:
            problems.append(str(exc))
    for path in sorted(folder.glob("*.yaml")):
        if path.stem not in LANGUAGES:
            problems.append(f"{path}: {path.stem!r} is not a language in mira/vocabulary.yaml")
    return problems


@functools.cache
def language_data(code: str) -> LanguageData:
    """The data of ``code`` (an unsupported or regional code falls back to its base, then
    to the default language)."""
    base = (code or "").lower().split("-")[0]
    chosen = base if base in LANGUAGES and _path(base).is_file() else DEFAULT_LANGUAGE
    path = _path(chosen)
    return parse_language_file(path.read_text(encoding="utf-8"), name=str(path), code=chosen)
