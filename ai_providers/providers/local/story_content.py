"""The offline storyteller's content: YAML files under ``content/stories/<language>/``, loaded
and checked here, turned into the frozen records the engine (``storyteller.py``) reads.

One file per story type (``adventure.yaml`` ...), plus ``language.yaml`` (the language's
grammar, its topic words for ``avoid_topics`` and the subjects a child's idea can be mapped
onto) and ``shared.yaml`` (episodes, companions and problems every story type may use). The
format is described for writers in ``content/stories/README.md``. Every problem is reported as
``<file>:<line>: <path>: <message>``; ``manage.py check_story_content`` lists them all.
"""

from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mira.vocabulary import OFFLINE_LANGUAGES, STORY_TYPES

CONTENT_DIR = Path(__file__).resolve().parents[3] / "content" / "stories"
REGISTERS = ("tiny", "young", "older", "rich")  # one per age group, youngest first
MOODS = ("lively", "calm")
SLOTS = ("mid", "late")
# Flags a paragraph's ``when`` may require (set by the engine from the request).
FLAGS = frozenset(
    {"drawing", "nodrawing", "colours", "subjects", "idea", "interests", "interest_el",
     "interest_plain", "request", "plain"}
)  # fmt: skip
# Placeholders a wording may use (README.md lists what each one holds).
PLACEHOLDERS = frozenset(
    [
        "name",
        "name_s",
        "comp",
        "comp_s",
        "comp_intro",
        "cpos",
        "comp_act",
        "comp_act2",
        "comp_act3",
        "comp_says",
        "place",
        "place_title",
        "place_bare",
        "detail",
        "detail2",
        "detail3",
        "shy",
        "colour",
        "colour2",
        "a_colour",
        "colours",
        "subject",
        "subject2",
        "subjects",
        "subject_bare",
        "drawing",
        "interest",
        "interests",
        "interest_el",
        "interest_act",
        "idea",
        "req",
        "req_be",
        "topic",
        "topic_title",
        "question",
        "fact",
        "fact_cap",
        "moral",
        "cameo",
        "problem_title",
    ]
)
_FORMATTER = string.Formatter()


class ContentError(ValueError):
    """Content files are wrong; ``problems`` holds one ``file:line: path: message`` each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


# --- records the engine reads -------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One sentence slot: interchangeable wordings per age register."""

    young: tuple[str, ...]
    older: tuple[str, ...]
    tiny: tuple[str, ...] | None = None  # None: use the young wordings; (): leave out
    rich: tuple[str, ...] | None = None  # None: use the older wordings; (): leave out
    req: bool = False

    def for_register(self, register: str) -> tuple[str, ...]:
        """The wordings for ``tiny`` | ``young`` | ``older`` | ``rich``, with fallbacks."""
        if register == "tiny":
            return self.young if self.tiny is None else self.tiny
        if register == "young":
            return self.young
        if register == "older":
            return self.older
        return self.older if self.rich is None else self.rich

    def all_wordings(self) -> tuple[str, ...]:
        return (*self.young, *self.older, *(self.tiny or ()), *(self.rich or ()))


@dataclass(frozen=True)
class Para:
    """A paragraph of slots, usable when its conditions hold."""

    lines: tuple[Line, ...]
    key: str = ""
    when: tuple[str, ...] = ()  # flags that must all be set: drawing, idea, interests, ...
    needs: tuple[str, ...] = ()  # setting tags, any of which will do
    mood: str = ""  # "" any | lively | calm
    slot: str = "mid"  # episodes: mid (before the problem) or late (after it)
    per: str = ""  # "interest": one copy per interest
    priority: bool = False  # episodes that must be told (the child's interest, a request)
    topics: frozenset[str] = frozenset()  # avoid-topics it touches (tagged and found)


@dataclass(frozen=True)
class Setting:
    key: str
    place: str
    title: str
    desc: tuple[Line, ...]
    details: tuple[str, ...]
    tags: tuple[str, ...] = ()
    match: tuple[str, ...] = ()
    drawn: tuple[str, ...] = ()
    shy: str = ""
    companions: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()  # educational topics that fit here
    meet: tuple[Line, ...] = ()
    bare: str = ""
    avoid: frozenset[str] = frozenset()  # avoid-topics it touches


