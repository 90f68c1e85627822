"""The per-language rule files (``config/safety/<language>.yaml``): loading, validation and
compiling into one matcher per category and language selection."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from re import _constants, _parser  # the standard parser: which character a rule starts with
from typing import Any

import yaml
from django.conf import settings

from .normalise import fold_term

# Canonical order: self-harm first so "kill myself" is reported as self-harm, not violence.
CATEGORIES: tuple[str, ...] = (
    "self_harm",
    "sexual",
    "grooming",
    "dangerous",
    "violence",
    "scary",
    "inappropriate",
    "hate",
    "body_shaming",
    "unkind",
    "personal_data",
)
RULE_CATEGORIES = CATEGORIES[:-1]
_TOP_KEYS = {
    "language",
    "sets",
    "categories",
    "allow",
    "only_this_language",
    "creatures",
    "personal_data",
}
_CREATURE_KEYS = ("creatures", "strong", "weak", "softeners", "negations")
PERSONAL_DATA_KEYS = (
    "street_words",
    "school_words",
    "teacher_words",
    "honorifics",
    "live_words",
    "school_lead_ins",
)
_SET_REF = re.compile(r"\{([a-z_]+)\}")


class LexiconError(ValueError):
    """A rule file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Lexicon:
    language: str
    terms: dict[str, tuple[str, ...]]  # category -> folded terms
    patterns: dict[str, tuple[str, ...]]  # category -> regex sources, sets expanded
    strict_terms: dict[str, tuple[str, ...]]  # only when the text is declared this language
    allow_terms: tuple[str, ...]
    allow_patterns: tuple[str, ...]
    # Blanked only when the text is declared this language: a word of this language that
    # folds onto another language's bad word (German "aß" folds to "ass").
    strict_allow_terms: tuple[str, ...] = ()
    creatures: dict[str, frozenset[str]] = field(default_factory=dict)
    personal_data: dict[str, tuple[str, ...]] = field(default_factory=dict)


def lexicon_dir() -> Path:
    return Path(getattr(settings, "MIRA_SAFETY_RULES_DIR", None) or _default_dir())


def _default_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "config" / "safety"


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise LexiconError(f"{where}: expected a list of strings")
    return tuple(str(v) for v in value)


def _check_regex(source: str, where: str) -> None:
    try:
        re.compile(source)
    except re.error as exc:
        raise LexiconError(f"{where}: bad regular expression {source!r}: {exc}") from None


