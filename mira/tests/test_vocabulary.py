"""The story vocabulary has one home (mira/vocabulary.yaml via mira.vocabulary).

The scan below fails when any other module of the project spells out the vocabulary again: a
literal collection (tuple, list, set, dict keys) holding several story types, all the story
lengths, several age groups, or a literal word band of a length.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mira import vocabulary
from mira.vocabulary import (
    AGE_GROUP_AGES,
    AGE_GROUPS,
    LENGTH_BANDS,
    MAX_KID_AGE,
    MIN_KID_AGE,
    STORY_LENGTHS,
    STORY_TYPES,
    VocabularyError,
    age_group,
    language,
    load,
)

ROOT = Path(__file__).resolve().parents[2]
HOME = {ROOT / "mira" / "vocabulary.py"}
SKIP_PARTS = {".venv", "migrations", "tests", "node_modules", "bench"}


def _project_modules() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if path not in HOME and not SKIP_PARTS.intersection(path.relative_to(ROOT).parts)
    ]


def _strings(nodes) -> set[str]:
    return {n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _redefinitions(tree: ast.AST) -> list[tuple[int, str]]:
    bands = set(LENGTH_BANDS.values())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            elements = node.elts
        elif isinstance(node, ast.Dict):
            elements = [k for k in node.keys if k is not None]
        else:
            continue
        words = _strings(elements)
        if len(words & set(STORY_TYPES)) >= 2:
            found.append((node.lineno, f"story types {sorted(words & set(STORY_TYPES))}"))
        if set(STORY_LENGTHS) <= words:
            found.append((node.lineno, "the story lengths"))
        if len(words & set(AGE_GROUPS)) >= 2:
            found.append((node.lineno, f"age groups {sorted(words & set(AGE_GROUPS))}"))
        if isinstance(node, ast.Tuple | ast.List) and len(elements) == 2:
            values = tuple(e.value for e in elements if isinstance(e, ast.Constant))
            if values in bands and all(isinstance(v, int) for v in values):
                found.append((node.lineno, f"a length band {values}"))
    return found


def test_no_module_redefines_the_vocabulary():
    offenders = []
    for path in _project_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, what in _redefinitions(tree):
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert offenders == [], "import these from mira.vocabulary instead:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "source",
    [
        'STORY_TYPES = ("adventure", "bedtime", "fantasy")',
        'LENGTHS = ["short", "medium", "long"]',
        'BANDS = {"short": (150, 300), "medium": (300, 600), "long": (600, 1000)}',
        'GROUPS = {"2-3": 1, "4-6": 2}',
        "band = (600, 1000)",
    ],
)
def test_the_scan_catches_a_copy(source):
    assert _redefinitions(ast.parse(source))


def test_the_scan_lets_ordinary_code_through():
    assert not _redefinitions(ast.parse('x = ("short", "story")\ny = ("adventure",)\nz = (1, 2)'))


def test_vocabulary_values():
    assert STORY_TYPES == ("adventure", "bedtime", "educational", "fantasy", "real_world")
    assert STORY_LENGTHS == ("short", "medium", "long")
    assert LENGTH_BANDS["short"] == (150, 300)
    assert AGE_GROUPS == ("2-3", "4-6", "7-9", "10-12")
    assert (MIN_KID_AGE, MAX_KID_AGE) == (2, 12)
    assert [age_group(a) for a in (2, 3, 4, 6, 7, 9, 10, 12)] == [
        "2-3", "2-3", "4-6", "4-6", "7-9", "7-9", "10-12", "10-12"
    ]  # fmt: skip
    assert AGE_GROUP_AGES["7-9"] == (7, 9)
    assert set(vocabulary.OFFLINE_LANGUAGES) >= {"en", "es", "fr", "de"}
    assert language("en").direction == "ltr" and not language("de").rtl
    with pytest.raises(KeyError):
        language("xx")


def test_every_app_uses_the_one_home():
    from experiments import services as experiments_services
    from prompts_app import guidance
    from stories import quality
    from stories.models import StoryLength, StoryType
    from usage import config

    assert tuple(StoryType.values) == STORY_TYPES
    assert tuple(StoryLength.values) == STORY_LENGTHS
    assert StoryType.REAL_WORLD == "real_world" and StoryType.REAL_WORLD.label == "Real World"
    assert StoryLength.SHORT.label == "Short (150-300 words)"
    assert config.STORY_LENGTHS is STORY_LENGTHS
    assert experiments_services.STORY_TYPES is STORY_TYPES
    assert guidance.age_group is age_group and quality.age_group is age_group


BASE = (ROOT / "mira" / "vocabulary.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("words: [150, 300]", "words: [300, 150]", "story_lengths.short.words"),
        ("ages: [4, 6]", "ages: [5, 6]", "age_groups.4-6: starts at 5"),
        ("kid_age: 8,", "kid_age: 12,", "age_groups.7-9.example_kid"),
        (
            "max_average_sentence_words: 14}",
            "max_average_sentence_words: -1}",
            "age_groups.2-3.reading.max_average_sentence_words",
        ),
        ("direction: ltr, offline: true}\n  es", "direction: up}\n  es", "languages.en.direction"),
        ("default_language: en", "default_language: xx", "default_language"),
        ("  adventure: {label: Adventure}", "  adventure: {}", "story_types.adventure: missing"),
        ("  en: {", "  eng: {", "languages.eng: expected an ISO 639-1 code"),
    ],
)
def test_a_broken_vocabulary_file_names_the_key(old, new, message):
    assert old in BASE
    with pytest.raises(VocabularyError, match="vocabulary.yaml: " + message.replace(".", r"\.")):
        load(BASE.replace(old, new, 1))