@dataclass(frozen=True)
class Companion:
    key: str
    intro: str
    ref: str
    pos: str
    kind: str
    acts: tuple[str, ...]
    says: tuple[str, ...] = ()
    match: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    avoid: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Problem:
    key: str
    title: str
    setup: tuple[Line, ...]
    solve: tuple[Line, ...]
    needs: tuple[str, ...] = ()
    avoid: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Topic:
    """One small, true thing an educational story teaches."""

    key: str
    label: str
    match: tuple[str, ...]
    question: str
    fact: str
    facts: tuple[Line, ...]
    problem: Problem
    episodes: tuple[Para, ...] = ()
    avoid_words: tuple[str, ...] = ()
    avoid: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Subject:
    """A thing the storyteller knows; a child's interest, idea or request is mapped onto one."""

    label: str  # "dinosaurs"
    match: tuple[str, ...]  # words that mean it
    element: str  # "a friendly little dinosaur"
    acts: tuple[str, ...]
    plural: bool = False  # the element is plural ("were" rather than "was")
    avoid: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TypeBank:
    titles: tuple[str, ...]
    shape: tuple[str | tuple[str, ...], ...]
    sections: dict[str, tuple[Para, ...]]
    settings: tuple[Setting, ...]
    companions: tuple[Companion, ...]
    problems: tuple[Problem, ...]
    episodes: tuple[Para, ...]
    morals: tuple[str, ...]
    theme_morals: tuple[tuple[str, str], ...] = ()
    mood: str = "lively"
    topics: tuple[Topic, ...] = ()


@dataclass(frozen=True)
class Grammar:
    """What the engine must not assume about a language; all of it from ``language.yaml``."""

    default_name: str
    list_separator: str
    list_last: str
    possessive: tuple[tuple[str, str], ...]  # (regex on the name's end, suffix), first match
    indefinite: tuple[tuple[str, str], ...]  # (regex on the phrase's start, article + space)
    leading_article: str  # regex: an article starting a phrase ("a ", "the ")
    definite_article: str  # regex: the definite article starting a place ("the ")
    title_case: bool
    title_small_words: frozenset[str]
    toddler_splits: tuple[tuple[str, str], ...]  # (joiner, what the new sentence starts with)
    stopwords: frozenset[str]
    word_forms: tuple[tuple[str, str], ...]  # (ending, replacement) for plural/singular forms
    request_be: tuple[str, str]  # (singular, plural)
    drawing_both: tuple[str, ...]  # "a picture of {subjects} in {colours}"
    drawing_subjects: str
    drawing_colours: str
    fallback_titles: tuple[str, ...]


@dataclass(frozen=True)
class Library:
    """Everything the storyteller knows in one language."""

    language: str
    grammar: Grammar
    types: dict[str, TypeBank]
    subjects: tuple[Subject, ...]
    shared_episodes: tuple[Para, ...]
    fallback_companions: tuple[Companion, ...]
    fallback_problems: tuple[Problem, ...]
    topic_words: dict[str, frozenset[str]]  # avoid-topic -> its words (lower case)
    files: tuple[Path, ...] = field(default=())

    def bank(self, story_type: str) -> TypeBank:
        return self.types.get(story_type) or self.types[STORY_TYPES[0]]


# --- YAML with line numbers ---------------------------------------------------------------------


class _Map(dict):
    line: int = 0
    lines: dict

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class _Seq(list):
    line: int = 0
    lines: list


class _Loader(yaml.SafeLoader):
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    result = _Map()
    result.line, result.lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = value_node.start_mark.line + 1
    return result


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    result = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    result.line, result.lines = (
        node.start_mark.line + 1,
        [c.start_mark.line + 1 for c in node.value],
    )
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


