"""Offline storyteller: personalised children's stories from the content files, with no model
and no key.

A story is planned first (setting, companion, gentle problem, episodes, all picked by the
seed), then rendered paragraph by paragraph from the content of the story's language
(``content/stories/<language>/``, loaded by ``story_content``). Every sentence slot is either
required or optional; optional slots and whole episodes are added until the word count sits
near the middle of the length band. The result is then checked: the child is named in the
first and last paragraph, no sentence touches a topic to avoid, and
``content_rules.check_text`` does not flag it. A plan that fails is re-planned from a derived
seed, so the output is deterministic for a given context.

Free text a family typed (the idea, a transcript, special requests, interests) is never
quoted: it is mapped onto the subjects, settings and characters the content knows, and what
cannot be mapped is dropped. Only the child's (already normalised) name is inserted. The
engine assumes no grammar: articles, possessives, lists and the like come from the language's
``language.yaml``.
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mira.vocabulary import (
    AGE_GROUPS,
    DEFAULT_LANGUAGE,
    LENGTH_BANDS,
    OFFLINE_LANGUAGES,
    STORY_LENGTHS,
    age_group,
)

from ...content_rules import check_text
from ...types import StoryContext
from .story_content import (
    Companion,
    Grammar,
    Library,
    Line,
    Para,
    Problem,
    Setting,
    Subject,
    Topic,
    TypeBank,
    has_content,
    library,
)

__all__ = ["LENGTH_BANDS", "tell_story"]

_MAX_ATTEMPTS = 8
_MAX_INTERESTS = 3
_BORROW = 0.3  # how often a 7-9 year old's slot with one wording borrows the young one


def _wordset(*chunks: str) -> frozenset[str]:
    return frozenset(" ".join(chunks).split())


_IDEA_PREFIX = re.compile(r"^\s*the child'?s idea\s*:\s*", re.IGNORECASE)
_NEED_BAND = re.compile(r"need (\d+)\s*-\s*(\d+)")
# A sentence ends at . ! ? (maybe closing a quote) before a capital or an opening quote, in
# any script that has capitals.
_SENTENCE_END = re.compile(
    r'(?<=[.!?])\s+(?=["«„“¡¿]|[A-ZÀ-ÖØ-Þ])|(?<=[.!?]["»“”])\s+(?=["«„“¡¿A-ZÀ-ÖØ-Þ])'
)


def tell_story(context: StoryContext, *, feedback: tuple[str, ...] = ()) -> tuple[str, str]:
    """Write ``(title, text)`` for ``context``; paragraphs are separated by one blank line.

    ``feedback`` lists what was wrong with a previous attempt (quality checks, safety
    reasons): it varies the seed, and a length complaint such as "need 150-300" moves the
    band to the one the checker wants.
    """
    low, high = _band(context.story_length, feedback)
    lib = library(_language(context))
    base_seed = context.seed or f"{context.kid_name}|{context.story_type}|{context.kid_age}"
    if feedback:
        # A retry must not repeat the rejected story, so it gets a seed of its own.
        base_seed += "|retry|" + "|".join(feedback)
    story: _Story | None = None
    for attempt in range(_MAX_ATTEMPTS):
        seed = base_seed if attempt == 0 else f"{base_seed}#{attempt}"
        # Later attempts leave out free text typed by parents, the usual cause of a failure.
        story = _compose(
            context, lib, _rng(seed), (low, high), strict=attempt >= _MAX_ATTEMPTS // 2
        )
        if story.ok:
            break
    assert story is not None
    return story.title, story.text


# --- inputs ------------------------------------------------------------------------------------


def _language(context: StoryContext) -> str:
    """The story's language when the content has it, else the default language."""
    code = (getattr(context, "language", "") or DEFAULT_LANGUAGE).lower()
    return code if code in OFFLINE_LANGUAGES and has_content(code) else DEFAULT_LANGUAGE


def _rng(seed: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))


def _band(length: str, feedback: Iterable[str]) -> tuple[int, int]:
    band = LENGTH_BANDS.get(length, LENGTH_BANDS[STORY_LENGTHS[0]])
    for item in feedback:
        match = _NEED_BAND.search(item)
        if match and item.startswith("length"):
            low, high = int(match.group(1)), int(match.group(2))
            if 0 < low <= high:
                band = (low, high)
    return band


# The banks' wording registers, youngest first, one per age group of the vocabulary.
_REGISTERS = ("tiny", "young", "older", "rich")


def _register(age: int) -> str:
    return dict(zip(AGE_GROUPS, _REGISTERS, strict=True))[age_group(age)]


