"""Word times from any source, mapped back onto the story's own words.

The read-along highlights the text that was written, so whatever the timing source heard
(native TTS marks, a transcription), the result has exactly one entry per word of the story.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .types import WordMark

_NORMALISE = re.compile(r"[^\w]+", re.UNICODE)


def story_words(text: str) -> list[str]:
    """The story's words as the read-along shows them: whitespace-separated tokens."""
    return text.split()


def _norm(word: str) -> str:
    return _NORMALISE.sub("", word.casefold())


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


def align_marks(words: Sequence[str], marks: Sequence[WordMark], duration: float) -> list[dict]:
    """One ``{"word","start","end"}`` per story word, times taken from ``marks``.

    When the marks are exactly the story's tokens (offline speech gives that), they are used
    as they are; otherwise times are spread proportionally.
    """
    if len(marks) == len(words) and all(
        _norm(m.word) == _norm(w) for m, w in zip(marks, words, strict=True)
    ):
        return [
            {"word": w, "start": round(m.start, 3), "end": round(m.end, 3)}
            for w, m in zip(words, marks, strict=True)
        ]
    return proportional_times(words, duration)