class _Reader:
    """Walks one file's data, collecting problems with their line instead of stopping."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems

    def add(self, line: int, where: str, message: str) -> None:
        self.problems.append(f"{self._name()}:{line}: {where}: {message}")

    def _name(self) -> str:
        try:
            return str(self.path.relative_to(CONTENT_DIR.parents[1]))
        except ValueError:
            return str(self.path)

    def load(self) -> _Map | None:
        try:
            data = yaml.load(self.path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
        except OSError as exc:
            self.problems.append(f"{self._name()}: cannot read: {exc.strerror}")
            return None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark else 1
            self.problems.append(f"{self._name()}:{line}: not valid YAML: {exc}")
            return None
        if not isinstance(data, _Map):
            self.add(1, "(top)", "expected a mapping")
            return None
        return data

    # Typed getters: ``parent`` is the mapping, ``key`` the field; ``where`` names the path.
    def keys(self, parent: _Map, where: str, allowed: set[str], required: set[str]) -> bool:
        ok = True
        for key in parent:
            if key not in allowed:
                self.add(parent.line_of(key), f"{where}.{key}", f"unknown field (known: "
                         f"{', '.join(sorted(allowed))})")  # fmt: skip
                ok = False
        for key in sorted(required - set(parent)):
            self.add(parent.line, f"{where}", f"missing {key}")
            ok = False
        return ok

    def text(self, parent: _Map, key: str, where: str, *, default: str = "") -> str:
        value = parent.get(key, default)
        if not isinstance(value, str) or (key in parent and not value.strip()):
            self.add(parent.line_of(key), f"{where}.{key}", f"expected text, got {value!r}")
            return default
        return value

    def texts(self, parent: _Map, key: str, where: str, *, required: bool = False) -> tuple:
        value = parent.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.add(parent.line_of(key), f"{where}.{key}", "expected a list of texts")
            return ()
        if required and not value:
            self.add(parent.line_of(key), f"{where}.{key}", "needs at least one")
        return tuple(value)

    def items(self, parent: _Map, key: str, where: str, *, required: bool = True) -> list:
        value = parent.get(key, [])
        if not isinstance(value, list) or (required and not value):
            self.add(parent.line_of(key), f"{where}.{key}", "expected a non-empty list")
            return []
        good = []
        for index, item in enumerate(value):
            if not isinstance(item, _Map):
                line = value.lines[index] if isinstance(value, _Seq) else parent.line_of(key)
                self.add(line, f"{where}.{key}[{index}]", "expected a mapping")
            else:
                good.append((f"{where}.{key}[{index}]", item))
        return good


@functools.lru_cache(maxsize=8192)
def _placeholders(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in _FORMATTER.parse(template) if name)


class _Builder:
    """Turns one language's files into a ``Library``; every problem goes to ``problems``."""

    def __init__(self, language: str, folder: Path):
        self.language = language
        self.folder = folder
        self.problems: list[str] = []
        self.topic_words: dict[str, frozenset[str]] = {}
        self._topic_pattern: re.Pattern | None = None

    # --- pieces ---

    def wording_ok(self, r: _Reader, line: int, where: str, wording: str) -> None:
        try:
            names = _placeholders(wording)
        except ValueError as exc:
            r.add(line, where, f"broken placeholder in {wording!r}: {exc}")
            return
        unknown = [n for n in names if n not in PLACEHOLDERS]
        if unknown:
            r.add(line, where, f"unknown placeholder {{{unknown[0]}}} in {wording!r}")
        if re.search(r"\d", re.sub(r"\{[^}]*\}", "", wording)):
            r.add(line, where, f"no digits in wordings (they read as personal data): {wording!r}")

    def line(self, r: _Reader, where: str, data: Any, parent_line: int) -> Line | None:
        if isinstance(data, str):
            data = _Map(young=data)
            data.line, data.lines = parent_line, {}
        if not isinstance(data, _Map):
            r.add(parent_line, where, "expected a mapping with young/older/tiny/rich wordings")
            return None
        if not r.keys(data, where, {"young", "older", "tiny", "rich", "required"}, set()):
            return None
        parts: dict[str, tuple[str, ...] | None] = {}
        for register in REGISTERS:
            if register not in data:
                parts[register] = None
                continue
            value = data[register]
            value = [value] if isinstance(value, str) else value
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                r.add(data.line_of(register), f"{where}.{register}", "expected text or a list")
                return None
            for wording in value:
                self.wording_ok(r, data.line_of(register), f"{where}.{register}", wording)
            parts[register] = tuple(value)
        required = data.get("required", False)
        if not isinstance(required, bool):
            r.add(data.line_of("required"), f"{where}.required", "expected true or false")
        young = parts["young"] or ()
        older = young if parts["older"] is None else parts["older"]
        result = Line(young, older, parts["tiny"], parts["rich"], bool(required))
        if not any(result.for_register(reg) for reg in REGISTERS):
            r.add(data.line, where, "has no wording for any age")
        return result

    def lines(self, r: _Reader, parent: _Map, key: str, where: str, *, required=True) -> tuple:
        value = parent.get(key, [])
        if not isinstance(value, list) or (required and not value):
            r.add(parent.line_of(key), f"{where}.{key}", "expected a non-empty list of lines")
            return ()
        out = []
        for index, item in enumerate(value):
            line = value.lines[index] if isinstance(value, _Seq) else parent.line_of(key)
            built = self.line(r, f"{where}.{key}[{index}]", item, line)
            if built is not None:
                out.append(built)
        return tuple(out)

    def found_topics(self, *texts: str) -> frozenset[str]:
        if self._topic_pattern is None:
            return frozenset()
        found = set()
        for text in texts:
            for match in self._topic_pattern.finditer(text.lower()):
                found.add(self._word_topic[match.group(0)])
                found.update(t for t, ws in self.topic_words.items() if match.group(0) in ws)
        return frozenset(found)

    def tagged(self, r: _Reader, data: _Map, where: str, *texts: str) -> frozenset[str]:
        tags = set(r.texts(data, "avoid_topics", where))
        for tag in tags - set(self.topic_words):
            r.add(data.line_of("avoid_topics"), f"{where}.avoid_topics", f"unknown topic {tag!r}")
        return frozenset(tags) | self.found_topics(*texts)

    def para(self, r: _Reader, where: str, data: _Map) -> Para:
        r.keys(
            data,
            where,
            {"key", "when", "needs", "mood", "slot", "per", "priority", "lines", "avoid_topics"},
            {"lines"},
        )
        lines = self.lines(r, data, "lines", where)
        when = r.texts(data, "when", where)
        for flag in when:
            # A flag of the request (FLAGS) or a setting tag (outdoor, sea, ...).
            if not re.fullmatch(r"[a-z][a-z_]*", flag):
                r.add(data.line_of("when"), f"{where}.when", f"bad flag {flag!r}")
        mood = r.text(data, "mood", where)
        if mood and mood not in MOODS:
            r.add(data.line_of("mood"), f"{where}.mood", f"lively or calm, not {mood!r}")
        slot = r.text(data, "slot", where, default="mid")
        if slot not in SLOTS:
            r.add(data.line_of("slot"), f"{where}.slot", f"mid or late, not {slot!r}")
        per = r.text(data, "per", where)
        if per and per != "interest":
            r.add(data.line_of("per"), f"{where}.per", f"only 'interest', not {per!r}")
        return Para(
            lines=lines,
            key=r.text(data, "key", where),
            when=when,
            needs=r.texts(data, "needs", where),
            mood=mood,
            slot=slot,
            per=per,
            priority=data.get("priority", False) is True,
            topics=self.tagged(r, data, where, *(w for ln in lines for w in ln.all_wordings())),
        )

    def paras(self, r: _Reader, parent: _Map, key: str, where: str, *, required=True) -> tuple:
        return tuple(self.para(r, w, d) for w, d in r.items(parent, key, where, required=required))

    def companion(self, r: _Reader, where: str, data: _Map) -> Companion:
        fields = {"key", "intro", "ref", "pos", "kind", "acts", "says", "match", "needs"}
        r.keys(
            data, where, fields | {"avoid_topics"}, {"key", "intro", "ref", "pos", "kind", "acts"}
        )
        intro, kind = r.text(data, "intro", where), r.text(data, "kind", where)
        acts = r.texts(data, "acts", where, required=True)
        return Companion(
            key=r.text(data, "key", where),
            intro=intro,
            ref=r.text(data, "ref", where),
            pos=r.text(data, "pos", where),
            kind=kind,
            acts=acts,
            says=r.texts(data, "says", where) or (self.said,),
            match=r.texts(data, "match", where),
            needs=r.texts(data, "needs", where),
            avoid=self.tagged(r, data, where, intro, kind, *acts),
        )

    def problem(self, r: _Reader, where: str, data: _Map) -> Problem:
        r.keys(data, where, {"key", "title", "needs", "setup", "solve", "avoid_topics"},
               {"key", "title", "setup", "solve"})  # fmt: skip
        setup = self.lines(r, data, "setup", where)
        solve = self.lines(r, data, "solve", where)
        title = r.text(data, "title", where)
        words = [w for ln in (*setup, *solve) if ln.req for w in ln.all_wordings()]
        return Problem(
            key=r.text(data, "key", where),
            title=title,
            setup=setup,
            solve=solve,
            needs=r.texts(data, "needs", where),
            avoid=self.tagged(r, data, where, title, *words),
        )

    def setting(self, r: _Reader, where: str, data: _Map) -> Setting:
        fields = {"key", "place", "title", "bare", "shy", "details", "tags", "match", "drawn",
                  "companions", "problems", "topics", "desc", "meet", "avoid_topics"}  # fmt: skip
        r.keys(data, where, fields, {"key", "place", "title", "details", "desc"})
        place, shy = r.text(data, "place", where), r.text(data, "shy", where)
        details = r.texts(data, "details", where, required=True)
        desc = self.lines(r, data, "desc", where)
        return Setting(
            key=r.text(data, "key", where),
            place=place,
            title=r.text(data, "title", where),
            desc=desc,
            details=details,
            tags=r.texts(data, "tags", where),
            match=r.texts(data, "match", where),
            drawn=r.texts(data, "drawn", where),
            shy=shy,
            companions=r.texts(data, "companions", where),
            problems=r.texts(data, "problems", where),
            topics=r.texts(data, "topics", where),
            meet=self.lines(r, data, "meet", where, required=False),
            bare=r.text(data, "bare", where),
            avoid=self.tagged(
                r, data, where, place, shy, *details,
                *(w for ln in desc if ln.req for w in ln.all_wordings()),
            ),
        )  # fmt: skip

    def topic(self, r: _Reader, where: str, data: _Map) -> Topic:
        fields = {"key", "label", "match", "question", "fact", "avoid_words", "facts", "problem",
                  "episodes", "avoid_topics"}  # fmt: skip
        r.keys(
            data, where, fields, {"key", "label", "match", "question", "fact", "facts", "problem"}
        )
        problem = data.get("problem")
        if not isinstance(problem, _Map):
            r.add(data.line_of("problem"), f"{where}.problem", "expected a mapping")
            problem = _Map(key="-", title="-", setup=[], solve=[])
            problem.line, problem.lines = data.line, {}
        label, fact = r.text(data, "label", where), r.text(data, "fact", where)
        avoid_words = r.texts(data, "avoid_words", where)
        return Topic(
            key=r.text(data, "key", where),
            label=label,
            match=r.texts(data, "match", where, required=True),
            question=r.text(data, "question", where),
            fact=fact,
            facts=self.lines(r, data, "facts", where),
            problem=self.problem(r, f"{where}.problem", problem),
            episodes=self.paras(r, data, "episodes", where, required=False),
            avoid_words=avoid_words,
            avoid=self.tagged(r, data, where, label, fact, *avoid_words),
        )

    # --- files ---

    def language_file(self, path: Path) -> Grammar | None:
        r = _Reader(path, self.problems)
        data = r.load()
        if data is None:
            return None
        r.keys(data, "", {"language", "grammar", "topics"}, {"language", "grammar", "topics"})
        if data.get("language") != self.language:
            r.add(data.line_of("language"), "language", f"expected {self.language!r}")
        topics = data.get("topics")
        if not isinstance(topics, _Map) or not topics:
            r.add(data.line_of("topics"), "topics", "expected a mapping topic -> words")
        else:
            for topic, words in topics.items():
                if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                    r.add(topics.line_of(topic), f"topics.{topic}", "expected a list of words")
                    continue
                self.topic_words[str(topic)] = frozenset(
                    w.lower() for w in [str(topic), *words] if w
                )
            self._word_topic = {w: t for t, ws in self.topic_words.items() for w in ws}
            self._topic_pattern = re.compile(
                r"\b(?:" + "|".join(map(re.escape, sorted(self._word_topic, key=len, reverse=True)))
                + r")\b"
            )  # fmt: skip
        g = data.get("grammar")
        if not isinstance(g, _Map):
            r.add(data.line_of("grammar"), "grammar", "expected a mapping")
            return None
        fields = {"default_name", "list_separator", "list_last", "possessive", "indefinite",
                  "leading_article", "definite_article", "title_case", "title_small_words",
                  "toddler_splits", "stopwords", "word_forms", "request_be", "drawing",
                  "fallback_titles", "said"}  # fmt: skip
        r.keys(g, "grammar", fields, fields - {"toddler_splits", "title_small_words"})

        def pairs(key: str, first: str, second: str, regex: bool = False) -> tuple:
            out = []
            for where, item in r.items(g, key, "grammar", required=key != "toddler_splits"):
                r.keys(item, where, {first, second}, {second})
                a, b = item.get(first, ""), item.get(second, "")
                if not isinstance(a, str) or not isinstance(b, str):
                    r.add(item.line, where, "expected texts")
                    continue
                if regex:
                    try:
                        re.compile(a)
                    except re.error as exc:
                        r.add(item.line_of(first), f"{where}.{first}", f"bad pattern: {exc}")
                        continue
                out.append((a, b))
            return tuple(out)

        for key in ("leading_article", "definite_article"):
            try:
                re.compile(r.text(g, key, "grammar"))
            except re.error as exc:
                r.add(g.line_of(key), f"grammar.{key}", f"bad pattern: {exc}")
        be = r.texts(g, "request_be", "grammar")
        drawing = g.get("drawing")
        if not isinstance(drawing, _Map):
            r.add(g.line_of("drawing"), "grammar.drawing", "expected both/subjects/colours")
            drawing = _Map(both=[], subjects="", colours="")
            drawing.line, drawing.lines = g.line, {}
        r.keys(drawing, "grammar.drawing", {"both", "subjects", "colours"},
               {"both", "subjects", "colours"})  # fmt: skip
        self.said = r.text(g, "said", "grammar", default="-")
        return Grammar(
            default_name=r.text(g, "default_name", "grammar", default="-"),
            list_separator=g.get("list_separator", ", "),
            list_last=g.get("list_last", " & "),
            possessive=pairs("possessive", "after", "suffix", regex=True),
            indefinite=pairs("indefinite", "before", "article", regex=True),
            leading_article=r.text(g, "leading_article", "grammar", default="^$"),
            definite_article=r.text(g, "definite_article", "grammar", default="^$"),
            title_case=g.get("title_case") is True,
            title_small_words=frozenset(r.texts(g, "title_small_words", "grammar")),
            toddler_splits=pairs("toddler_splits", "joiner", "lead"),
            stopwords=frozenset(r.texts(g, "stopwords", "grammar")),
            word_forms=pairs("word_forms", "ending", "becomes"),
            request_be=be if len(be) == 2 else (*be, "", "")[:2],
            drawing_both=r.texts(drawing, "both", "grammar.drawing", required=True),
            drawing_subjects=r.text(drawing, "subjects", "grammar.drawing"),
            drawing_colours=r.text(drawing, "colours", "grammar.drawing"),
            fallback_titles=r.texts(g, "fallback_titles", "grammar", required=True),
        )

    def shared_file(self, path: Path) -> tuple:
        r = _Reader(path, self.problems)
        data = r.load()
        if data is None:
            return (), (), (), ()
        fields = {"subjects", "fallback_companions", "fallback_problems", "shared_episodes"}
        r.keys(data, "", fields, fields)
        subjects = []
        for where, item in r.items(data, "subjects", ""):
            r.keys(item, where, {"label", "match", "element", "acts", "plural", "avoid_topics"},
                   {"label", "match", "element", "acts"})  # fmt: skip
            label, element = r.text(item, "label", where), r.text(item, "element", where)
            acts = r.texts(item, "acts", where, required=True)
            subjects.append(
                Subject(
                    label=label,
                    match=r.texts(item, "match", where, required=True),
                    element=element,
                    acts=acts,
                    plural=item.get("plural", False) is True,
                    avoid=self.tagged(r, item, where, label, element, *acts),
                )
            )
        companions = tuple(
            self.companion(r, w, d) for w, d in r.items(data, "fallback_companions", "")
        )
        problems = tuple(self.problem(r, w, d) for w, d in r.items(data, "fallback_problems", ""))
        episodes = self.paras(r, data, "shared_episodes", "")
        return tuple(subjects), companions, problems, episodes

    def type_file(self, path: Path, story_type: str) -> TypeBank | None:
        r = _Reader(path, self.problems)
        data = r.load()
        if data is None:
            return None
        fields = {"language", "story_type", "mood", "titles", "shape", "morals", "theme_morals",
                  "settings", "companions", "problems", "topics", "sections", "episodes"}  # fmt: skip
        r.keys(data, "", fields, fields - {"theme_morals", "topics"})
        if data.get("language") != self.language:
            r.add(data.line_of("language"), "language", f"expected {self.language!r}")
        if data.get("story_type") != story_type:
            r.add(data.line_of("story_type"), "story_type", f"expected {story_type!r}")
        mood = r.text(data, "mood", "", default="lively")
        if mood not in MOODS:
            r.add(data.line_of("mood"), "mood", f"lively or calm, not {mood!r}")
        titles = r.texts(data, "titles", "", required=True)
        for title in titles:
            self.wording_ok(r, data.line_of("titles"), "titles", title)
        sections_data = data.get("sections")
        sections: dict[str, tuple[Para, ...]] = {}
        if not isinstance(sections_data, _Map):
            r.add(data.line_of("sections"), "sections", "expected a mapping name -> paragraphs")
        else:
            for name in sections_data:
                sections[str(name)] = self.paras(r, sections_data, name, "sections")
        settings = tuple(self.setting(r, w, d) for w, d in r.items(data, "settings", ""))
        companions = tuple(self.companion(r, w, d) for w, d in r.items(data, "companions", ""))
        topics = tuple(self.topic(r, w, d) for w, d in r.items(data, "topics", "", required=False))
        problems = tuple(
            self.problem(r, w, d) for w, d in r.items(data, "problems", "", required=not topics)
        )
        shape: list[str | tuple[str, ...]] = []
        raw_shape = data.get("shape")
        if not isinstance(raw_shape, list) or not raw_shape:
            r.add(data.line_of("shape"), "shape", "expected a list of sections")
            raw_shape = []
        objects = {"setting": Setting, "problem": Problem, "topic": Topic, "companion": Companion}
        for index, part in enumerate(raw_shape):
            line = raw_shape.lines[index] if isinstance(raw_shape, _Seq) else data.line
            if part in SLOTS:
                shape.append(part)
                continue
            if not isinstance(part, list) or not all(isinstance(p, str) for p in part):
                r.add(line, f"shape[{index}]", "expected mid, late or a list of section names")
                continue
            for source in part:
                obj, _, attr = source.partition(".")
                if attr:
                    if obj not in objects or attr not in objects[obj].__dataclass_fields__:
                        r.add(line, f"shape[{index}]", f"unknown source {source!r}")
                elif source not in sections:
                    r.add(line, f"shape[{index}]", f"no section {source!r} in sections")
            shape.append(tuple(part))
        # Cross-references: a setting may only name companions, problems, topics that exist.
        for index, setting in enumerate(settings):
            where = f"settings[{index}]"
            line = data["settings"].lines[index] if isinstance(data.get("settings"), _Seq) else 1
            for key, known in (
                ("companions", {c.key for c in companions}),
                ("problems", {p.key for p in problems}),
                ("topics", {t.key for t in topics}),
            ):
                for name in set(getattr(setting, key)) - known:
                    r.add(line, f"{where}.{key}", f"no {key[:-1]} {name!r} in this file")
        theme_morals = []
        for where, item in r.items(data, "theme_morals", "", required=False):
            r.keys(item, where, {"theme", "moral"}, {"theme", "moral"})
            theme_morals.append((r.text(item, "theme", where), r.text(item, "moral", where)))
        return TypeBank(
            titles=titles,
            shape=tuple(shape),
            sections=sections,
            settings=settings,
            companions=companions,
            problems=problems,
            episodes=self.paras(r, data, "episodes", ""),
            morals=r.texts(data, "morals", "", required=True),
            theme_morals=tuple(theme_morals),
            mood=mood,
            topics=topics,
        )

    def build(self) -> Library:
        if not self.folder.is_dir():
            raise ContentError([f"{self.folder}: no content folder for language {self.language}"])
        self.said = "-"
        grammar = self.language_file(self.folder / "language.yaml")
        subjects, companions, problems, episodes = self.shared_file(self.folder / "shared.yaml")
        types = {}
        for story_type in STORY_TYPES:
            bank = self.type_file(self.folder / f"{story_type}.yaml", story_type)
            if bank is not None:
                types[story_type] = bank
        known = {f"{t}.yaml" for t in STORY_TYPES} | {"language.yaml", "shared.yaml"}
        for extra in sorted(p.name for p in self.folder.glob("*.yaml")):
            if extra not in known:
                self.problems.append(
                    f"{self.folder.name}/{extra}: not a story type of mira/vocabulary.yaml"
                )
        if self.problems or grammar is None:
            raise ContentError(self.problems or [f"{self.folder}: language.yaml is unusable"])
        return Library(
            language=self.language,
            grammar=grammar,
            types=types,
            subjects=subjects,
            shared_episodes=episodes,
            fallback_companions=companions,
            fallback_problems=problems,
            topic_words=dict(self.topic_words),
            files=tuple(sorted(self.folder.glob("*.yaml"))),
        )