def _clean(value: str, *, limit: int = 60) -> str:
    """Plain, short, single-line text from a parent's input; empty when unusable."""
    text = " ".join(str(value).replace("\n", " ").split())
    text = text.strip(" .,;:!?-\"'")
    text = re.sub(r"[{}<>\[\]\\|@#$%^*=_~`]", "", text)
    if not text or len(text) > limit or re.search(r"\d", text):
        return ""
    return text


def _forms(word: str, g: Grammar) -> set[str]:
    forms = {word}
    for ending, becomes in g.word_forms:
        if word.endswith(ending) and len(word) > len(ending) + 1:
            forms.add(word[: len(word) - len(ending)] + becomes)
    return forms


def _avoid_words(topics: Iterable[str], lib: Library) -> frozenset[str]:
    """Every word to leave out: the parent's words in all their forms and, for each topic of
    the content that a word names or belongs to, all of that topic's words."""
    g = lib.grammar
    words: set[str] = set()
    for topic in topics:
        lowered = " ".join(re.findall(r"[^\W\d_]+(?:['-][^\W\d_]+)*", topic.lower()))
        if lowered in lib.topic_words:
            words.update(lib.topic_words[lowered])
        for word in lowered.split():
            if word in g.stopwords or len(word) < 2:
                continue
            forms = _forms(word, g)
            words.update(forms)
            for name, topic_words in lib.topic_words.items():
                if forms & topic_words or forms & set(name.split()):
                    words.update(topic_words)
    return frozenset(words)


def _avoided_topics(avoid_words: frozenset[str], lib: Library) -> frozenset[str]:
    return frozenset(t for t, ws in lib.topic_words.items() if ws <= avoid_words)


class _Avoid:
    """Whole-word matcher for the topics a parent asked to leave out; ``topics`` are the
    content's topics that are avoided, so tagged content can be dropped without reading it."""

    def __init__(self, words: frozenset[str], topics: frozenset[str] = frozenset()):
        self.words = words
        self.topics = topics
        self._pattern = (
            re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(words))) + r")\b", re.IGNORECASE)
            if words
            else None
        )

    def hits(self, text: str) -> bool:
        return bool(self._pattern and self._pattern.search(text))

    def tagged(self, tags: frozenset[str]) -> bool:
        return bool(self.topics & tags)


def _safe(text: str, avoid: _Avoid) -> bool:
    return bool(text) and not avoid.hits(text) and not check_text(text).flagged


def _article(phrase: str, g: Grammar) -> str:
    for before, article in g.indefinite:
        if re.search(before, phrase):
            return article + phrase
    return phrase


def _join(items: list[str], g: Grammar) -> str:
    if len(items) <= 1:
        return "".join(items)
    return g.list_separator.join(items[:-1]) + g.list_last + items[-1]


def _possessive(name: str, g: Grammar) -> str:
    for after, suffix in g.possessive:
        if re.search(after, name):
            return name + suffix
    return name


def _idea_text(description: str) -> str:
    """The typed idea (or transcript) the pipeline passes as "The child's idea: ..."."""
    match = _IDEA_PREFIX.match(description or "")
    return description[match.end() :] if match else ""


def _subjects_for(text: str, lib: Library, avoid: _Avoid, limit: int = 2) -> list[Subject]:
    """The content's subjects ``text`` mentions, in the order it mentions them (at most
    ``limit``); empty when it names none we know. Nothing of ``text`` itself is kept."""
    lowered = (text or "").lower()
    found: list[tuple[int, int, Subject]] = []
    for order, subject in enumerate(lib.subjects):
        positions = [
            m.start()
            for word in subject.match
            if (m := re.search(rf"\b{re.escape(word)}", lowered)) is not None
        ]
        if not positions or avoid.tagged(subject.avoid):
            continue
        if avoid.hits(" ".join((subject.label, subject.element, *subject.acts))):
            continue
        found.append((min(positions), order, subject))
    return [subject for _, _, subject in sorted(found, key=lambda f: f[:2])][:limit]


def _subject_for(text: str, lib: Library, avoid: _Avoid) -> Subject | None:
    subjects = _subjects_for(text, lib, avoid, limit=1)
    return subjects[0] if subjects else None


# --- the plan ----------------------------------------------------------------------------------


@dataclass
class _Plan:
    """Everything chosen for one story before any sentence is written."""

    register: str
    bank: TypeBank
    setting: Setting
    companion: Companion
    problem: Problem
    topic: Topic | None
    values: dict[str, str]
    flags: set[str] = field(default_factory=set)
    interests: list[Subject] = field(default_factory=list)
    lib: Library | None = None


