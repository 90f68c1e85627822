"""Rule-based content safety: pure functions, no database, no network."""

from __future__ import annotations

import pytest

from ai_providers.content_rules import CATEGORIES, check_text
from ai_providers.types import SafetyResult, Usage


def categories(text: str) -> tuple[str, ...]:
    return check_text(text).categories


# --- true positives, one group per category -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The knight killed the dragon.",
        "There was blood everywhere.",
        "He pulled out a gun.",
        "She had a knife in her hand.",
        "They beat him up after school.",
        "The bomb went off.",
        "He was kidnapped on the way home.",
        "a sword fight in the hall",
    ],
)
def test_violence(text):
    assert categories(text) == ("violence",)


@pytest.mark.parametrize(
    "text",
    [
        "A haunted house full of zombies.",
        "The monster attacked the village.",
        "The wicked witch cackled.",
        "The dragon chased the children.",
        "It was a terrifying nightmare.",
        "The soldiers died in the battle.",
        "The kitten was lost forever.",
        "She screamed in terror.",
    ],
)
def test_scary(text):
    assert categories(text) == ("scary",)


@pytest.mark.parametrize(
    "text",
    [
        "Dad drank beer and wine.",
        "They smoked cigarettes behind the shed.",
        "What the hell is that?",
        "He was drunk again.",
        "She was selling drugs.",
        "He said a bad word: shit.",
        "They went to the casino.",
        "They got high.",
    ],
)
def test_inappropriate(text):
    assert categories(text) == ("inappropriate",)


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself.",
        "Sometimes I want to die.",
        "She talked about suicide.",
        "He started to hurt himself.",
        "self-harm",
    ],
)
def test_self_harm(text):
    assert categories(text) == ("self_harm",)


def test_self_harm_is_reported_once_not_also_as_violence():
    result = check_text("I am going to kill myself")
    assert result.categories == ("self_harm",)
    assert result.reasons == ('self_harm: "kill myself"',)


@pytest.mark.parametrize(
    "text",
    [
        "Go back to your own country!",
        "They are an inferior race.",
        "He drew a nazi flag.",
        "I hate all immigrants.",
    ],
)
def test_hate(text):
    assert categories(text) == ("hate",)


@pytest.mark.parametrize(
    "text",
    [
        "You are so stupid.",
        "Shut up!",
        "I hate you.",
        "Nobody likes you.",
        "What an ugly drawing.",
        "You're useless.",
        "loser",
    ],
)
def test_unkind(text):
    assert categories(text) == ("unkind",)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Email me at anna.smith@example.com", "email address"),
        ("Call me on 07700 900123", "phone number"),
        ("Our number is (555) 123-4567.", "phone number"),
        ("Ring +44 20 7946 0958 any time", "phone number"),
        ("Visit www.example.com for more", "web address"),
        ("see https://foo.org/x", "web address"),
        ("Mia.com", "web address"),
        ("EXAMPLE.COM", "web address"),
        ("We live at 42 Baker Street.", "street address"),
        ("It is at 1600 Pennsylvania Avenue.", "street address"),
        ("Meine Adresse: Hauptstraße 5", "street address"),
        ("Card 4111 1111 1111 1111", "card number"),
        ("card 5555-5555-5555-4444", "card number"),
        ("SSN 123-45-6789", "social security number"),
        ("NI number AB 12 34 56 C", "national insurance number"),
    ],
)
def test_personal_data(text, kind):
    result = check_text(text)
    assert result.categories == ("personal_data",)
    assert any(kind in reason for reason in result.reasons), result.reasons


def test_card_numbers_must_pass_the_luhn_check():
    assert not check_text("Order 4111 1111 1111 1112").flagged
    assert check_text("Order 4111 1111 1111 1111").flagged


def test_personal_data_is_never_quoted_in_full():
    secrets = ("anna.smith@example.com", "07700 900123", "4111 1111 1111 1111", "www.example.com")
    result = check_text(" and ".join(secrets))
    assert len(result.reasons) == len(secrets)
    for reason in result.reasons:
        for secret in secrets:
            assert secret not in reason
    assert all("…" in reason for reason in result.reasons)


