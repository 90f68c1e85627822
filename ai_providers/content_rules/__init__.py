"""Mira's own content classifier: the rules every text passes, on every path, offline and
with vendors (vendor moderation, where configured, runs beside it, never instead of it).

Categories (canonical order in ``CATEGORIES``): ``self_harm`` (including eating-disorder
phrasing), ``sexual``, ``grooming`` (secrets from parents, strangers' cars, requests for
photos), ``dangerous`` (matches, sockets, swallowing batteries), ``violence``, ``scary``,
``inappropriate`` (drugs, alcohol, gambling, swearing), ``hate``, ``body_shaming``,
``unkind`` and ``personal_data``.

The words and phrases live in ``config/safety/<language>.yaml`` (en, es, fr, de, ...), which
the content team edits and ``check_prompts`` validates. Every language's rules run on every
text, because a child may type Spanish into an English story; words that are harmless in
another language ("Gift" in German is poison, "sang" in French is blood) are checked only when
the text is declared in that language (``check_text(text, language="de")``).

Before matching, the text is folded (``normalise``): case, accents, look-alike letters,
invisible characters, leetspeak, separators inside words, spaced-out letters and repeated
letters. Benign senses ("killer whale", "a shark eating its lunch", "creepy crawlies", "fire
truck", "green shoots", a grandpa who died) are blanked out by the allow-lists first.

Fantasy rule: mild fairy-tale creatures are fine on their own; one is ``scary`` only when a
scary word stands within four words of it (strong words always, weak words unless the
creature is softened just before, a context word right after a negation never).

Personal data is never quoted in full in ``reasons`` (they end up in logs).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from ..types import SafetyResult, Usage
from . import lexicons as _lexicons
from .lexicons import CATEGORIES, LexiconError, languages, matchers, validate_lexicons
from .normalise import Folded, deobfuscated, fold_term, plain, remove_invisible, squeezed
from .personal_data import _place_patterns, personal_data_remove, personal_data_spans

__all__ = [
    "CATEGORIES",
    "Finding",
    "LexiconError",
    "avoid_topic_hits",
    "check_text",
    "find",
    "languages",
    "personal_data_remove",
    "personal_data_spans",
    "remove_invisible",
    "reset_lexicons",
    "validate_lexicons",
]

_REPORT_ORDER: tuple[str, ...] = (
    "violence",
    "scary",
    "sexual",
    "grooming",
    "dangerous",
    "inappropriate",
    "self_harm",
    "hate",
    "body_shaming",
    "unkind",
    "personal_data",
    "avoid_topic",
)
_MAX_QUOTE = 40
_MAX_REASONS = 25
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_WINDOW = 4


@dataclass(frozen=True)
class Finding:
    category: str
    start: int
    end: int
    reason: str  # human-readable, quoting the phrase (masked for personal data)


def _blank_allowed(view: Folded, m) -> Folded:
    allow = m.allow
    if not allow or m.allow_any is None or not m.allow_any.search(view.text):
        return view
    chars = list(view.text)
    for pattern in allow:
        for match in pattern.finditer(view.text):
            for i in range(match.start(), match.end()):
                if chars[i] != " ":
                    chars[i] = "\u2591"  # not a letter: no word can match across it
    return Folded("".join(chars), view.origin)


def _scary_creatures(text: str, words_of: dict[str, frozenset[str]]) -> Iterator[tuple[int, int]]:
    creatures = words_of.get("creatures", frozenset())
    if not creatures:
        return
    words = list(_WORD.finditer(text))
    strong, weak = words_of["strong"], words_of["weak"]
    softeners, negations = words_of["softeners"], words_of["negations"]
    for index, word in enumerate(words):
        if word.group() not in creatures:
            continue
        softened = any(words[j].group() in softeners for j in range(max(0, index - 3), index))
        low, high = max(0, index - _WINDOW), min(len(words), index + _WINDOW + 1)
        for j in range(low, high):
            if j == index:
                continue
            candidate = words[j].group()
            if not (candidate in strong or (candidate in weak and not softened)):
                continue
            if j > 0 and words[j - 1].group() in negations:
                continue
            first, last = (word, words[j]) if j > index else (words[j], word)
            yield first.start(), last.end()
            break


def find(text: str, language: str | None = None) -> list[Finding]:
    """Every rule match in ``text``, in report order; one stretch of text is reported once.

    ``language`` is the language the text is declared in (a story's or a request's); None
    checks every language's rules except the own-language-only words."""
    return list(_find(text, language))