_FORMATTER = string.Formatter()


@functools.lru_cache(maxsize=4096)
def _placeholders(template: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in _FORMATTER.parse(template) if name)


def _render(template: str, values: Mapping[str, str]) -> str | None:
    """``template`` filled in, or None when one of its placeholders has no value."""
    for name in _placeholders(template):
        if not values.get(name):
            return None
    return _capitalise(template.format_map(values))


# Not after a closing quote: in '"Hello!" said Pip' the sentence goes on.
_SENTENCE_START = re.compile(r'(^|[.!?¡¿]\s+)(["«„¡¿]?\s?)([^\W\d_])')


def _capitalise(text: str) -> str:
    """Capitalise the start of every sentence (values may begin one: "a fox called Pip")."""
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2) + m.group(3).upper(), text)


def _title_case(text: str, g: Grammar) -> str:
    if not g.title_case:
        return text[:1].upper() + text[1:]
    _SMALL_WORDS = g.title_small_words
    words = text.split()
    return " ".join(
        w if (i and w in _SMALL_WORDS) else w[:1].upper() + w[1:] for i, w in enumerate(words)
    )


def _pick_weighted(rng: random.Random, items: list[Any], weights: list[float]) -> Any:
    return rng.choices(items, weights=weights, k=1)[0]


def _element_words(elements: Mapping[str, Any], key: str) -> list[str]:
    raw = elements.get(key) or ()
    if isinstance(raw, str):
        raw = [raw]
    return [str(item).lower() for item in raw if isinstance(item, str | int | float)]


def _matches(match: Iterable[str], texts: Iterable[str]) -> bool:
    joined = " | ".join(texts)
    return any(re.search(rf"\b{re.escape(word)}", joined) for word in match)


def _plan(
    context: StoryContext, lib: Library, rng: random.Random, avoid: _Avoid, strict: bool
) -> _Plan:
    """Choose setting, companion, problem (and topic) and fill the placeholder values."""
    g = lib.grammar
    register = _register(context.kid_age)
    bank = lib.bank(context.story_type)
    elements = context.story_elements or {}
    name = _clean(context.kid_name, limit=40) or g.default_name
    if name.islower():
        # "mia" is capitalised where it starts a sentence, so spell it "Mia" throughout.
        name = name[0].upper() + name[1:]

    colours = [c for c in (_clean(c, limit=30).lower() for c in context.colour_names) if c]
    colours = [c for c in dict.fromkeys(colours) if _safe(c, avoid)][:4]
    subjects = [s for s in (_clean(s, limit=40) for s in context.subjects) if s]
    subjects = [s for s in dict.fromkeys(subjects) if _safe(s, avoid)][:4]
    interests = _interests(context.kid_interests, lib, rng, avoid)
    # The typed idea and special requests are read only for what the content knows.
    idea_text = _clean(_idea_text(context.image_description), limit=300).lower()
    request_text = _clean(context.special_requests, limit=300).lower()
    hints = " ".join([*subjects, idea_text]).lower()

    wanted_settings = [*_element_words(elements, "settings"), idea_text, request_text]
    setting = _choose_setting(bank, wanted_settings, hints, rng, avoid)
    topic = None
    if bank.topics:
        hints += " " + " ".join([*(i.label.lower() for i in interests)])
        hints += " " + " ".join(_element_words(elements, "themes"))
        topic = _choose_topic(bank, setting, context.educational_focus, hints, rng, avoid)
    wanted_characters = [*_element_words(elements, "characters"), idea_text, request_text]
    companion = _choose_companion(bank, lib, setting, name, wanted_characters, rng, avoid)
    problem = _choose_problem(bank, lib, setting, topic, register, rng, avoid)

    flags: set[str] = set(setting.tags)
    values = _values(name, setting, companion, problem, rng, g)
    values.update(_drawing_values(colours, subjects, rng, flags, g))
    if interests:
        values["interest"] = interests[0].label
        values["interests"] = _join([i.label for i in interests], g)
        flags.add("interests")
        flags.add("interest_el")
    ideas = [] if strict else _subjects_for(idea_text, lib, avoid)
    ideas = [i for i in ideas if _safe(i.element, avoid)]
    if ideas:
        values["idea"] = _join([i.element for i in ideas], g)
        flags.add("idea")
    request = None if strict else _subject_for(request_text, lib, avoid)
    if request is not None and _safe(request.element, avoid):
        values["req"] = request.element
        values["req_be"] = g.request_be[1] if request.plural else g.request_be[0]
        flags.add("request")
    if not (flags & {"drawing", "idea"}):
        flags.add("plain")
    cameos = [
        c
        for c in _element_words(elements, "characters")
        if not strict
        and not _matches(companion.match, [c])
        and len(c.split()) <= 5
        and _safe(c, avoid)
        and re.match(g.leading_article, c)
    ]
    if cameos:
        values["cameo"] = rng.choice(cameos)
    themes = _element_words(elements, "themes")
    theme_morals = [m for t, m in bank.theme_morals if _matches((t,), themes) and not avoid.hits(m)]
    morals = theme_morals or [m for m in bank.morals if not avoid.hits(m)] or list(bank.morals)
    values["moral"] = rng.choice(morals)
    if topic is not None:
        values["topic"] = topic.label
        values["topic_title"] = _title_case(topic.label, g)
        values["fact"] = topic.fact
        values["fact_cap"] = topic.fact[0].upper() + topic.fact[1:]
        values["question"] = topic.question
    return _Plan(
        register=register,
        bank=bank,
        setting=setting,
        companion=companion,
        problem=problem,
        topic=topic,
        values=values,
        flags=flags,
        interests=interests,
        lib=lib,
    )


