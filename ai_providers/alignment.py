"""Word times from any source, mapped back onto the story's own words.

The read-along highlights the text that was written, so whatever the timing source heard
(native TTS marks, Whisper's words, Azure's words, pocketsphinx), the result has exactly one
``{"word", "start", "end"}`` per whitespace token of the story, in order, never going back in
time.

How: both sides become *spoken units* (lower case, punctuation gone, numbers read out:
"3" → "three", "1st" → "first", "well-known" → "well", "known"). Exact matches anchor the two
sequences (difflib's longest matching blocks); between anchors a small dynamic-programming
alignment pairs up mis-heard words by spelling similarity. Each story token takes the span of
its matched units; tokens nobody heard are interpolated between their neighbours in proportion
to their length, and as the last resort everything is spread proportionally.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .types import WordMark

_NORMALISE = re.compile(r"[^\w]+", re.UNICODE)
# Hyphens and dashes of every kind (U+2010-U+2014) join words that are read separately.
_UNIT_SPLIT = re.compile("[\\s\\-\u2010-\u2014/]+")
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$")
_DECIMAL = re.compile(r"^(\d+)\.(\d+)$")

_ONES = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_STRIP = ".,;:!?\"'()[]{}*_\u2018\u2019\u201c\u201d\u2026"
_ORDINAL_WORDS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
# Similar enough to be the same word mis-heard ("Mia" / "mea", "pebbles" / "pebble").
SIMILARITY_THRESHOLD = 0.6


def story_words(text: str) -> list[str]:
    """The story's words as the read-along shows them: whitespace-separated tokens."""
    return text.split()


def _norm(word: str) -> str:
    return _NORMALISE.sub("", word.casefold())


def number_words(number: int) -> list[str]:
    """0 ≤ number < 10**12 read out in English words ("105" → one hundred five)."""
    if number < 20:
        return [_ONES[number]]
    if number < 100:
        tens, ones = divmod(number, 10)
        return [_TENS[tens]] + ([_ONES[ones]] if ones else [])
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return [_ONES[hundreds], "hundred"] + (number_words(rest) if rest else [])
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if number >= size:
            high, rest = divmod(number, size)
            return number_words(high) + [name] + (number_words(rest) if rest else [])
    raise AssertionError("unreachable")


def _ordinal(words: list[str]) -> list[str]:
    last = words[-1]
    if last in _ORDINAL_WORDS:
        last = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return [*words[:-1], last]


def spoken_units(token: str) -> list[str]:
    """How a token is heard, as normalised words ("3," → ["three"], "—" → [])."""
    units: list[str] = []
    for part in _UNIT_SPLIT.split(token.casefold()):
        part = part.strip(_STRIP)
        digits = part.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", part) else part
        if digits.isdigit() and len(digits) < 13:
            units.extend(number_words(int(digits)))
            continue
        ordinal = _ORDINAL.match(part)
        if ordinal and len(ordinal.group(1)) < 13:
            units.extend(_ordinal(number_words(int(ordinal.group(1)))))
            continue
        decimal = _DECIMAL.match(part)
        if decimal and len(decimal.group(1)) < 13:
            units.extend([*number_words(int(decimal.group(1))), "point"])
            units.extend(_ONES[int(d)] for d in decimal.group(2))
            continue
        normalised = _norm(part)
        if normalised:
            units.append(normalised)
    return units


def proportional_times(words: Sequence[str], duration: float, *, start: float = 0.0) -> list[dict]:
    """Spread ``words`` over ``duration`` in proportion to their length (the last resort)."""
    weights = [max(1, len(_norm(w))) + 1 for w in words]
    total = sum(weights) or 1
    scale = max(0.0, duration - start) / total
    result, cursor = [], start
    for word, weight in zip(words, weights, strict=True):
        end = cursor + weight * scale
        result.append({"word": word, "start": round(cursor, 3), "end": round(end, 3)})
        cursor = end
    return result


@dataclass
class _Unit:
    text: str
    owner: int  # index of the story token, or of the mark
    start: float = 0.0
    end: float = 0.0


def _mark_units(marks: Sequence[WordMark]) -> list[_Unit]:
    """Heard words as units; a mark heard as several units ("3" → "three") shares its span."""
    units = []
    for index, mark in enumerate(marks):
        parts = spoken_units(mark.word)
        if not parts:
            continue
        span = max(0.0, mark.end - mark.start)
        weights = [len(p) for p in parts]
        total = sum(weights)
        cursor = mark.start
        for part, weight in zip(parts, weights, strict=True):
            end = cursor + span * weight / total
            units.append(_Unit(part, index, cursor, end))
            cursor = end
    return units


