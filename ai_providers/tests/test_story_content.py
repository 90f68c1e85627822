"""The offline story content files: loaded and checked with file and line; topics to avoid."""

from __future__ import annotations

import io
import itertools
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ai_providers.providers.local.story_content import CONTENT_DIR, check_content, library
from ai_providers.providers.local.storyteller import tell_story
from ai_providers.types import StoryContext
from mira.vocabulary import STORY_LENGTHS, STORY_TYPES


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(CONTENT_DIR / "en", tmp_path / "en")
    return tmp_path


def _break(tree: Path, name: str, old: str, new: str) -> int:
    """Replace the first ``old`` in ``en/<name>``; returns its 1-based line."""
    path = tree / "en" / name
    text = path.read_text(encoding="utf-8")
    index = text.index(old)
    path.write_text(text[:index] + new + text[index + len(old) :], encoding="utf-8")
    return text[:index].count("\n") + 1


def test_the_shipped_content_is_valid():
    assert check_content() == []
    assert set(library("en").types) == set(STORY_TYPES)


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("adventure.yaml", "{name} skipped along", "{nmae} skipped along", "unknown placeholder"),
        ("bedtime.yaml", "  place: ", "  plaice: ", "unknown field"),
        ("fantasy.yaml", "  intro: ", "  intro: [", "not valid YAML"),
        ("real_world.yaml", "  kind: ", "  kind: 7\n  x_kind: ", "unknown field"),
        ("educational.yaml", "red, yellow and blue.", "red, yellow and 2 blue.", "no digits"),
        ("shared.yaml", "  element: a friendly little dinosaur", "  element: ''", "expected text"),
        ("language.yaml", "title_case: true", "title_case: true\n  colour: x", "unknown field"),
        ("adventure.yaml", "- [meet]", "- [meeet]", "no section 'meeet'"),
        ("adventure.yaml", "  required: true", "  required: 3", "expected true or false"),
    ],
)
def test_a_broken_content_file_is_caught_and_named(tree, name, old, new, message):
    line = _break(tree, name, old, new)
    problems = check_content(tree)
    assert problems, "the broken file passed"
    mine = [p for p in problems if f"en/{name}:" in p]
    assert mine, problems
    if message:
        assert any(message in p for p in mine), mine
    # The line named is the broken one (or the item that holds it, a few lines up).
    lines = [int(m.group(1)) for p in mine if (m := re.search(rf"en/{name}:(\d+):", p))]
    assert any(abs(n - line) <= 3 for n in lines), (line, mine)


def test_a_setting_naming_a_missing_companion_is_caught(tree):
    _break(tree, "adventure.yaml", "companions: [turtle,", "companions: [tortle,")
    assert any("no companion 'tortle'" in p for p in check_content(tree))


def test_a_file_for_an_unknown_story_type_is_caught(tree):
    (tree / "en" / "mystery.yaml").write_text("language: en\n", encoding="utf-8")
    assert any("mystery.yaml: not a story type" in p for p in check_content(tree))


def test_check_story_content_command_names_the_file(tree):
    _break(tree, "bedtime.yaml", "  place: ", "  plaice: ")
    err = io.StringIO()
    with pytest.raises(CommandError, match="problem"):
        call_command("check_story_content", path=tree, stderr=err)
    assert "en/bedtime.yaml:" in err.getvalue() and "plaice" in err.getvalue()
    out = io.StringIO()
    call_command("check_story_content", stdout=out)
    assert "story content OK" in out.getvalue()


# --- avoid_topics offline -----------------------------------------------------------------------


