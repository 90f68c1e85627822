"""Mapping heard words back onto the story's own tokens."""

import itertools

import pytest

from ai_providers.alignment import align_marks, number_words, spoken_units, story_words
from ai_providers.types import WordMark

STORY = "Mia found 3 shiny pebbles — by the river, on the 2nd day. Well-known Mia smiled!"


def marks(*items):
    return [WordMark(w, s, e) for w, s, e in items]


def spread(words, step=0.5):
    return [WordMark(w, i * step, i * step + step * 0.8) for i, w in enumerate(words)]


def check_shape(result, text, duration):
    assert [r["word"] for r in result] == story_words(text)
    for before, after in itertools.pairwise(result):
        assert before["start"] <= after["start"] and before["end"] <= after["start"] + 1e-9
    assert all(0 <= r["start"] <= r["end"] <= duration + 1e-9 for r in result)


@pytest.mark.parametrize(
    "token, units",
    [
        ("3", ["three"]),
        ("2nd", ["second"]),
        ("21st", ["twenty", "first"]),
        ("1,250", ["one", "thousand", "two", "hundred", "fifty"]),
        ("3.5", ["three", "point", "five"]),
        ("Well-known", ["well", "known"]),
        ("river,", ["river"]),
        ("“Hello!”", ["hello"]),
        ("—", []),
        ("Mia's", ["mias"]),
    ],
)
def test_spoken_units(token, units):
    assert spoken_units(token) == units


def test_number_words():
    assert number_words(0) == ["zero"]
    assert number_words(105) == ["one", "hundred", "five"]
    assert number_words(2_000_019) == ["two", "million", "nineteen"]


def test_exact_marks_are_used_as_they_are():
    words = story_words(STORY)
    exact = spread(words)
    result = align_marks(words, exact, 10.0)
    check_shape(result, STORY, 10.0)
    assert [(r["start"], r["end"]) for r in result] == [
        (round(m.start, 3), round(m.end, 3)) for m in exact
    ]


def test_numbers_read_out_split_words_and_mishearing():
    heard = spread(
        [
            *("mia", "found", "three", "shiny", "pebbles", "by", "the", "rivers", "on", "the"),
            *("second", "day", "well", "known", "mea", "smiled"),
        ]
    )
    result = align_marks(story_words(STORY), heard, 9.0)
    check_shape(result, STORY, 9.0)
    by_word = {r["word"]: r for r in result}
    assert (by_word["3"]["start"], by_word["3"]["end"]) == (1.0, 1.4)  # "three"
    assert by_word["river,"]["start"] == 3.5  # "rivers", mis-heard
    assert by_word["2nd"]["start"] == 5.0
    assert by_word["Well-known"]["start"] == 6.0 and by_word["Well-known"]["end"] == 6.9
    # The dash was never spoken: it sits in the gap between its neighbours.
    dash = by_word["—"]
    assert by_word["pebbles"]["end"] <= dash["start"] <= dash["end"] <= by_word["by"]["start"]


def test_whisper_digits_against_story_words():
    text = "They counted three stars and twenty one moons."
    heard = spread(["They", "counted", "3", "stars", "and", "21", "moons."])
    result = align_marks(story_words(text), heard, 4.0)
    check_shape(result, text, 4.0)
    assert result[2]["start"] == 1.0 and result[5]["start"] == 2.5 and result[6]["end"] > 2.5


def test_unheard_words_are_interpolated_and_repeats_stay_in_order():
    text = "the cat and the dog and the bird sang"
    heard = marks(("the", 0.0, 0.2), ("cat", 0.2, 0.5), ("bird", 2.0, 2.4), ("sang", 2.4, 3.0))
    result = align_marks(story_words(text), heard, 3.0)
    check_shape(result, text, 3.0)
    assert result[1]["start"] == 0.2 and result[7]["start"] == 2.0
    middle = result[2:7]
    assert middle[0]["start"] == 0.5 and middle[-1]["end"] == 2.0


def test_words_before_the_first_and_after_the_last_mark():
    text = "Once upon a time there was a moon"
    heard = marks(("a", 1.0, 1.2), ("time", 1.2, 1.6))
    result = align_marks(story_words(text), heard, 4.0)
    check_shape(result, text, 4.0)
    assert result[0]["start"] == 0.0 and result[-1]["end"] == 4.0


def test_nothing_heard_is_proportional_and_empty_story_is_empty():
    result = align_marks(story_words(STORY), [], 6.0)
    check_shape(result, STORY, 6.0)
    assert result[-1]["end"] == 6.0
    assert align_marks([], spread(["a"]), 1.0) == []


def test_marks_going_back_in_time_are_not_trusted():
    text = "one two three four"
    heard = marks(("one", 0, 0.5), ("two", 0.5, 1.0), ("three", 0.2, 0.3), ("four", 1.5, 2.0))
    result = align_marks(story_words(text), heard, 2.0)
    check_shape(result, text, 2.0)