def parse_lexicon(data: Any, where: str) -> Lexicon:
    if not isinstance(data, dict):
        raise LexiconError(f"{where}: expected a mapping at the top")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise LexiconError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    language = data.get("language")
    if not isinstance(language, str) or not re.fullmatch(r"[a-z]{2}", language):
        raise LexiconError(f"{where}.language: expected a two-letter language code")
    sets: dict[str, str] = {}
    for name, words in (data.get("sets") or {}).items():
        folded = [fold_term(w) for w in _strings(words, f"{where}.sets.{name}")]
        alternatives = sorted((re.escape(w).replace(r"\ ", r"\s+") for w in folded), key=len)
        sets[name] = "(?:" + "|".join(reversed(alternatives)) + ")"

    def expand(source: str, at: str) -> str:
        def swap(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in sets:
                raise LexiconError(f"{at}: unknown set {{{name}}}")
            return sets[name]

        expanded = _SET_REF.sub(swap, source)
        _check_regex(expanded, at)
        return expanded

    terms: dict[str, tuple[str, ...]] = {}
    patterns: dict[str, tuple[str, ...]] = {}
    raw_categories = data.get("categories") or {}
    if not isinstance(raw_categories, dict):
        raise LexiconError(f"{where}.categories: expected a mapping")
    for category, body in raw_categories.items():
        at = f"{where}.categories.{category}"
        if category not in RULE_CATEGORIES:
            raise LexiconError(
                f"{at}: unknown category (expected one of {', '.join(RULE_CATEGORIES)})"
            )
        if not isinstance(body, dict) or set(body) - {"terms", "patterns"}:
            raise LexiconError(f"{at}: expected a mapping with terms and/or patterns")
        terms[category] = tuple(fold_term(t) for t in _strings(body.get("terms"), f"{at}.terms"))
        patterns[category] = tuple(
            expand(p, f"{at}.patterns[{i}]")
            for i, p in enumerate(_strings(body.get("patterns"), f"{at}.patterns"))
        )
    strict: dict[str, tuple[str, ...]] = {}
    for category, words in (data.get("only_this_language") or {}).items():
        at = f"{where}.only_this_language.{category}"
        if category not in RULE_CATEGORIES:
            raise LexiconError(f"{at}: unknown category")
        strict[category] = tuple(fold_term(t) for t in _strings(words, at))
    allow = data.get("allow") or {}
    if not isinstance(allow, dict) or set(allow) - {"terms", "patterns", "only_this_language"}:
        raise LexiconError(
            f"{where}.allow: expected a mapping with terms, patterns and/or only_this_language"
        )
    allow_terms = tuple(fold_term(t) for t in _strings(allow.get("terms"), f"{where}.allow.terms"))
    strict_allow = tuple(
        fold_term(t)
        for t in _strings(allow.get("only_this_language"), f"{where}.allow.only_this_language")
    )
    allow_patterns = tuple(
        expand(p, f"{where}.allow.patterns[{i}]")
        for i, p in enumerate(_strings(allow.get("patterns"), f"{where}.allow.patterns"))
    )
    creatures: dict[str, frozenset[str]] = {}
    if data.get("creatures") is not None:
        raw = data["creatures"]
        if not isinstance(raw, dict) or set(raw) != set(_CREATURE_KEYS):
            raise LexiconError(f"{where}.creatures: expected keys {', '.join(_CREATURE_KEYS)}")
        creatures = {
            key: frozenset(fold_term(w) for w in _strings(raw[key], f"{where}.creatures.{key}"))
            for key in _CREATURE_KEYS
        }
    personal: dict[str, tuple[str, ...]] = {}
    for key, words in (data.get("personal_data") or {}).items():
        if key not in PERSONAL_DATA_KEYS:
            raise LexiconError(f"{where}.personal_data.{key}: unknown key")
        personal[key] = tuple(fold_term(w) for w in _strings(words, f"{where}.personal_data.{key}"))
    return Lexicon(
        language=language,
        terms=terms,
        patterns=patterns,
        strict_terms=strict,
        allow_terms=allow_terms,
        allow_patterns=allow_patterns,
        strict_allow_terms=strict_allow,
        creatures=creatures,
        personal_data=personal,
    )


def load_lexicons(directory: Path | None = None) -> dict[str, Lexicon]:
    directory = directory or lexicon_dir()
    lexicons: dict[str, Lexicon] = {}
    for path in sorted(directory.glob("*.yaml")):
        where = f"config/safety/{path.name}"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise LexiconError(f"{where}: not valid YAML: {exc}") from None
        lexicon = parse_lexicon(data, where)
        if lexicon.language != path.stem:
            raise LexiconError(
                f"{where}.language: {lexicon.language!r} does not match the file name"
            )
        lexicons[lexicon.language] = lexicon
    if "en" not in lexicons:
        raise LexiconError(f"{directory}: no en.yaml rule file")
    return lexicons


def validate_lexicons(directory: Path | None = None) -> list[str]:
    """Problems in the rule files, one message each (empty when they are fine)."""
    try:
        load_lexicons(directory)
    except LexiconError as exc:
        return [str(exc)]
    return []


# --- compiled matchers -----------------------------------------------------------------------


def _term_regex(term: str, *, joined: bool) -> str:
    # In the deobfuscated view words may run together ("killyourself").
    return (r"\s*" if joined else r"\s+").join(re.escape(word) for word in term.split())


def _wrap(alternatives: list[str]) -> re.Pattern[str] | None:
    if not alternatives:
        return None
    # Not a letter (or digit) just before: a whole word, in any script.
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])")


