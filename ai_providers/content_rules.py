"""Rule-based content safety for children's stories and for what parents type.

Categories (canonical order): ``violence``, ``scary``, ``inappropriate``, ``self_harm``,
``hate`` (hostility towards groups), ``unkind`` (insults such as "stupid" or "I hate you") and
``personal_data`` (emails, phone numbers, street addresses, URLs, card and social-security
numbers).

Matching is case-insensitive on word boundaries, so "skill", "Scunthorpe", "grapefruit",
"assistant", "class" or "butterfly" never match the short words hidden inside them. Inflections
are spelled out per term (kill/kills/killed/killing) rather than stemmed, which keeps every rule
readable and avoids surprising partial matches.

Fantasy rule: mild fairy-tale creatures (ghost, witch, dragon, monster, troll, goblin, ...)
are allowed on their own, because "a friendly ghost" or "a sleepy dragon" is ordinary
children's fiction. A creature is flagged as ``scary`` only when a scary context word stands
within four words of it: strong words ("attacks", "evil", "wicked", "haunting", "terrifying",
...) always count; weak words ("chased", "grabbed", "roared", "ate", ...) count unless the
creature is softened just before ("friendly", "gentle", "little", "baby", ...). A context word
directly preceded by a negation ("not scary", "never attacked") does not count.

Personal data is never quoted in full in ``reasons`` (they end up in logs); only its kind and
the first few characters are shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .types import SafetyResult, Usage

CATEGORIES: tuple[str, ...] = (
    "self_harm",
    "violence",
    "scary",
    "inappropriate",
    "hate",
    "unkind",
    "personal_data",
)
# The order findings are reported in; self-harm is matched first (see ``CATEGORIES``) so that
# "kill myself" is reported once, as self-harm, rather than also as violence.
_REPORT_ORDER: tuple[str, ...] = (
    "violence",
    "scary",
    "inappropriate",
    "self_harm",
    "hate",
    "unkind",
    "personal_data",
)

_MAX_QUOTE = 40
_MAX_REASONS = 25
_PEOPLE = r"(?:him|her|them|you|me|us|people|someone|somebody|everyone|everybody)"
_SELVES = r"(?:myself|yourself|himself|herself|themselves|ourselves)"

# Each entry is one regular-expression alternative; the whole list is wrapped in \b(?:...)\b.
_TERMS: dict[str, tuple[str, ...]] = {
    "self_harm": (
        r"suicid(?:e|es|al)",
        rf"kill(?:s|ed|ing)?\s+{_SELVES}",
        r"self[-\s]?harm(?:s|ed|ing)?",
        rf"(?:cut|cuts|cutting|hurt|hurts|hurting|harm|harming)\s+{_SELVES}",
        r"(?:want|wants|wanted|wanna)\s+to\s+die",
        r"end\s+(?:my|your|his|her|their)\s+(?:own\s+)?life",
        rf"starv(?:e|es|ed|ing)\s+{_SELVES}",
        r"overdos(?:e|es|ed|ing)",
    ),
    "violence": (
        r"kill(?:s|ed|ing|er|ers)?",
        r"murder(?:s|ed|ing|er|ers|ous)?",
        # Blood oranges and blood cells are fine; bloody, bloodshed and blood are not.
        r"blood(?:y|ied|shed|bath|thirsty)?\b(?!\s+(?:oranges?|cells?|vessels?))",
        r"bleed(?:s|ing)?|bled",
        r"guns?|gunfire|gunshots?|gunm[ae]n|shotguns?|rifles?|pistols?|revolvers?|firearms?",
        # Butter and palette knives are kitchen and art tools.
        r"(?<!butter )(?<!palette )(?<!bread )kni(?:fe|ves)",
        r"stab(?:s|bed|bing)?",
        r"weapons?",
        rf"(?:shoot|shoots|shooting|shot)\s+(?:{_PEOPLE}|dead|to\s+kill|at\s+{_PEOPLE})",
        r"(?:mass|school)\s+shootings?",
        r"(?:sword|knife|gun|fist)\s*-?\s*fight(?:s|ing)?",
        r"fight(?:s|ing)?\s+to\s+(?:the\s+)?death",
        rf"beat(?:s|ing)?\s+{_PEOPLE}\s+up|beat\s+up",
        r"strangl(?:e|es|ed|ing)",
        r"tortur(?:e|es|ed|ing)",
        r"massacre[sd]?|slaughter(?:s|ed|ing)?|behead(?:s|ed|ing)?",
        r"(?<!bath )bombs?|bomb(?:ed|ing)|explosives?|grenades?",
        r"rap(?:e|es|ed|ing|ist|ists)",
        r"corpses?|dead\s+bod(?:y|ies)",
        r"poison(?:ed|ing)",
        r"kidnap(?:s|ped|ping|per|pers)?|abduct(?:s|ed|ing|ion)?",
        r"assault(?:s|ed|ing)?",
    ),
    "scary": (
        r"nightmares?|nightmarish",
        r"haunt(?:s|ed|ing)?",
        r"demons?|demonic|(?<!tasmanian )devils?|satan(?:ic)?",
        r"zombies?|vampires?|werewol(?:f|ves)",
        r"horror|horrors|horrifying|horrified|terror|terrified|terrifying|petrified",
        r"scream(?:s|ed|ing)?\s+in\s+(?:terror|fear|horror|pain)",
        r"blood-?curdling|spine-?chilling|creepy|gruesome|gory|sinister|evil",
        # Bare "die"/"dies" needs an English lead-in: in German and Dutch they are articles.
        r"death|deaths|dead(?!\s+end)|died|dying",
        r"(?:to|will|would|could|might|may|can|can't|cannot|did|didn't|won't|gonna|must|shall"
        r"|i|you|he|she|it|we|they|not|never|going\s+to)\s+(?:die|dies)",
        r"lost\s+forever|trapped\s+forever|never\s+(?:came|come|comes)\s+(?:back|home)",
    ),
    "inappropriate": (
        r"sex|sexy|sexual(?:ly)?|porn\w*|nude|nudes|nudity|erotic\w*|genitals?",
        r"drugs?|cocaine|heroin|marijuana|cannabis|meth|opioids?",
        r"smok(?:e|es|ed|ing)\s+(?:weed|pot|joints?|cigarettes?)|cigarettes?|cigars?|tobacco",
        # A kite or a balloon "got high up" / "high enough": height, not drugs.
        r"vap(?:e|es|ing)|(?:got|get|gets|getting)\s+high(?!\s+(?:up|enough|above|over|into)\b)",
        r"alcohol\w*|beers?|wines?|vodka|whiske?y|rum|tequila|cocktails?|booze|hangover",
        # "Had drunk her milk" is grammar, not alcohol.
        r"(?<!had )(?<!has )(?<!have )drunk(?:en|ard)?",
        r"gambl(?:e|es|ed|ing|er|ers)|casinos?|slot\s+machines?|betting",
        # "Hell" only in English idiom: in German "hell" means bright.
        r"(?:the|to|from|like|as|in)\s+hell|hell\s+(?:no|yeah|of)",
        r"damn(?:ed|it)?|goddamn|crap(?:py)?|shit\w*|bullshit|fuck\w*",
        r"bitch(?:es|y)?|bastards?|ass|asses|asshole\w*|arsehole\w*|jackass|dumbass",
        r"piss(?:ed|ing)?|wtf|stfu",
    ),
    "hate": (
        r"(?:hate|hates|despise|despises)\s+(?:all\s+)?(?:those\s+)?"
        r"(?:people\s+like|foreigners|immigrants|refugees|them\s+all)",
        r"inferior\s+(?:race|races|people)|subhuman",
        r"go\s+back\s+to\s+(?:your\s+(?:own\s+)?country|where\s+you\s+came\s+from)",
        r"nazis?|white\s+power|ethnic\s+cleansing|kkk",
    ),
    "unkind": (
        r"stupid|idiots?|idiotic|dumb|morons?|moronic|losers?",
        r"shut\s+up",
        # The ugly duckling is a classic, kind story.
        r"ugly(?!\s+duckling)",
        r"(?:i|we)\s+hate\s+(?:you|him|her|them)|hate\s+you",
        r"nobody\s+(?:likes|loves|wants)\s+you",
        r"you(?:'re|\s+are)\s+(?:worthless|useless|pathetic|disgusting)",
        r"worthless|pathetic|fatso|crybaby",
    ),
}


def _compile(terms: tuple[str, ...]) -> re.Pattern[str]:
    # The leading lookahead lets the engine skip non-letters cheaply: about twice as fast.
    return re.compile(r"(?=[a-z])\b(?:" + "|".join(terms) + r")\b", re.IGNORECASE)


_PATTERNS: dict[str, re.Pattern[str]] = {cat: _compile(terms) for cat, terms in _TERMS.items()}

# --- fantasy creatures in scary context -----------------------------------------------------


def _wordset(*chunks: str) -> frozenset[str]:
    return frozenset(" ".join(chunks).split())


# Word sets rather than regexes: one set lookup per word keeps 1000-word texts fast.
_CREATURES = _wordset(
    "ghost ghosts ghostly witch witches dragon dragons monster monsters troll trolls ogre ogres",
    "goblin goblins skeleton skeletons wolf wolves beast beasts shark sharks spider spiders",
)
# Cheap substring test that skips the word scan for the many texts without any creature.
_CREATURE_STEMS = ("ghost", "witch", "dragon", "monster", "troll", "ogre", "goblin", "skeleton")
_CREATURE_STEMS += ("wol", "beast", "shark", "spider")
_STRONG_CONTEXT = _wordset(
    "attack attacks attacked attacking devour devours devoured devouring evil wicked scary",
    "scarier scariest frightening terrifying menacing sinister creepy haunt haunts haunted",
    "haunting cruel vicious",
)
_WEAK_CONTEXT = _wordset(
    "chase chases chased chasing grab grabs grabbed grabbing bite bites biting bit bitten eat",
    "eats eating eaten ate hunt hunts hunted hunting growl growls growled growling snarl snarls",
    "snarled snarling roar roars roared roaring trap traps trapped trapping scream screams",
    "screamed screaming cackle cackles cackled cackling angry fierce",
)
_SOFTENERS = _wordset(
    "friendly gentle kind kindly little baby tiny playful silly sleepy cuddly shy cute giggling",
    "smiling happy helpful",
)
_NEGATIONS = _wordset("not never no wasn't isn't aren't weren't didn't don't doesn't")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_WINDOW = 4

# --- personal data ---------------------------------------------------------------------------

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_TLDS = "com|org|net|edu|gov|io|co|uk|de|fr|it|es|nl|eu|info|biz|app|ly|me|tv|us|ca|au"
# A bare domain's ending is all lower or all upper case: "hi.It was fun" and "together.Me" are
# a missing space after a full stop, not web addresses.
_URL = re.compile(
    r"\b(?i:https?://|www\.)[^\s<>\"']+"
    rf"|\b[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:{_TLDS}|{_TLDS.upper()})\b(?:/[^\s<>\"']*)?"
)
_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
# UK National Insurance numbers: two letters, six digits, one letter.
_NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().-]{5,}\d(?!\w)")
_PHONE_WORDS = re.compile(
    r"\b(?:phone|tel|telephone|mobile|cell|call|ring|text|number|whatsapp)\b\W{0,3}(?:\w+\W+){0,2}$",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
_STREET_WORDS = (
    r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|close"
    r"|crescent|terrace|square|sq|highway|hwy|parkway|row|gardens|grove"
)
_STREET = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:[A-Z][\w'-]*\.?\s+){{1,3}}(?i:{_STREET_WORDS})\b\.?"
    rf"|(?i:\b(?:live|lives|living|stay|stays)\s+at\s+\d{{1,5}}\s+(?:[a-z'-]+\s+){{1,3}}"
    rf"(?:{_STREET_WORDS}))\b"
    r"|(?i:\baddress\s+is\s+\d{1,5}\s+[^\n.,]{3,40})"
    r"|\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|platz)\s+\d{1,4}[a-z]?\b"
)


@dataclass(frozen=True)
class Finding:
    category: str
    start: int
    end: int
    reason: str  # human-readable, quoting the phrase (masked for personal data)


def find(text: str) -> list[Finding]:
    """Every rule match in ``text``, in report order; one stretch of text is reported once."""
    findings: list[Finding] = []
    taken: list[tuple[int, int]] = []

    def claim(start: int, end: int) -> bool:
        # The first (most specific) rule wins a stretch of text.
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            return False
        taken.append((start, end))
        return True

    for category in CATEGORIES:
        if category == "personal_data":
            for start, end, kind in _personal_data(text):
                if claim(start, end):
                    reason = f'{category}: {kind} "{_mask(text[start:end])}"'
                    findings.append(Finding(category, start, end, reason))
            continue
        spans = [(m.start(), m.end()) for m in _PATTERNS[category].finditer(text)]
        if category == "scary":
            spans.extend(_scary_creatures(text))
        for start, end in spans:
            if claim(start, end):
                reason = f'{category}: "{_quote(text[start:end])}"'
                findings.append(Finding(category, start, end, reason))

    findings.sort(key=lambda f: (_REPORT_ORDER.index(f.category), f.start))
    return findings


def check_text(text: str) -> SafetyResult:
    """Check ``text`` against every rule; ``flagged`` when any category matched."""
    findings = find(text)
    return SafetyResult(
        flagged=bool(findings),
        categories=tuple(dict.fromkeys(f.category for f in findings)),
        reasons=tuple(dict.fromkeys(f.reason for f in findings))[:_MAX_REASONS],
        usage=Usage(requests=1),
    )


def _quote(phrase: str) -> str:
    phrase = " ".join(phrase.split())
    return phrase if len(phrase) <= _MAX_QUOTE else phrase[: _MAX_QUOTE - 1] + "…"


def _mask(value: str) -> str:
    value = " ".join(value.split())
    return value[:3] + "…"


def _scary_creatures(text: str) -> Iterator[tuple[int, int]]:
    """Spans from a fantasy creature to a scary context word within ``_WINDOW`` words."""
    lowered = text.lower()
    if not any(stem in lowered for stem in _CREATURE_STEMS):
        return
    words = list(_WORD.finditer(lowered))
    for index, word in enumerate(words):
        if word.group() not in _CREATURES:
            continue
        softened = any(words[j].group() in _SOFTENERS for j in range(max(0, index - 3), index))
        low, high = max(0, index - _WINDOW), min(len(words), index + _WINDOW + 1)
        for j in range(low, high):
            if j == index:
                continue
            candidate = words[j].group()
            strong = candidate in _STRONG_CONTEXT
            weak = candidate in _WEAK_CONTEXT
            if not (strong or (weak and not softened)):
                continue
            if j > 0 and words[j - 1].group() in _NEGATIONS:
                continue
            first, last = (word, words[j]) if j > index else (words[j], word)
            yield first.start(), last.end()
            break


def _personal_data(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) for each piece of personal data, most specific kinds first."""
    if "@" in text:
        for match in _EMAIL.finditer(text):
            yield match.start(), match.end(), "email address"
    if "." in text:
        for match in _URL.finditer(text):
            yield match.start(), match.end(), "web address"
    if not _DIGIT.search(text):
        return  # every remaining kind contains digits
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
    for match in _STREET.finditer(text):
        yield match.start(), match.end(), "street address"


def _looks_like_phone(candidate: str, before: str) -> bool:
    """Telephone numbers, but not dates, ranges like "600-1000" or counting like "1 2 3 4"."""
    if _DATE.match(candidate.strip()):
        return False
    groups = re.findall(r"\d+", candidate)
    digits = sum(len(group) for group in groups)
    if not 7 <= digits <= 15 or max(len(group) for group in groups) < 3:
        return False
    if candidate.startswith(("+", "00")) or _PHONE_WORDS.search(before):
        return True
    # Without a country prefix or a "phone" word, ask for phone-like grouping: "(555) 123-4567",
    # "555.123.4567", or a long national number such as "07700 900123".
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