def _interests(
    raw: Iterable[str], lib: Library, rng: random.Random, avoid: _Avoid
) -> list[Subject]:
    """The child's interests mapped onto the content's subjects; the rest is dropped, and the
    seed picks the lead one."""
    interests: list[Subject] = []
    for item in raw:
        known = _subject_for(_clean(item, limit=40), lib, avoid)
        if known is None or known in interests:
            continue
        interests.append(known)
        if len(interests) == _MAX_INTERESTS:
            break
    if len(interests) > 1:
        first = rng.randrange(len(interests))
        interests = [interests[first], *interests[:first], *interests[first + 1 :]]
    return interests


def _choose_setting(
    bank: TypeBank, wanted: list[str], drawn: str, rng: random.Random, avoid: _Avoid
) -> Setting:
    """Settings named by the story elements first; then those that match the drawing."""
    settings = [
        s
        for s in bank.settings
        if not avoid.tagged(s.avoid) and not avoid.hits(" ".join((s.place, *s.details, s.shy)))
    ] or list(bank.settings)
    preferred = [s for s in settings if _matches(s.match, wanted)]
    settings = preferred or settings
    weights = [1.0 + 2.0 * _matches(s.drawn, [drawn]) for s in settings]
    return _pick_weighted(rng, settings, weights)


def _choose_topic(
    bank: TypeBank, setting: Setting, focus: str, hints: str, rng: random.Random, avoid: _Avoid
) -> Topic:
    """The parent's educational focus first; otherwise a topic the drawing or setting suggests."""
    topics = [
        t
        for t in bank.topics
        if not avoid.tagged(t.avoid) and not avoid.hits(" ".join((t.label, *t.avoid_words)))
    ]
    topics = topics or list(bank.topics)
    focus = (focus or "").lower()
    focused = [t for t in topics if focus and _matches(t.match, [focus])]
    if focused:
        return rng.choice(focused)
    weights = [
        (1.0 + 2.0 * _matches(t.match, [hints])) * (1.0 + (t.key in setting.topics)) for t in topics
    ]
    return _pick_weighted(rng, topics, weights)


def _choose_companion(
    bank: TypeBank,
    lib: Library,
    setting: Setting,
    name: str,
    wanted: list[str],
    rng: random.Random,
    avoid: _Avoid,
) -> Companion:
    def fits(companion: Companion) -> bool:
        if companion.ref.lower() == name.lower():
            return False  # two Rosas in one story would confuse everyone
        if setting.companions and companion.key not in setting.companions:
            return False
        if companion.needs and not set(setting.tags) & set(companion.needs):
            return False
        if avoid.tagged(companion.avoid):
            return False
        return not avoid.hits(" ".join((companion.intro, companion.kind, *companion.acts)))

    companions = [c for c in bank.companions if fits(c)]
    companions = companions or [c for c in lib.fallback_companions if fits(c)]
    companions = companions or [lib.fallback_companions[-1]]
    weights = [1.0 + 1.5 * _matches(c.match, wanted) for c in companions]
    return _pick_weighted(rng, companions, weights)


def _choose_problem(
    bank: TypeBank,
    lib: Library,
    setting: Setting,
    topic: Topic | None,
    register: str,
    rng: random.Random,
    avoid: _Avoid,
) -> Problem:
    def fits(problem: Problem) -> bool:
        if setting.problems and problem.key not in setting.problems:
            return False
        if problem.needs and not set(setting.tags) & set(problem.needs):
            return False
        if avoid.tagged(problem.avoid):
            return False
        lines = (*problem.setup, *problem.solve)
        raw = " ".join(w for line in lines if line.req for w in line.for_register(register))
        return not avoid.hits(raw)

    if topic is not None and fits(topic.problem):
        return topic.problem
    problems = [p for p in bank.problems if fits(p)]
    problems = problems or [p for p in lib.fallback_problems if fits(p)]
    return rng.choice(problems or list(lib.fallback_problems))