class Dispatch:
    """Every category's alternatives, split by the character a match can start with.

    One regular expression with a thousand alternatives tries every one of them at every word
    start; most fail on their first letter. Here each word start runs only the alternatives
    that can begin with its character (the set is read from the parsed expression), so adding
    rules to one letter does not slow the others. Alternatives whose first character cannot be
    told (one starting with ``\\w``), or that can start with many, run in one expression over
    the whole text, as before. Within the buckets matches are what the single expression gives:
    leftmost first, not overlapping, the earlier category in ``CATEGORIES`` order winning at a
    place; an overlap with the whole-text expression is settled like any overlap, by the
    category order in ``find``."""

    def __init__(self, sources: dict[str, list[str]]):
        buckets: dict[str, dict[str, list[str]]] = {}
        rest: dict[str, list[str]] = {}
        for category, alternatives in sources.items():
            for alternative in alternatives:
                chars = first_chars(alternative)
                if chars is None or len(chars) > _WIDE:
                    rest.setdefault(category, []).append(alternative)
                    continue
                for char in chars:
                    buckets.setdefault(char, {}).setdefault(category, []).append(alternative)
        self._sources = {
            char: {category: "|".join(alts) for category, alts in groups.items()}
            for char, groups in buckets.items()
        }
        self._compiled: dict[str, re.Pattern[str] | None] = {}
        self._rest = _grouped({category: "|".join(alts) for category, alts in rest.items()})
        keys = "".join(sorted(self._sources))
        self._starts = re.compile(r"(?<![^\W_])[" + re.escape(keys) + "]") if keys else None

    def _bucket(self, char: str) -> re.Pattern[str] | None:
        try:
            return self._compiled[char]
        except KeyError:  # compiled on first use: a short idea needs a few letters only
            pattern = self._compiled[char] = _grouped(self._sources[char])
            return pattern

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self._rest is not None:
            yield from self._rest.finditer(text)
        if self._starts is None:
            return
        last = 0
        for start in self._starts.finditer(text):
            position = start.start()
            if position < last:
                continue
            pattern = self._bucket(text[position])
            match = pattern.match(text, position) if pattern is not None else None
            if match is not None:
                last = max(match.end(), position + 1)
                yield match


# An alternative that can start with more letters than this would be copied into that many
# buckets (and compiled that many times): it runs in the whole-text expression instead.
_WIDE = 8


def first_chars(source: str) -> frozenset[str] | None:
    """The characters a match of ``source`` can start with; None when that cannot be told
    (a class like ``\\w``, ``.``, or an expression that can match the empty string)."""
    chars, nullable = _first_of_sequence(_parser.parse(source).data)
    return None if chars is None or nullable else frozenset(chars)


def _first_of_sequence(items) -> tuple[set[str] | None, bool]:
    found: set[str] = set()
    for op, av in items:
        chars, nullable = _first_of_item(op, av)
        if chars is None:
            return None, False
        found |= chars
        if not nullable:
            return found, False
    return found, True


def _first_of_item(op, av) -> tuple[set[str] | None, bool]:
    if op is _constants.LITERAL:
        return {chr(av)}, False
    if op is _constants.IN:
        chars: set[str] = set()
        for kind, value in av:
            if kind is _constants.LITERAL:
                chars.add(chr(value))
            elif kind is _constants.RANGE and value[1] - value[0] <= 300:
                chars |= {chr(i) for i in range(value[0], value[1] + 1)}
            else:  # a negated set, a category (\w, \s), a huge range
                return None, False
        return chars, False
    if op is _constants.BRANCH:
        chars, nullable = set(), False
        for branch in av[1]:
            found, empty = _first_of_sequence(branch.data)
            if found is None:
                return None, False
            chars |= found
            nullable = nullable or empty
        return chars, nullable
    if op is _constants.SUBPATTERN:
        return _first_of_sequence(av[3].data)
    if op in _REPEATS:
        found, empty = _first_of_sequence(av[2].data)
        if found is None:
            return None, False
        return found, empty or av[0] == 0
    if op in (_constants.AT, _constants.ASSERT, _constants.ASSERT_NOT):
        return set(), True  # zero width: the next item starts the match
    return None, False


