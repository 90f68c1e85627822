"""Text folding for the content rules: what a red team does to hide a word, undone.

Three views of a text are matched, each keeping, for every character, the index of the original
character it came from (so findings point at the text as typed):

``plain``
    Unicode compatibility forms folded (full-width, mathematical letters), lower case, accents
    stripped (ß becomes ss), look-alike letters from other scripts mapped to Latin (Cyrillic
    "а", Greek "ο"), zero-width, bidi and other invisible characters dropped.
``deobfuscated``
    ``plain`` plus leetspeak inside words ("k1ll", "$ex", "@ss"), separators inside words
    removed ("k.i.l.l", "s-e-x", "f_u_c_k") and spaced-out letters joined ("k i l l").
``squeezed``
    ``deobfuscated`` with runs of three or more of one letter cut to one and to two letters
    ("kiiiill" -> "kill", "sexxx" -> "sex", "killlll" -> "kill"); no word in the supported
    languages has such runs, so nothing benign is squeezed into a bad word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Characters that render as nothing (or only change direction) and so hide words.
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160"
    "\u17b4\u17b5\u180b-\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f"
    "\ufeff\uffa0\U000e0000-\U000e007f]"
)
# Letters of other scripts that look like Latin ones (the usual homoglyph substitutions).
_HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
        "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ӏ": "l", "ь": "b",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "u", "ν": "v",
        "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "s", "γ": "y",
        # Latin look-alikes and symbols
        "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ƒ": "f", "ʀ": "r",
        "ɑ": "a", "ɩ": "i", "ɪ": "i", "ʏ": "y", "ᴀ": "a", "ᴇ": "e", "ᴏ": "o", "æ": "ae",
        "œ": "oe", "þ": "th",
        # Typographic apostrophes: "Grandma’s pills" matches the rules' "grandma's"
        "’": "'", "‘": "'", "ʼ": "'", "′": "'",
    }
)  # fmt: skip
# Leetspeak, applied only next to letters: "k1ll" and "$ex", never "1 2 3" or "50 ducks".
_LEET = {
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "|": "l", "€": "e", "£": "l", "¡": "i", "!": "i", "+": "t",
}  # fmt: skip
_INNER_ONLY = frozenset("!+|")  # these end sentences or join words: only between letters
_SEPARATORS = frozenset(".-_*~'`\"^·•‧/\\,:;")


@dataclass(frozen=True)
class Folded:
    """A folded text and, per character, the index of the original character."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's span for ``text[start:end]``."""
        if start >= len(self.origin):
            return len(self.origin), len(self.origin)
        return self.origin[start], self.origin[max(start, end - 1)] + 1


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if _INVISIBLE.match(char):
        return ""
    folded = unicodedata.normalize("NFKD", char.translate(_HOMOGLYPHS))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return folded.casefold().translate(_HOMOGLYPHS)


def fold_term(term: str) -> str:
    """A lexicon term or allow-list phrase folded like ``plain`` (no index map)."""
    return " ".join("".join(_fold_char(c) for c in term).split())


def plain(text: str) -> Folded:
    if text.isascii() and not _INVISIBLE.search(text):
        return Folded(re.sub(r"\s", " ", text.lower()), tuple(range(len(text))))
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        if folded.isspace():
            folded = " "
        for piece in folded:
            chars.append(piece)
            origin.append(index)
    return Folded("".join(chars), tuple(origin))


_LEET_CHARS = re.compile("[" + re.escape("".join(_LEET)) + "]")
_INNER_SEPARATORS = re.compile(
    # An apostrophe before a contraction ("Mia's", "don't") is grammar, not a disguise.
    r"(?<=[^\W\d_])(?!['’](?:s|t|re|ll|ve|d|m)\b)["
    + re.escape("".join(sorted(_SEPARATORS)))
    + r"]{1,3}(?=[^\W\d_])"
)
_SPACED_LETTERS = re.compile(r"(?<!\S)(?:[^\W\d_] +){2,}[^\W\d_](?!\S)")
_ORDINAL = re.compile(r"\d+(st|nd|rd|th|s|am|pm|kg|km|cm|m|g)")


def _drop(view: Folded, spans: list[tuple[int, int]]) -> Folded:
    """``view`` without the characters in ``spans`` (sorted, not overlapping)."""
    if not spans:
        return view
    chars: list[str] = []
    origin: list[int] = []
    last = 0
    for start, end in spans:
        chars.append(view.text[last:start])
        origin.extend(view.origin[last:start])
        last = end
    chars.append(view.text[last:])
    origin.extend(view.origin[last:])
    return Folded("".join(chars), tuple(origin))


def _leet_ok(chars: str, i: int) -> bool:
    char = chars[i]
    n = len(chars)
    if char in _INNER_ONLY:
        return 0 < i < n - 1 and chars[i - 1].isalpha() and chars[i + 1].isalpha()
    before = i > 0 and (chars[i - 1].isalpha() or chars[i - 1] in _LEET)
    after = i + 1 < n and (chars[i + 1].isalpha() or chars[i + 1] in _LEET)
    if not (before or after):
        return False
    if not char.isdigit():
        return True
    # "50 ducks" or "3rd": digits count only in a token with at least as many letters.
    start = chars.rfind(" ", 0, i) + 1
    end = chars.find(" ", i)
    token = chars[start : end if end != -1 else n]
    letters = sum(1 for c in token if c.isalpha())
    digits = sum(1 for c in token if c.isdigit())
    return letters >= 2 and letters >= digits and not _ORDINAL.fullmatch(token)


def deobfuscated(view: Folded) -> Folded:
    text = view.text
    # 1. Leetspeak next to letters (same length: the index map is unchanged).
    hits = [m.start() for m in _LEET_CHARS.finditer(text)]
    if hits:
        chars = list(text)
        for i in hits:
            if _leet_ok(text, i):
                chars[i] = _LEET[text[i]]
        view = Folded("".join(chars), view.origin)
    # 2. Separators between two letters vanish: "k.i.l.l", "s-e-x", "f_u_c_k".
    view = _drop(view, [m.span() for m in _INNER_SEPARATORS.finditer(view.text)])
    # 3. Three or more single letters in a row join up: "k i l l", "s  e  x".
    spaces: list[tuple[int, int]] = []
    for match in _SPACED_LETTERS.finditer(view.text):
        for k in range(match.start(), match.end()):
            if view.text[k] == " ":
                spaces.append((k, k + 1))
    return _drop(view, spaces)


_RUN = re.compile(r"([^\W\d_])\1{2,}")


def squeezed(view: Folded, keep: int) -> Folded | None:
    """Runs of three or more of one letter cut to ``keep`` letters ("kiiiill" -> "kill" with
    1, "killlll" -> "kill" with 2); None when the text has no such run."""
    runs = list(_RUN.finditer(view.text))
    if not runs:
        return None
    chars: list[str] = []
    origin: list[int] = []
    last = 0
    for run in runs:
        chars.append(view.text[last : run.start() + keep])
        origin.extend(view.origin[last : run.start() + keep])
        last = run.end()
    chars.append(view.text[last:])
    origin.extend(view.origin[last:])
    return Folded("".join(chars), tuple(origin))


def remove_invisible(text: str) -> str:
    """Text with control, bidi and zero-width characters removed (not replaced)."""
    kept = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\t", " "))
    return kept