def _values(
    name: str,
    setting: Setting,
    companion: Companion,
    problem: Problem,
    rng: random.Random,
    g: Grammar,
) -> dict[str, str]:
    details = list(setting.details)
    rng.shuffle(details)
    acts = list(companion.acts)
    rng.shuffle(acts)
    return {
        "name": name,
        "name_s": _possessive(name, g),
        "comp": companion.ref,
        "comp_s": _possessive(companion.ref, g),
        "comp_intro": companion.intro,
        "cpos": companion.pos,
        # Three different actions, so the companion does not repeat itself.
        "comp_act": acts[0],
        "comp_act2": acts[1 % len(acts)],
        "comp_act3": acts[2 % len(acts)],
        "comp_says": rng.choice(companion.says),
        "place": setting.place,
        "place_title": setting.title,
        "place_bare": setting.bare or re.sub(g.definite_article, "", setting.place),
        "detail": details[0],
        "detail2": details[1 % len(details)],
        "detail3": details[2 % len(details)],
        "shy": setting.shy,
        "problem_title": problem.title,
    }


def _drawing_values(
    colours: list[str], subjects: list[str], rng: random.Random, flags: set[str], g: Grammar
) -> dict[str, str]:
    """Placeholders for what the child drew; ``flags`` learns which of them exist."""
    values: dict[str, str] = {}
    if colours:
        values["colour"] = colours[0]
        values["colour2"] = colours[1] if len(colours) > 1 else ""
        values["a_colour"] = _article(colours[0], g)
        values["colours"] = _join(colours[:3], g)
        flags.add("colours")
    if subjects:
        values["subject"] = subjects[0]
        values["subject2"] = subjects[1] if len(subjects) > 1 else ""
        values["subject_bare"] = re.sub(g.leading_article, "", subjects[0], flags=re.I)
        values["subjects"] = _join(subjects[:3], g)
        flags.add("subjects")
    if not (colours or subjects):
        flags.add("nodrawing")
        return values
    flags.add("drawing")
    if subjects and colours:
        both = {"subjects": _join(subjects[:2], g), "colours": _join(colours[:2], g)}
        values["drawing"] = rng.choice(g.drawing_both).format_map(both)
    elif subjects:
        values["drawing"] = g.drawing_subjects.format_map({"subjects": _join(subjects[:3], g)})
    else:
        values["drawing"] = g.drawing_colours.format_map({"colours": _join(colours[:3], g)})
    return values


# --- rendering ---------------------------------------------------------------------------------


@dataclass
class _Sentence:
    """One slot's text in the forms the fitter may choose from, shortest first."""

    forms: list[str]
    required: bool
    index: int = 0  # the form in use
    on: bool = False
    hard_only: frozenset[int] = frozenset()  # forms used only to stay inside the band

    @property
    def text(self) -> str:
        return self.forms[self.index]

    @property
    def words(self) -> int:
        return len(self.forms[self.index].split())

    def words_at(self, index: int) -> int:
        return len(self.forms[index].split())


@dataclass
class _Block:
    """One planned paragraph; episodes are optional as a whole."""

    key: str
    sentences: list[_Sentence]
    episode: bool = False
    priority: bool = False
    on: bool = True


# Each register may borrow wordings from its neighbours when a story would otherwise fall
# outside its band: toddlers get young wordings split into short sentences, older children
# get the plainer young wordings when a short story must stay short.
_NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "tiny": ("tiny", "young"),
    "young": ("young", "older", "tiny"),
    "older": ("older", "young", "tiny"),
    "rich": ("rich", "older", "young", "tiny"),
}
# Placeholders that carry what the child drew or likes: a wording using more of them wins.
_DATA_PLACEHOLDERS = _wordset(
    "drawing colour colour2 a_colour colours subject subject2 subjects subject_bare interest",
    "interests interest_el idea req",
)


def _split_tiny(text: str, g: Grammar) -> str:
    """Short sentences for the youngest listeners: split at the language's joiners."""
    parts = [text]
    for joiner, lead in g.toddler_splits:
        out: list[str] = []
        for part in parts:
            pieces = part.split(joiner)
            current = pieces[0]
            for piece in pieces[1:]:
                # Never split inside dialogue, and keep both halves real sentences.
                if current.count('"') % 2 or len(current.split()) < 3 or len(piece.split()) < 3:
                    current = current + joiner + piece
                    continue
                out.append(current.rstrip(",") + ".")
                current = lead + piece if lead else _capitalise(piece)
            out.append(current)
        parts = out
    return " ".join(parts)


