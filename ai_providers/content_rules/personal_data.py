"""Personal data in free text: emails, web addresses, phone, card and id numbers, street
addresses, postcodes, and the names of schools and teachers (word lists per language in
``config/safety/<language>.yaml``, section ``personal_data``).

Matched on the text as typed (names need their capital letters), with invisible characters
removed first so "07700\u200b900123" is still a phone number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from .lexicons import matchers
from .normalise import remove_invisible

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# "anna at example dot com", "anna(at)example(dot)com"
_SPELLED_EMAIL = re.compile(
    r"\b[\w.+-]+\s*(?:\(at\)|\[at\]|\{at\}|\s+at\s+)\s*[\w-]+\s*(?:\(dot\)|\[dot\]|\s+dot\s+|\.)\s*"
    r"(?:com|org|net|edu|de|fr|es|uk|co\.uk|io)\b",
    re.IGNORECASE,
)
_TLDS = "com|org|net|edu|gov|io|co|uk|de|fr|it|es|nl|eu|info|biz|app|ly|me|tv|us|ca|au"
# A bare domain's ending is all lower or all upper case: "hi.It was fun" is a missing space.
_URL = re.compile(
    r"\b(?i:https?://|www\.)[^\s<>\"']+"
    rf"|\b[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:{_TLDS}|{_TLDS.upper()})\b(?:/[^\s<>\"']*)?"
)
_HANDLE = re.compile(
    r"(?i:\b(?:instagram|insta|tiktok|snapchat|snap|discord|roblox|twitter|whatsapp|telegram|"
    r"youtube|minecraft)\b\s*(?:name|handle|user(?:name)?|id|account|is|:|-)*\s*)@?[\w.]{3,30}"
    r"|(?<![\w@])@[A-Za-z0-9_]{3,30}\b"
)
_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
_NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().-]{5,}\d(?!\w)")
_PHONE_WORDS = re.compile(
    r"\b(?:phone|tel|telephone|mobile|cell|call|ring|text|number|whatsapp|telefono|movil|"
    r"numero|portable|telefon|handy|nummer)\b\W{0,3}(?:\w+\W+){0,2}$",
    re.IGNORECASE,
)
_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}\b")
_DIGIT = re.compile(r"\d")
_CAP = r"[A-ZÀ-ÖØ-Þ][\w'’.-]*"
# Capitalised words that start sentences rather than name a place.
_NOT_NAMES = (
    "The|A|An|At|In|On|To|My|Our|Your|His|Her|Their|This|That|Every|Each|After|Before|When|Then"
    "|And|But|So|Magic|Dragon|Monster|Fairy|Wizard|Pirate|Space|Animal|Dinosaur|Secret|Dream"
    "|La|El|Le|Les|Der|Die|Das|Mi|Ma|Mon|Meine|Una|Un|Une|Ein|Eine"
)


def _alternation(words: tuple[str, ...]) -> str:
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


@lru_cache(maxsize=4)
def _place_patterns(key: int) -> tuple[tuple[tuple[str, re.Pattern[str]], ...], re.Pattern[str]]:
    words = matchers(None).personal_data
    street = _alternation(words.get("street_words", ()))
    school = _alternation(words.get("school_words", ()))
    teacher = _alternation(words.get("teacher_words", ()))
    honorific = _alternation(words.get("honorifics", ()))
    live = _alternation(words.get("live_words", ()))
    lead = _alternation(words.get("school_lead_ins", ()))
    name = rf"(?!(?:{_NOT_NAMES})\b){_CAP}"
    patterns = [
        # "42 Baker Street", "12b Elm Road"
        (
            "street address",
            rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:{_CAP}\s+){{1,3}}(?i:{street})\b\.?",
        ),
        # "I live at 4 elm road", "we live on Maple Street", "vivo en la calle Mayor 3"
        (
            "street address",
            rf"(?i:\b(?:{live})\s+(?:at|on|in|en|a|au|in\s+der|am|an\s+der|dans\s+la)?\s*(?:la\s+|el\s+|the\s+)?"
            rf"(?:\d{{1,5}}\w?,?\s+)?)(?:(?i:{street})\s+(?:de\s+(?:la\s+|los\s+|las\s+)?|del\s+|d[eu']\s*|des\s+)?{_CAP}"
            rf"|(?:{_CAP}\s+){{1,3}}(?i:{street})\b|[A-ZÄÖÜ][\wäöüß-]*(?i:strasse|straße|weg|gasse|platz|allee))",
        ),
        ("street address", r"(?i:\baddress\s+is\s+\d{1,5}\s+[^\n.,]{3,40})"),
        # "Hauptstraße 5", "Goethestr. 12"
        (
            "street address",
            r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|platz|allee)\s+\d{1,4}[a-z]?\b",
        ),
        # "calle Mayor 12", "rue de la Paix", "avenida de América 3", "12 rue Victor Hugo"
        (
            "street address",
            r"(?i:\b(?:calle|c/|avenida|avda\.?|plaza|paseo|carrer|rue|boulevard|bd|chemin|allée|"
            r"allee|impasse|quai)\s+(?:de\s+(?:la\s+|los\s+|las\s+)?|del\s+|du\s+|des\s+|d')?)"
            rf"{_CAP}(?:\s+{_CAP})?(?:,?\s+\d{{1,4}})?",
        ),
        # "Sunnyside Primary School", "St Mary's School", "Oakwood Elementary"
        (
            "school name",
            rf"\b(?:{name}\s+){{1,4}}(?i:{school})\b",
        ),
        # "Colegio San José", "École Jules Ferry", "Grundschule am Park"
        (
            "school name",
            rf"\b(?i:escuela|colegio|instituto|ceip|ies|école|ecole|collège|lycée|lycee|grundschule|"
            rf"gymnasium|realschule|gesamtschule|kita)\s+(?:(?:am|an\s+der|de|del|la|el|los|les|du|des)\s+)?{_CAP}",
        ),
        # German compounds: "Lindenschule", "Goethe-Gymnasium"
        (
            "school name",
            r"\b[A-ZÄÖÜ][\wäöüß]*-?(?:[Ss]chule|[Gg]ymnasium)\b(?<!\bSchule)(?<!\bGymnasium)",
        ),
        # "I go to Hillside", "voy al colegio Cervantes"
        (
            "school name",
            rf"(?i:\b(?:{lead})\s+)(?:(?i:{school})\s+)?{name}(?:\s+{_CAP}){{0,3}}\s*(?=(?i:{school})|[,.!]|\s+(?i:and|with|where|y|et|und))",
        ),
        # "my teacher Mrs Jones", "mi maestra Ana", "ma maîtresse Mme Dupont": a possessive in
        # front, so a story's "a kind teacher called Pip" is not a real person's name.
        (
            "teacher name",
            rf"(?i:\b(?:my|our|his|her|their|mi|mis|nuestra|nuestro|su|ma|mon|notre|sa|son|meine|mein|unsere|unser|seine|ihre)\s+(?:{teacher})\b(?:\s+(?:is|called|named|es|se\s+llama|s'appelle|heißt|heisst|ist))?[\s,:]+"
            rf"(?:(?:{honorific})\.?\s+)?){name}",
        ),
        # "teacher Mrs Jones", "the teacher is Mr Patel"
        (
            "teacher name",
            rf"(?i:\b(?:{teacher})\b(?:\s+(?:is|was|called|named|es|se\s+llama|s'appelle|heißt|heisst|ist))?[\s,:]+(?:{honorific})\.?\s+){_CAP}",
        ),
        # "Mrs Jones, my teacher", "Mr Patel's class"
        (
            "teacher name",
            rf"\b(?i:{honorific})\.?\s+{_CAP}(?:'s|’s)?\s+(?i:class|classroom|lessons?|(?:is|was)\s+(?:my|our)\s+(?:{teacher}))\b",
        ),
    ]
    compiled = tuple((kind, re.compile(source)) for kind, source in patterns)
    # One pass that says whether any of them can match: most texts name no place at all.
    any_place = re.compile("|".join(f"(?:{source})" for _kind, source in patterns))
    return compiled, any_place


def _looks_like_phone(candidate: str, before: str) -> bool:
    if _DATE.match(candidate.strip()):
        return False
    groups = re.findall(r"\d+", candidate)
    digits = sum(len(group) for group in groups)
    if not 7 <= digits <= 15 or max(len(group) for group in groups) < 3:
        return False
    if candidate.startswith(("+", "00")) or _PHONE_WORDS.search(before):
        return True
    return len(groups) >= 3 or digits >= 10


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _without_accents(text: str) -> str:
    if text.isascii():
        return text
    out = []
    for char in text:
        base = unicodedata.normalize("NFKD", char)[:1] if ord(char) > 127 else char
        out.append(base if base and len(base) == 1 else char)
    return "".join(out)


def personal_data_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) for each piece of personal data in ``text`` (already free of
    invisible characters), most specific kinds first."""
    if "@" in text:
        for match in _EMAIL.finditer(text):
            yield match.start(), match.end(), "email address"
    for match in _SPELLED_EMAIL.finditer(text):
        yield match.start(), match.end(), "email address"
    if "." in text:
        for match in _URL.finditer(text):
            yield match.start(), match.end(), "web address"
    for match in _HANDLE.finditer(text):
        yield match.start(), match.end(), "social media name"
    bare = _without_accents(text)  # the word lists are accent-free; same length as text
    places, any_place = _place_patterns(0)
    for kind, pattern in places if any_place.search(bare) else ():
        for match in pattern.finditer(bare):
            yield match.start(), match.end(), kind
    if not _DIGIT.search(text):
        return
    for match in _UK_POSTCODE.finditer(text):
        yield match.start(), match.end(), "postcode"
    for match in _SSN.finditer(text):
        yield match.start(), match.end(), "social security number"
    for match in _NINO.finditer(text):
        yield match.start(), match.end(), "national insurance number"
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn_ok(digits):
            yield match.start(), match.end(), "card number"
    for match in _PHONE.finditer(text):
        candidate = match.group().rstrip(".-( ")
        if _looks_like_phone(candidate, text[max(0, match.start() - 30) : match.start()]):
            yield match.start(), match.start() + len(candidate), "phone number"


def personal_data_remove(text: str) -> tuple[str, tuple[str, ...]]:
    """``text`` with every piece of personal data cut out, and the kinds that were found.

    Invisible characters go first, so nothing hides a number; the removed stretch leaves no
    marker, only the words around it ("call me on 0770 900123 please" -> "call me on please").
    """
    text = remove_invisible(text)
    spans = sorted(personal_data_spans(text))
    if not spans:
        return text, ()
    kinds: list[str] = []
    pieces: list[str] = []
    cursor = 0
    for start, end, kind in spans:
        if end <= cursor:
            continue
        pieces.append(text[cursor : max(cursor, start)])
        cursor = max(cursor, end)
        kinds.append(kind)
    pieces.append(text[cursor:])
    cleaned = " ".join("".join(pieces).split())
    cleaned = re.sub(r"\s+([,.!?;:])", r"\1", cleaned)
    return cleaned, tuple(dict.fromkeys(kinds))