def test_several_categories_are_reported_in_canonical_order():
    result = check_text("You are stupid. Call 555-123-4567. The zombie killed him with a gun.")
    assert result.flagged
    assert result.categories == ("violence", "scary", "unkind", "personal_data")
    assert set(result.categories) <= set(CATEGORIES)


# --- false-positive guards -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "skill",
        "Scunthorpe",
        "grapefruit",
        "assistant",
        "class",
        "butterfly",
        "a friendly ghost who loved to sing",
        "The ghost was not scary at all.",
        "The friendly dragon chased the butterflies.",
        "a sleepy wolf ate his porridge",
        "The little witch cackled happily.",
        "a glass of blood orange juice",
        "She had drunk her milk.",
        "Spread it with a butter knife.",
        "a fizzy bath bomb",
        "The road was a dead end.",
        "the ugly duckling",
        "the Tasmanian devil",
        "He shot the ball into the goal.",
        "Das Zimmer ist hell.",
        "On 2024-05-01 we went to the zoo.",
        "Count with me: 1 2 3 4 5 6 7 8",
        "Write a story of 600-1000 words.",
        "The kite got high up in the tree.",
        "The balloon got high above the houses.",
        "Mia said hi.It was fun.",
        "We played together.Me and my friend.",
        "Mr. Patel sold apples.",
        "There were 3 ducks and 12 frogs.",
        "Grandpa died last winter and Mia misses him.",
    ],
)
def test_no_false_positives(text):
    result = check_text(text)
    assert not result.flagged, result.reasons
    assert result == SafetyResult(flagged=False, usage=Usage(requests=1))


def test_a_whole_gentle_story_passes():
    story = (
        "Once upon a time, a sleepy dragon called Ember lived in a cave full of cushions. "
        "Every night, a friendly ghost floated by to sing him a lullaby. One day, Ember's kite "
        "got stuck in a tree, and his friend the little witch helped him get it back. "
        "They laughed, shared some grapefruit and watched the stars until they fell asleep."
    )
    assert not check_text(story).flagged


def test_result_shape():
    result = check_text("You are stupid.")
    assert isinstance(result, SafetyResult)
    assert result.flagged is True
    assert result.reasons == ('unkind: "stupid"',)
    assert result.usage == Usage(requests=1)


@pytest.mark.parametrize(
    "source, chars",
    [
        (r"kill(?:s|ed)?", {"k"}),
        (r"(?:beat|stab)\w*\s+him", {"b", "s"}),
        (r"(?<!butter )kni(?:fe|ves)", {"k"}),
        (r"(?:the\s+)?[gh]un", {"t", "g", "h"}),
        (r"\w+s\s+pills", None),  # any letter: cannot be told
        (r"(?:a\s+)?", None),  # can match nothing
    ],
)
def test_the_first_characters_of_a_rule(source, chars):
    from ai_providers.content_rules.lexicons import first_chars

    assert first_chars(source) == (frozenset(chars) if chars is not None else None)


def test_dispatch_finds_what_one_expression_finds():
    # The matcher splits alternatives by first character; its matches are the single
    # expression's: leftmost, not overlapping, the earlier category winning.
    from ai_providers.content_rules.lexicons import Dispatch, _grouped

    sources = {
        "self_harm": [r"kill\s+myself", r"\w+\s+myself\s+up"],
        "violence": [r"kill(?:s|ed)?", r"(?:stab|hit)\w*\s+him", r"knife"],
        "unkind": [r"stupid", r"hit\s+him\s+hard"],
    }
    text = "i will kill myself. stabbed him, hit him hard with a knife; beat myself up. kills"
    single = _grouped({category: "|".join(alts) for category, alts in sources.items()})
    expected = sorted((m.lastgroup, m.span()) for m in single.finditer(text))
    assert sorted((m.lastgroup, m.span()) for m in Dispatch(sources).finditer(text)) == expected


def test_typographic_apostrophes_fold_to_ascii():
    assert check_text("To prove he was brave, Leo gobbled Grandma\u2019s pills like candy.").flagged