def _line_text(
    line: Line,
    register: str,
    values: Mapping[str, str],
    rng: random.Random,
    avoid: _Avoid,
) -> str | None:
    wordings = list(line.for_register(register))
    rng.shuffle(wordings)
    if register == "older" and len(wordings) == 1 and rng.random() < _BORROW:
        # A slot with a single rich wording would make two stories with the same plan read
        # alike; now and then the plainer wording is told instead.
        wordings[:0] = [w for w in line.young if w not in wordings][:1]
    wordings.sort(key=lambda w: -len(_placeholders(w) & _DATA_PLACEHOLDERS))
    for wording in wordings:
        text = _render(wording, values)
        if text and not avoid.hits(text):
            return text
    return None


def _sentence(
    line: Line, plan: _Plan, rng: random.Random, avoid: _Avoid, values: Mapping[str, str]
) -> _Sentence | None:
    texts: list[str] = []
    last_resort: set[str] = set()
    for register in _NEIGHBOURS[plan.register]:
        text = _line_text(line, register, values, rng, avoid)
        if text is None:
            if not texts:
                return None  # the slot is empty at this age: never borrow it from another
            continue
        if plan.register == "tiny":
            text = _split_tiny(text, plan.lib.grammar)
        if text not in texts:
            texts.append(text)
            if register == "tiny" and plan.register != "tiny":
                last_resort.add(text)  # toddler wordings for older children: only to fit
    main = texts[0]
    forms = sorted(texts, key=lambda t: len(t.split()))
    hard_only = frozenset(i for i, t in enumerate(forms) if t in last_resort)
    return _Sentence(forms, line.req, index=forms.index(main), hard_only=hard_only)


def _block(
    key: str,
    lines: Iterable[Line],
    plan: _Plan,
    rng: random.Random,
    avoid: _Avoid,
    *,
    extra: Mapping[str, str] | None = None,
    episode: bool = False,
    priority: bool = False,
) -> _Block | None:
    values = {**plan.values, **extra} if extra else plan.values
    sentences: list[_Sentence] = []
    for line in lines:
        sentence = _sentence(line, plan, rng, avoid, values)
        if sentence is None:
            if line.req and episode:
                return None  # an episode without its core sentence makes no sense
            continue
        sentences.append(sentence)
    if not any(s.required for s in sentences):
        return None
    return _Block(key, sentences, episode=episode, priority=priority, on=not episode)


def _para_ok(para: Para, plan: _Plan, avoid: _Avoid | None = None) -> bool:
    if avoid is not None and avoid.tagged(para.topics):
        return False
    if para.needs and not set(para.needs) & plan.flags:
        return False
    if para.when and not set(para.when) <= plan.flags:
        return False
    return not para.mood or para.mood == plan.bank.mood


def _choose_para(name: str, plan: _Plan, rng: random.Random) -> Para | None:
    options = [p for p in plan.bank.sections.get(name, ()) if _para_ok(p, plan)]
    if not options:
        return None
    # Paragraphs written for this exact situation (a drawing, an idea) beat general ones.
    best = max(len(p.when) for p in options)
    return rng.choice([p for p in options if len(p.when) == best])


def _source_lines(source: str, plan: _Plan, rng: random.Random) -> tuple[Line, ...]:
    obj, _, attr = source.partition(".")
    if attr:
        target = {
            "setting": plan.setting,
            "problem": plan.problem,
            "topic": plan.topic,
            "companion": plan.companion,
        }[obj]
        return tuple(getattr(target, attr, ())) if target is not None else ()
    para = _choose_para(source, plan, rng)
    return para.lines if para else ()


@dataclass(frozen=True)
class _Pending:
    """An episode chosen for the story but not written yet."""

    para: Para
    extra: dict[str, str]
    priority: bool