def _similar(a: str, b: str) -> float:
    if a == b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _align_gap(story: list[_Unit], heard: list[_Unit]) -> list[tuple[int, int]]:
    """Pair up units between two anchors: Needleman-Wunsch on spelling similarity. Pairs
    below the similarity threshold are not matched (their story words get interpolated)."""
    n, m = len(story), len(heard)
    if not n or not m:
        return []
    if n * m > 250_000:
        return []  # a huge unanchored stretch: interpolation beats a guess
    gap = -0.4
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    move = [[0] * (m + 1) for _ in range(n + 1)]  # 0 diagonal, 1 up (skip story), 2 left
    for i in range(1, n + 1):
        score[i][0], move[i][0] = gap * i, 1
    for j in range(1, m + 1):
        score[0][j], move[0][j] = gap * j, 2
    for i in range(1, n + 1):
        a = story[i - 1].text
        for j in range(1, m + 1):
            sim = _similar(a, heard[j - 1].text)
            diagonal = score[i - 1][j - 1] + (sim * 2 - 1)
            up = score[i - 1][j] + gap
            left = score[i][j - 1] + gap
            best = max(diagonal, up, left)
            score[i][j] = best
            move[i][j] = 0 if best == diagonal else (1 if best == up else 2)
    pairs = []
    i, j = n, m
    while i > 0 and j > 0:
        step = move[i][j]
        if step == 0:
            if _similar(story[i - 1].text, heard[j - 1].text) >= SIMILARITY_THRESHOLD:
                pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif step == 1:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def _matches(story: list[_Unit], heard: list[_Unit]) -> list[tuple[int, int]]:
    matcher = difflib.SequenceMatcher(
        None, [u.text for u in story], [u.text for u in heard], autojunk=False
    )
    pairs: list[tuple[int, int]] = []
    si = hi = 0
    for block in matcher.get_matching_blocks():
        gap_pairs = _align_gap(story[si : block.a], heard[hi : block.b])
        pairs.extend((si + a, hi + b) for a, b in gap_pairs)
        pairs.extend((block.a + k, block.b + k) for k in range(block.size))
        si, hi = block.a + block.size, block.b + block.size
    return pairs


def align_marks(words: Sequence[str], marks: Sequence[WordMark], duration: float) -> list[dict]:
    """One ``{"word","start","end"}`` per story word, times taken from ``marks``."""
    words = list(words)
    if not words:
        return []
    if len(marks) == len(words) and all(
        m.word == w and m.end >= m.start for m, w in zip(marks, words, strict=True)
    ):
        # The source timed the story's own tokens (offline speech, SSML marks): use as is,
        # only made monotonic.
        result, last = [], 0.0
        for word, mark in zip(words, marks, strict=True):
            start = max(mark.start, last)
            end = max(mark.end, start)
            result.append({"word": word, "start": round(start, 3), "end": round(end, 3)})
            last = end
        return result
    duration = max(0.0, duration, max((m.end for m in marks), default=0.0))
    story: list[_Unit] = []
    for index, word in enumerate(words):
        story.extend(_Unit(part, index) for part in spoken_units(word))
    heard = _mark_units([m for m in marks if m.end >= m.start])
    spans: list[list[float] | None] = [None] * len(words)
    for s, h in _matches(story, heard):
        owner = story[s].owner
        unit = heard[h]
        if spans[owner] is None:
            spans[owner] = [unit.start, unit.end]
        else:
            spans[owner][0] = min(spans[owner][0], unit.start)
            spans[owner][1] = max(spans[owner][1], unit.end)
    if not any(spans):
        return proportional_times(words, duration)

    # Keep the matched spans in order: a match that jumps back in time is dropped rather than
    # trusted (a repeated word matched to the wrong occurrence).
    last_end = 0.0
    for index, span in enumerate(spans):
        if span is None:
            continue
        if span[0] < last_end - 0.05:
            spans[index] = None
            continue
        span[0] = max(span[0], last_end)
        span[1] = max(span[1], span[0])
        last_end = span[1]

    result: list[dict] = []
    index = 0
    while index < len(words):
        if spans[index] is not None:
            start, end = spans[index]
            result.append({"word": words[index], "start": round(start, 3), "end": round(end, 3)})
            index += 1
            continue
        # A run of unheard words: share the time between the neighbours by length.
        run_end = index
        while run_end < len(words) and spans[run_end] is None:
            run_end += 1
        begin = spans[index - 1][1] if index > 0 else 0.0
        finish = spans[run_end][0] if run_end < len(words) else duration
        if index > 0 and run_end == len(words) and finish <= begin:
            finish = begin
        for item in proportional_times(words[index:run_end], finish, start=begin):
            result.append(item)
        index = run_end
    return result
