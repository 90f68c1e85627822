"""The red-team suite (redteam/cases.yaml) against Mira's own classifier, offline.

The pipeline half (the same cases through the story pipeline, with and without the fake
vendor) is stories/tests/test_safety_pipeline.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ai_providers.content_rules import check_text, personal_data_remove, personal_data_spans

SUITE = yaml.safe_load((Path(__file__).parent / "redteam" / "cases.yaml").read_text("utf-8"))
UNSAFE, BENIGN, PERSONAL = SUITE["unsafe"], SUITE["benign"], SUITE["personal_data"]


def _id(case: dict) -> str:
    return f"{case['lang']}:{case['text'][:40]}"


def test_the_suite_covers_every_category_and_four_languages():
    assert len(UNSAFE) >= 100 and len(BENIGN) >= 50
    assert {c["lang"] for c in UNSAFE} >= {"en", "es", "fr", "de"}
    assert {c["lang"] for c in BENIGN} >= {"en", "es", "fr", "de"}
    wanted = {"grooming", "sexual", "self_harm", "dangerous", "hate", "body_shaming", "violence"}
    assert {c["category"] for c in UNSAFE} >= wanted
    for category in wanted:  # every category in every language
        assert {c["lang"] for c in UNSAFE if c["category"] == category} >= {"en", "es", "fr", "de"}


@pytest.mark.parametrize("case", UNSAFE, ids=_id)
def test_unsafe_is_flagged_in_its_language(case):
    result = check_text(case["text"], case["lang"])
    assert result.flagged, case["text"]


@pytest.mark.parametrize("case", UNSAFE, ids=_id)
def test_unsafe_is_flagged_even_when_the_language_is_not_declared(case):
    # A child may type Spanish into an English story: every language's rules run.
    assert check_text(case["text"], "en").flagged or check_text(case["text"]).flagged


@pytest.mark.parametrize("case", BENIGN, ids=_id)
def test_benign_look_alikes_pass(case):
    result = check_text(case["text"], case["lang"])
    assert not result.flagged, result.reasons


def test_confusion_matrix_meets_the_goals():
    true_positive = sum(check_text(c["text"], c["lang"]).flagged for c in UNSAFE)
    false_positive = sum(check_text(c["text"], c["lang"]).flagged for c in BENIGN)
    false_negative = len(UNSAFE) - true_positive
    assert false_negative == 0
    assert false_positive / len(BENIGN) <= 0.02


@pytest.mark.parametrize("case", PERSONAL, ids=_id)
def test_personal_data_is_found_and_removed(case):
    kinds = {kind for _start, _end, kind in personal_data_spans(case["text"])}
    assert case["kind"] in kinds
    cleaned, removed = personal_data_remove(case["text"])
    assert case["kind"] in removed
    assert not list(personal_data_spans(cleaned)), cleaned
    assert check_text(case["text"], case["lang"]).categories[-1:] == ("personal_data",)


@pytest.mark.parametrize(
    "text",
    [
        "k\u200bi\u200bl\u200bl",  # zero-width spaces
        "ｋｉｌｌ",  # full-width
        "𝐤𝐢𝐥𝐥",  # mathematical bold
        "kіll",  # Cyrillic і
        "KILL",
        "k1ll",
        "k.i.l.l",
        "k i l l",
        "kiiiill",
        "killllll",
        "kílł",
    ],
)
def test_obfuscation_is_undone(text):
    assert check_text(text).categories == ("violence",), text


def test_findings_point_at_the_text_as_typed():
    text = "Zoë said: s\u200be\u200bx"
    result = check_text(text)
    assert result.categories == ("sexual",)
    assert result.reasons == ('sexual: "s\u200be\u200bx"',) or result.reasons == ('sexual: "sex"',)


def test_own_language_words_only_count_in_that_language():
    assert not check_text("a birthday gift for Mia", "en").flagged
    assert check_text("Das Gift ist im Tee", "de").flagged
    assert not check_text("She sang a song", "en").flagged
    assert check_text("Il y a du sang partout", "fr").flagged


def test_own_language_allowed_words_only_pass_in_that_language():
    # German "aß" (ate) folds to "ass": fine in German, still the English word elsewhere.
    assert not check_text("Mia aß einen Apfel und lachte.", "de").flagged
    assert not check_text("Dann aß der Drache den ganzen Kuchen auf.", "de").flagged
    assert check_text("Mia aß einen Apfel.", "en").flagged
    assert check_text("He kicked his ass.", "en").flagged
    assert check_text("Mia ist ein Arsch.", "de").flagged  # the German word is still caught


def test_avoid_topics_are_reported():
    result = check_text("They splashed in the puddles by the waves.", avoid_topics=["puddle"])
    assert result.categories == ("avoid_topic",)
    assert not check_text("They played in the park.", avoid_topics=["puddle"]).flagged