def _pending_episodes(plan: _Plan, rng: random.Random, avoid: _Avoid) -> list[_Pending]:
    """Every episode that fits the plan, in the seed's order, priority ones first."""
    pool = [*plan.bank.episodes, *plan.lib.shared_episodes]
    if plan.topic is not None:
        pool.extend(plan.topic.episodes)
    rng.shuffle(pool)
    pending: list[_Pending] = []
    for para in pool:
        if not _para_ok(para, plan, avoid):
            continue
        if para.per != "interest":
            pending.append(_Pending(para, {}, para.priority))
            continue
        for index, interest in enumerate(plan.interests[:2]):
            if bool(interest.element) != ("interest_el" in para.when):
                continue
            extra = {
                "interest": interest.label,
                "interest_el": interest.element,
                "interest_act": "",
            }
            if interest.acts:
                extra["interest_act"] = rng.choice(interest.acts)
            # Only the lead interest must be told; the second one is a welcome extra.
            pending.append(_Pending(para, extra, para.priority and index == 0))
    pending.sort(key=lambda p: not p.priority)
    return pending


def _episodes(
    plan: _Plan, rng: random.Random, avoid: _Avoid, words_wanted: int
) -> tuple[list[_Block], list[_Block]]:
    """Write episodes until there is enough material for ``words_wanted`` more words.

    Writing only what the band can use keeps short stories fast; the fitter picks from them.
    """
    mid: list[_Block] = []
    late: list[_Block] = []
    for item in _pending_episodes(plan, rng, avoid):
        if words_wanted <= 0 and not item.priority:
            break
        block = _block(
            item.para.key,
            item.para.lines,
            plan,
            rng,
            avoid,
            extra=item.extra,
            episode=True,
            priority=item.priority,
        )
        if block is None:
            continue
        (late if item.para.slot == "late" else mid).append(block)
        words_wanted -= sum(s.words for s in block.sentences)
    return mid, late


@dataclass
class _Story:
    title: str
    text: str
    ok: bool


