"""Quality checks from the prompt's YAML, and the one regeneration with failures fed back."""

import pytest
from django.core.files.base import ContentFile

from ai_providers.models import AIOperation
from prompts_app.documents import CONTENT_FILTERS, QUALITY_ELEMENTS
from prompts_app.models import PromptVersion
from prompts_app.services import prompt_publish, prompt_version_create, prompts_sync
from stories import pipeline
from stories.models import InputKind, Story, StoryStatus
from stories.quality import CONTENT_FILTERS as FILTER_PATTERNS
from stories.quality import ELEMENT_CHECKS, story_failures, syllables, vocabulary_measures
from stories.tests.factories import KidFactory, drawing_bytes

CHECKS = {
    "length_bands": {"short": [20, 80], "medium": [300, 600], "long": [600, 1000]},
    "required_elements": list(QUALITY_ELEMENTS),
    "vocabulary": {
        "2-3": {"max_long_word_share": 0.10, "max_average_sentence_words": 14},
        "4-6": {"max_long_word_share": 0.14, "max_average_sentence_words": 18},
        "7-9": {"max_long_word_share": 0.18, "max_average_sentence_words": 22},
        "10-12": {"max_long_word_share": 0.24, "max_average_sentence_words": 26},
    },
    "content_filters": list(CONTENT_FILTERS),
}
GOOD = (
    "Mia found a little red boat by the pond. She gave it a push and it sailed away.\n\n"
    "A duck swam up to say hello. Mia laughed and waved. The duck and the boat went round and "
    "round.\n\nAt home, Mia hugged her mum. She felt happy and proud of her brave little boat."
)


def failures(text, **kw):
    return story_failures(
        text, **{"kid_name": "Mia", "length": "short", "quality_checks": CHECKS, "kid_age": 3, **kw}
    )


def test_the_yaml_names_exactly_the_checks_we_implement():
    assert set(ELEMENT_CHECKS) == set(QUALITY_ELEMENTS)
    assert set(FILTER_PATTERNS) == set(CONTENT_FILTERS)


def test_a_good_story_passes():
    assert failures(GOOD) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("Mia", "Lou"), "the child's name (Mia) is not mentioned"),
        (
            GOOD.rsplit("\n\n", 1)[0] + "\n\nThen it was night.",
            "the ending is not clearly positive",
        ),
        (GOOD + " But she was sad and alone.", "ends on a sad or worried note"),
        (GOOD.replace("a duck", "a gun").replace("A duck", "A gun"), "contains violence (gun)"),
        (GOOD.replace("pond", "haunted pond"), "contains a scary theme (haunted)"),
        (GOOD.replace("hello", "shut up"), "contains unkind language (shut up)"),
        (GOOD.replace("boat", "beer"), "contains content unsuitable for children (beer)"),
        (" ".join(["Mia is happy."] * 2), "length: 6 words, need 20-80"),
    ],
)
def test_each_failure_is_one_readable_sentence(text, expected):
    assert any(expected in f for f in failures(text)), failures(text)


def test_vocabulary_for_the_age_group():
    hard = (
        "Mia investigated extraordinary, unbelievable, magnificent constellations, "
        "absolutely fascinating everybody. " * 3 + "\n\nMia felt happy and proud."
    )
    assert any("three or more syllables" in f for f in failures(hard, kid_age=3))
    long_sentences = (
        "Mia and the duck and the boat went up and down and round and round the pond all day long "
        * 2
    ).strip() + ".\n\nMia was happy."
    assert any("sentences average" in f for f in failures(long_sentences, kid_age=3))
    assert not any("sentences average" in f for f in failures(long_sentences, kid_age=11))
    assert [syllables(w) for w in ("cat", "happy", "butterfly", "smiled", "tomorrow")] == [
        1,
        2,
        3,
        1,
        3,
    ]
    assert syllables("extraordinary") >= 3
    share, _ = vocabulary_measures("Anastasia ran.", names=["Anastasia"])
    assert share == 0  # the child's name is never "hard vocabulary"


def test_avoid_topics_are_respected():
    text = GOOD.replace("A duck", "A spider")
    assert any("mentions 'spiders'" in f for f in failures(text, avoid_topics=["spiders"]))
    assert failures(GOOD, avoid_topics=["spiders", "the dark"]) == []


# --- the pipeline: one regeneration, then a clear failure ------------------------------------------


def _publish_story_prompt(edit) -> str:
    base = PromptVersion.objects.get(prompt__key="system/story_generation", version="1.2")
    content = edit(base.content.replace('version: "1.2"', 'version: "1.9"'))
    version, _ = prompt_version_create(key="system/story_generation", content=content, author="qa")
    prompt_publish(version=version, actor_name="qa")
    return version.version


def _story(**fields) -> Story:
    kid = KidFactory(name="Mia", age=3)
    story = Story(
        owner=kid.parent, kid=kid, input_kind=InputKind.DRAWING, story_length="short", **fields
    )
    story.drawing.save("drawing.png", ContentFile(drawing_bytes()), save=False)
    story.save()
    return story


@pytest.mark.django_db(transaction=True)
def test_a_story_failing_its_checks_is_regenerated_once_with_the_failures_fed_back():
    prompts_sync()
    # The offline storyteller writes 150-300 words for "short"; this version wants 100-140.
    label = _publish_story_prompt(lambda c: c.replace("short: [150, 300]", "short: [100, 140]"))

    story = pipeline.run(_story().id)

    assert story.status == StoryStatus.READY, (story.failure_code, story.content_warnings)
    assert 100 <= len(story.text.split()) <= 140
    assert story.prompt_version == label
    attempts = AIOperation.objects.filter(story_id=story.id, operation_type="story_generation")
    assert attempts.count() == 2
    assert set(attempts.values_list("prompt_version", flat=True)) == {label}
    fragments = story.stage_outputs["generate_story"]["fragment_versions"]
    assert fragments["user_context/kid_profiles"] == "1.3"
    assert fragments["story_types/adventure"] == "1.0"


@pytest.mark.django_db(transaction=True)
def test_a_second_failure_fails_the_stage_with_the_reasons():
    prompts_sync()
    strict = "{max_long_word_share: 0.30, max_average_sentence_words: 3}"
    label = _publish_story_prompt(
        lambda c: "\n".join(
            line.split(":", 1)[0] + f": {strict}"
            if line.strip().startswith(
                ('"2-3": {max', '"4-6": {max', '"7-9": {max', '"10-12": {max')
            )
            else line
            for line in c.splitlines()
        )
    )

    story = pipeline.run(_story().id)

    assert story.status == StoryStatus.FAILED
    assert story.failure_code == "quality_check_failed"
    assert any("sentences average" in w and "at most 3" in w for w in story.content_warnings)
    assert (
        AIOperation.objects.filter(story_id=story.id, operation_type="story_generation").count()
        == 2
    )
    assert label == "1.9"


def test_content_filters_judge_words_in_context_like_the_safety_rules():
    plant = GOOD.replace("A duck swam up to say hello.", "A green shoot reached up to say hello.")
    assert not any("contains" in f for f in failures(plant))
    harmful = GOOD.replace("A duck swam up to say hello.", "A man tried to shoot them.")
    assert any("contains violence (shoot them)" in f for f in failures(harmful))