@lru_cache(maxsize=8192)  # the offline storyteller checks the same sentences again and again
def _find(text: str, language: str | None) -> tuple[Finding, ...]:
    m = matchers(language)
    findings: list[Finding] = []
    taken: list[tuple[int, int]] = []

    def claim(start: int, end: int) -> bool:
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            return False
        taken.append((start, end))
        return True

    visible = remove_invisible(text)
    # Offsets below refer to ``visible``; map them back to ``text`` at the end.
    back = _offset_map(text, visible)
    base = plain(visible)
    folded = _blank_allowed(base, m)
    deob = _blank_allowed(deobfuscated(base), m)
    views = [(folded, m.plain)]
    if deob.text != base.text:  # nothing to undo: the plain view already said it all
        views.append((deob, m.deobfuscated))
    for keep in (1, 2):
        squeezed_view = squeezed(deob, keep)
        if squeezed_view is not None:
            views.append((squeezed_view, m.deobfuscated))
    spans: dict[str, list[tuple[int, int]]] = {}
    for view, pattern in views:
        if pattern is None:
            continue
        for match in pattern.finditer(view.text):
            spans.setdefault(match.lastgroup or "", []).append(view.span(*match.span()))
    spans.setdefault("scary", []).extend(
        folded.span(s, e) for s, e in _scary_creatures(folded.text, m.creatures)
    )
    for category in CATEGORIES:
        if category == "personal_data":
            for start, end, kind in personal_data_spans(visible):
                if claim(start, end):
                    reason = f'{category}: {kind} "{_mask(visible[start:end])}"'
                    findings.append(Finding(category, back(start), back(end), reason))
            continue
        for start, end in sorted(set(spans.get(category, ()))):
            if claim(start, end):
                reason = f'{category}: "{_quote(visible[start:end])}"'
                findings.append(Finding(category, back(start), back(end), reason))
    findings.sort(key=lambda f: (_REPORT_ORDER.index(f.category), f.start))
    return tuple(findings)


def _offset_map(text: str, visible: str):
    """Index in ``visible`` -> index in ``text``: ``remove_invisible`` only deletes characters
    (and folds CRLF to LF, which deletes the CR)."""
    if text == visible:
        return lambda index: index
    positions = [j for j, char in enumerate(text) if remove_invisible(char) or char == "\n"]
    positions = [j for j in positions if not (text[j] == "\r" and text[j + 1 : j + 2] == "\n")]
    positions.append(len(text))

    def back(index: int) -> int:
        return positions[min(index, len(positions) - 1)]

    return back


def reset_lexicons() -> None:
    """Forget the loaded rule files and every cached result (tests that edit the rules)."""
    _lexicons.reset_lexicons()
    _find.cache_clear()
    _place_patterns.cache_clear()


def avoid_topic_hits(text: str, topics: Iterable[str]) -> list[str]:
    """The avoided topics (as the parent wrote them) that ``text`` mentions, whole words after
    folding; a plural or possessive ending counts ("dog" matches "dogs", "dog's")."""
    folded = plain(remove_invisible(text)).text
    hits = []
    for topic in topics:
        term = fold_term(topic)
        if not term:
            continue
        words = r"\s+".join(re.escape(w) for w in term.split())
        if re.search(rf"(?<![^\W_]){words}(?:s|es|'s)?(?![^\W_])", folded):
            hits.append(topic)
    return hits


def check_text(
    text: str, language: str | None = None, *, avoid_topics: Iterable[str] = ()
) -> SafetyResult:
    """Check ``text`` against every rule; ``flagged`` when any category matched.

    ``language`` is the text's declared language (None: unknown). ``avoid_topics`` are the
    parent's topics to keep out of stories, reported as category ``avoid_topic``."""
    findings = find(text, language)
    reasons = [f.reason for f in findings]
    categories = [f.category for f in findings]
    for topic in avoid_topic_hits(text, avoid_topics):
        categories.append("avoid_topic")
        reasons.append(f'avoid_topic: "{_quote(topic)}"')
    return SafetyResult(
        flagged=bool(categories),
        categories=tuple(dict.fromkeys(categories)),
        reasons=tuple(dict.fromkeys(reasons))[:_MAX_REASONS],
        usage=Usage(requests=1),
    )


def _quote(phrase: str) -> str:
    phrase = " ".join(phrase.split())
    return phrase if len(phrase) <= _MAX_QUOTE else phrase[: _MAX_QUOTE - 1] + "…"


def _mask(value: str) -> str:
    value = " ".join(value.split())
    return value[:3] + "…"