def _compose(
    context: StoryContext,
    lib: Library,
    rng: random.Random,
    band: tuple[int, int],
    *,
    strict: bool,
) -> _Story:
    words = _avoid_words(context.avoid_topics, lib) - _name_words(context.kid_name)
    avoid = _Avoid(words, _avoided_topics(words, lib))
    plan = _plan(context, lib, rng, avoid, strict)
    layout: list[_Block | str] = []
    for entry in plan.bank.shape:
        if entry in ("mid", "late"):
            layout.append(entry)
            continue
        lines: list[Line] = []
        for source in entry:
            lines.extend(_source_lines(source, plan, rng))
        block = _block("+".join(entry), lines, plan, rng, avoid)
        if block is not None:
            layout.append(block)
    core = [b for b in layout if isinstance(b, _Block)]
    core_words = sum(s.words for b in core for s in b.sentences)
    # Material for the top of the band plus a margin, so the fitter still has choices.
    mid, late = _episodes(plan, rng, avoid, band[1] + 150 - core_words)
    _fit([*core[:1], *mid, *core[1:], *late], band)
    # A long story keeps its arc: two thirds of the middle episodes move after the problem
    # is solved, so the problem comes early enough to carry the story.
    mid_on = [b for b in mid if b.on]
    keep = max(2, -(-len(mid_on) // 3))
    moved = [b for b in mid_on[keep:] if not b.priority]
    mid_on = [b for b in mid_on if b not in moved]
    late_on = [*moved, *(b for b in late if b.on)]
    blocks: list[_Block] = []
    for item in layout:
        if item == "mid":
            blocks.extend(mid_on)
        elif item == "late":
            blocks.extend(late_on)
        elif isinstance(item, _Block):
            blocks.append(item)
    paragraphs = _paragraphs(blocks)
    text = "\n\n".join(" ".join(p) for p in paragraphs)
    title = _title(plan, rng, avoid)
    return _Story(title, text, _acceptable(text, title, plan.values["name"], band, avoid))


def _name_words(name: str) -> frozenset[str]:
    return frozenset(w.lower() for w in re.findall(r"[^\W\d_]+", name))


def _fit(blocks: list[_Block], band: tuple[int, int]) -> None:
    """Choose sentences, episodes and wordings so the story sits near the band's middle."""
    low, high = band
    target = (low + high) // 2
    slack = max(10, (high - low) // 12)
    for block in blocks:
        for sentence in block.sentences:
            sentence.on = sentence.required
        if block.priority:
            block.on = True

    def total() -> int:
        return sum(s.words for b in blocks if b.on for s in b.sentences if s.on)

    count = total()
    # Older children's required text may run past the middle of a short band; it keeps its
    # richer wordings up to near the top of the band before plainer ones are swapped in.
    roomy = max(target + slack, high - 2 * slack)
    if count > roomy:
        count = _shrink(blocks, count, roomy)
    # Enrich the core story first, then add episodes in the seed's order.
    candidates: list[tuple[_Block, _Sentence | None]] = [
        (b, s) for b in blocks if b.on for s in b.sentences if not s.required
    ]
    for block in blocks:
        if not block.on:
            candidates.append((block, None))
            candidates.extend((block, s) for s in block.sentences if not s.required)

    def add(cap: int, floor: int) -> int:
        nonlocal count
        for block, sentence in candidates:
            if count >= floor:
                break
            if sentence is None:
                if block.on:
                    continue
                words = sum(s.words for s in block.sentences if s.required)
            else:
                if sentence.on or not block.on:
                    continue
                words = sentence.words
            if count + words > cap:
                continue
            if sentence is None:
                block.on = True
            else:
                sentence.on = True
            count += words
        return count

    add(target + slack, target - slack)
    if count < target - slack:
        count = _grow(blocks, count, target + slack, target - slack)
    if count < low:
        add(high, low)
    if count < low:
        count = _grow(blocks, count, high, low)
    if count > high:
        count = _shrink(blocks, count, high, hard=True)
        # Still too long: leave out episodes, last first; the opening still names interests.
        for block in reversed(blocks):
            if count <= high:
                break
            if block.on and block.episode:
                block.on = False
                count = total()


def _grow(blocks: list[_Block], count: int, cap: int, floor: int) -> int:
    """Swap in longer wordings until ``count`` reaches ``floor`` without passing ``cap``."""
    for sentence in (s for b in blocks if b.on for s in b.sentences if s.on):
        if count >= floor:
            break
        for index in range(len(sentence.forms) - 1, sentence.index, -1):
            delta = sentence.words_at(index) - sentence.words
            if count + delta <= cap:
                sentence.index = index
                count += delta
                break
    return count


def _shrink(blocks: list[_Block], count: int, cap: int, *, hard: bool = False) -> int:
    """Swap in shorter wordings one step at a time, biggest savings first, down to ``cap``.

    Toddler wordings are used for older children only when ``hard`` (the band's limit).
    """
    while count > cap:
        sentences = [
            s
            for b in blocks
            if b.on
            for s in b.sentences
            if s.on and s.index > 0 and (hard or s.index - 1 not in s.hard_only)
        ]
        if not sentences:
            break
        sentence = max(sentences, key=lambda s: s.words - s.words_at(s.index - 1))
        count -= sentence.words - sentence.words_at(sentence.index - 1)
        sentence.index -= 1
    return count


def _paragraphs(blocks: list[_Block]) -> list[list[str]]:
    """Sentences grouped into paragraphs of 2-6 sentences, splitting or merging as needed."""
    groups: list[list[str]] = []
    for block in blocks:
        if not block.on:
            continue
        sentences: list[str] = []
        for sentence in block.sentences:
            if sentence.on:
                sentences.extend(s for s in _SENTENCE_END.split(sentence.text) if s)
        if sentences:
            groups.append(sentences)
    out: list[list[str]] = []
    for group in groups:
        if len(group) > 6:
            parts = -(-len(group) // 6)
            size, rest = divmod(len(group), parts)
            start = 0
            for index in range(parts):
                end = start + size + (index < rest)
                out.append(group[start:end])
                start = end
        else:
            out.append(group)
    # Merge one-sentence paragraphs into a neighbour (the following one for the first).
    index = 0
    while index < len(out):
        if len(out[index]) >= 2 or len(out) == 1:
            index += 1
            continue
        if index > 0 and len(out[index - 1]) < 6:
            out[index - 1].extend(out.pop(index))
        elif index + 1 < len(out) and len(out[index + 1]) < 6:
            lone = out.pop(index)
            out[index][:0] = lone  # the following paragraph has moved up to ``index``
        elif index > 0:
            out[index].insert(0, out[index - 1].pop())
            index += 1
        else:
            out[index].append(out[index + 1].pop(0))
            index += 1
    return out


def _title(plan: _Plan, rng: random.Random, avoid: _Avoid) -> str:
    templates = list(plan.bank.titles)
    rng.shuffle(templates)
    fallback = plan.lib.grammar.fallback_titles
    for template in [*templates, *fallback]:
        title = _render(template, plan.values)
        if title and not avoid.hits(title) and not check_text(title).flagged:
            return title
    return _render(fallback[-1], plan.values) or plan.values["name"]


def _acceptable(text: str, title: str, name: str, band: tuple[int, int], avoid: _Avoid) -> bool:
    paragraphs = text.split("\n\n")
    if not band[0] <= len(text.split()) <= band[1]:
        return False
    name_re = re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE)
    if not (name_re.search(paragraphs[0]) and name_re.search(paragraphs[-1])):
        return False
    if avoid.hits(text) or avoid.hits(title):
        return False
    return not check_text(text).flagged