_REPEATS = tuple(
    op
    for op in (
        _constants.MAX_REPEAT,
        _constants.MIN_REPEAT,
        getattr(_constants, "POSSESSIVE_REPEAT", None),
    )
    if op is not None
)


def _dispatch(sources: dict[str, list[str]]) -> Dispatch | None:
    return Dispatch(sources) if sources else None


@dataclass(frozen=True)
class Matchers:
    plain: Dispatch | None  # one group per category, named after it
    deobfuscated: Dispatch | None
    allow: tuple[re.Pattern[str], ...]  # each blanked on its own: overlapping senses all count
    allow_any: re.Pattern[str] | None  # all of them in one: a quick test that any applies
    creatures: dict[str, frozenset[str]]
    personal_data: dict[str, tuple[str, ...]]


_lock = threading.Lock()
_cache: dict[str, dict[str, Lexicon]] = {}


def lexicons() -> dict[str, Lexicon]:
    key = str(lexicon_dir())
    with _lock:
        if key not in _cache:
            _cache[key] = load_lexicons(Path(key))
        return _cache[key]


def reset_lexicons() -> None:
    with _lock:
        _cache.clear()
    matchers.cache_clear()


def languages() -> tuple[str, ...]:
    return tuple(sorted(lexicons()))


@lru_cache(maxsize=32)
def matchers(language: str | None) -> Matchers:
    """Every language's rules, plus the declared language's own-language-only words and its
    own-language-only allowed words."""
    all_lexicons = lexicons()
    plain: dict[str, list[str]] = {}
    deob: dict[str, list[str]] = {}
    for category in RULE_CATEGORIES:
        a: list[str] = []
        b: list[str] = []
        for lexicon in all_lexicons.values():
            terms = list(lexicon.terms.get(category, ()))
            if language == lexicon.language:
                terms += lexicon.strict_terms.get(category, ())
            for term in sorted(set(terms), key=len, reverse=True):
                a.append(_term_regex(term, joined=False))
                b.append(_term_regex(term, joined=True))
            a += lexicon.patterns.get(category, ())
            b += lexicon.patterns.get(category, ())
        if a:
            plain[category] = a
        if b:
            deob[category] = b
    allow_terms: list[str] = []
    allow_patterns: list[str] = []
    creatures: dict[str, frozenset[str]] = {}
    personal: dict[str, tuple[str, ...]] = {}
    for lexicon in all_lexicons.values():
        allow_terms += [_term_regex(t, joined=False) for t in lexicon.allow_terms]
        if language == lexicon.language:
            allow_terms += [_term_regex(t, joined=False) for t in lexicon.strict_allow_terms]
        allow_patterns += list(lexicon.allow_patterns)
        for key, words in lexicon.creatures.items():
            creatures[key] = creatures.get(key, frozenset()) | words
        for key, words in lexicon.personal_data.items():
            personal[key] = personal.get(key, ()) + words
    allow = tuple(p for p in [_wrap(allow_terms), *(_wrap([a]) for a in allow_patterns)] if p)
    allow_any = _wrap([p for p in [*allow_terms, *allow_patterns]])
    return Matchers(_dispatch(plain), _dispatch(deob), allow, allow_any, creatures, personal)


def _grouped(sources: dict[str, str]) -> re.Pattern[str] | None:
    """One pass over the text for every category: at each place the first category in
    ``CATEGORIES`` order that matches wins (self-harm before violence)."""
    if not sources:
        return None
    groups = [f"(?P<{category}>{source})" for category, source in sources.items()]
    return re.compile(r"(?<![^\W_])(?:" + "|".join(groups) + r")(?![^\W_])")