def _context(i: int, **overrides) -> StoryContext:
    values = {
        "kid_name": "Mia",
        "kid_age": (2, 5, 8, 11)[i % 4],
        "story_type": STORY_TYPES[i % len(STORY_TYPES)],
        "story_length": STORY_LENGTHS[(i // 5) % len(STORY_LENGTHS)],
        "seed": f"avoid-{i}",
        "kid_interests": ("the sea", "dinosaurs", "animals"),
        "colour_names": ("ocean blue", "sunny yellow"),
        "subjects": ("a boat", "a shining sun"),
        "image_description": "The child's idea: a dolphin swimming in the waves",
        **overrides,
    }
    return StoryContext(**values)


def _mentions(words: frozenset[str], text: str) -> list[str]:
    pattern = r"\b(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + r")\b"
    return re.findall(pattern, text.lower())


def test_with_water_avoided_no_story_mentions_water():
    water = library("en").topic_words["water"]
    assert {"waves", "bath", "puddles", "rain", "river", "sea"} <= water
    hits = []
    for i in range(40):
        ctx = _context(i, avoid_topics=("water",))
        title, text = tell_story(ctx)
        found = _mentions(water, f"{title} {text}")
        if found:
            hits.append((i, found))
    assert hits == [], f"{len(hits)} of 40 stories mention water: {hits[:3]}"


@pytest.mark.parametrize("topic", sorted(library("en").topic_words))
def test_every_topic_a_parent_can_avoid_is_left_out(topic):
    words = library("en").topic_words[topic]
    for i in range(0, 40, 3):
        title, text = tell_story(_context(i, avoid_topics=(topic,)))
        assert not _mentions(words, f"{title} {text}"), (topic, i)


@pytest.mark.parametrize("typed", ["puddles", "no baths please", "Rain", "the sea"])
def test_a_word_of_a_topic_avoids_the_whole_topic(typed):
    water = library("en").topic_words["water"]
    for i in range(8):
        title, text = tell_story(_context(i, avoid_topics=(typed,)))
        assert not _mentions(water, f"{title} {text}"), (typed, i)


def test_avoided_stories_still_pass_the_quality_checks():
    from stories.quality import story_failures

    for i, topic in itertools.product(range(5), ("water", "dogs", "insects")):
        ctx = _context(i, avoid_topics=(topic,))
        _title, text = tell_story(ctx)
        failures = story_failures(
            text,
            kid_name="Mia",
            kid_age=ctx.kid_age,
            length=ctx.story_length,
            avoid_topics=(topic,),
        )
        assert not failures, (i, topic, failures)


# --- the engine takes language and grammar from the files ---------------------------------------


@pytest.fixture
def second_language(tmp_path: Path, settings):
    """A content tree with English and a copy of it filed as German, whose grammar joins lists
    with " und " and writes possessives with "ß" (a made-up rule the engine cannot know)."""
    shutil.copytree(CONTENT_DIR / "en", tmp_path / "en")
    shutil.copytree(CONTENT_DIR / "en", tmp_path / "de")
    for path in (tmp_path / "de").glob("*.yaml"):
        text = path.read_text(encoding="utf-8").replace("language: en", "language: de", 1)
        path.write_text(text, encoding="utf-8")
    _break(tmp_path, "../de/language.yaml", 'list_last: " and "', 'list_last: " und "')
    _break(tmp_path, "../de/language.yaml", 'suffix: "\'s"', 'suffix: "ß"')
    settings.MIRA_STORY_CONTENT_DIR = tmp_path
    yield tmp_path


def test_the_story_language_picks_its_own_files_and_grammar(second_language):
    assert check_content(second_language) == []
    ctx = dict(kid_name="Mia", kid_age=8, story_type="adventure", story_length="medium",
               kid_interests=("dinosaurs", "space"), seed="lang")  # fmt: skip
    _, english = tell_story(StoryContext(**ctx, language="en"))
    _, german = tell_story(StoryContext(**ctx, language="de"))
    assert "dinosaurs and space" in english and "dinosaurs und space" not in english
    assert "dinosaurs und space" in german and "dinosaurs and space" not in german
    assert "Mia's" not in german


def test_a_language_without_content_falls_back_to_the_default(second_language):
    ctx = StoryContext(kid_name="Mia", kid_age=8, language="fr", seed="fr")
    _, text = tell_story(ctx)
    assert text == tell_story(StoryContext(kid_name="Mia", kid_age=8, language="en", seed="fr"))[1]


def _strings(value, skip=frozenset({"match", "drawn", "tags", "needs", "when", "topics", "key"})):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, skip)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in skip:
                yield from _strings(item, skip)


def test_every_text_of_the_content_is_safe_on_its_own():
    """Titles, places, details, companions, subjects, morals and every wording, with sample
    values, pass the safety rules by themselves; the grammar file is not story text."""
    import yaml

    from ai_providers.content_rules import check_text

    checked = 0
    for path in sorted((CONTENT_DIR / "en").glob("*.yaml")):
        if path.name == "language.yaml":
            continue
        for text in _strings(yaml.safe_load(path.read_text(encoding="utf-8"))):
            sample = re.sub(r"\{(\w+)\}", lambda m: "Mia" if m.group(1) == "name" else "Pip", text)
            assert not check_text(sample).flagged, (path.name, text)
            checked += 1
    assert checked > 2500