def load_library(language: str, root: Path | None = None) -> Library:
    """Load and check one language's content; raises ``ContentError`` listing every problem."""
    root = root or content_dir()
    return _Builder(language, root / language).build()


def content_dir() -> Path:
    """``settings.MIRA_STORY_CONTENT_DIR`` (``content/stories`` by default)."""
    from django.conf import settings

    configured = getattr(settings, "MIRA_STORY_CONTENT_DIR", None) if settings.configured else None
    return Path(configured) if configured else CONTENT_DIR


def library(language: str) -> Library:
    """The content for ``language`` (an offline language of the vocabulary), loaded once."""
    if language not in OFFLINE_LANGUAGES:
        raise KeyError(f"no offline content for language {language!r}")
    return _library(language, content_dir())


@functools.lru_cache(maxsize=16)
def _library(language: str, root: Path) -> Library:
    return load_library(language, root)


def has_content(language: str) -> bool:
    return (content_dir() / language / "language.yaml").is_file()


def check_content(root: Path | None = None) -> list[str]:
    """Every problem in the content tree (all offline languages with a folder), or []."""
    root = root or content_dir()
    problems: list[str] = []
    for language in OFFLINE_LANGUAGES:
        if not (root / language).is_dir():
            continue
        try:
            load_library(language, root)
        except ContentError as exc:
            problems.extend(exc.problems)
    return problems
