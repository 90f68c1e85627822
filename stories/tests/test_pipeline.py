"""The whole pipeline with the offline providers, on the real database, with real threads."""

import io
import itertools
import wave
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from ai_providers.models import AIOperation
from prompts_app.rendering import prompt_resolve
from remoteconfig.models import AppConfiguration
from stories import pipeline
from stories.models import InputKind, Stage, Story, StoryStatus
from stories.pipeline import stages
from stories.tests.factories import KidFactory, drawing_bytes

pytestmark = pytest.mark.django_db(transaction=True)  # the pipeline's threads use own connections

BANDS = {"short": (150, 300), "medium": (300, 600), "long": (600, 1000)}


def make_story(**fields) -> Story:
    kid = fields.pop("kid", None) or KidFactory(name="Mia", age=5)
    story = Story(owner=kid.parent, kid=kid, input_kind=InputKind.DRAWING, **fields)
    if story.input_kind == InputKind.DRAWING:
        story.drawing.save("drawing.png", ContentFile(drawing_bytes()), save=False)
    story.save()
    return story


def wav_seconds(field) -> float:
    with field.open("rb") as handle, wave.open(io.BytesIO(handle.read())) as wav:
        return wav.getnframes() / wav.getframerate()


@pytest.mark.parametrize("length", ["short", "medium"])
def test_drawing_becomes_a_narrated_word_timed_story(length):
    story = pipeline.run(make_story(story_length=length).id)

    assert story.status == StoryStatus.READY, story.failure_detail
    words = story.text.split()
    low, high = BANDS[length]
    assert low <= len(words) <= high
    assert "Mia" in story.text
    stamps = story.word_timestamps
    assert [s["word"] for s in stamps] == words
    starts = [s["start"] for s in stamps]
    assert starts == sorted(starts)
    assert all(s["start"] <= s["end"] for s in stamps)
    assert all(a["end"] <= b["start"] + 1e-3 for a, b in itertools.pairwise(stamps))
    duration = wav_seconds(story.audio)
    assert abs(stamps[-1]["end"] - duration) <= 0.5
    assert story.audio_duration_seconds == pytest.approx(duration, abs=0.01)
    assert story.cover.name.endswith(".png")
    assert story.completed_stages == [s.value for s in Stage] or set(story.completed_stages) == {
        s.value for s in Stage
    }
    assert story.prompt_version == prompt_resolve("story_generation").version
    assert story.total_cost_usd == Decimal("0")
    assert set(story.generation_metadata["stages_ms"]) == {s.value for s in Stage}


def test_every_ai_call_is_in_the_ledger():
    story = pipeline.run(make_story().id)
    ops = AIOperation.objects.filter(story_id=story.id)
    kinds = set(ops.values_list("operation_type", flat=True))
    assert kinds == {
        "image_recognition",
        "story_generation",
        "content_safety",
        "text_to_speech",
        "image_generation",
    }
    paragraphs = [p for p in story.text.split("\n\n") if p.strip()]
    assert ops.filter(operation_type="text_to_speech").count() == len(paragraphs)
    for op in ops:
        assert op.vendor == "local"
        assert op.success
        assert op.cost_usd == Decimal("0")
        assert op.user_id == story.owner_id
        assert op.processing_time_ms >= 0
        assert op.model_used
    assert ops.get(operation_type="story_generation").prompt_version == story.prompt_version
    assert story.cost_breakdown.keys() == kinds
    assert story.processing_breakdown.keys() == kinds


def test_a_retried_story_resumes_without_paying_twice():
    story = make_story()
    # A first worker finished three stages and died.
    stages.analyse_input(story.id)
    stages.build_context(story.id)
    stages.generate_story(story.id)
    text_before = Story.objects.get(pk=story.id).text

    story = pipeline.run(story.id)

    assert story.status == StoryStatus.READY
    assert story.text == text_before
    ops = AIOperation.objects.filter(story_id=story.id)
    assert ops.filter(operation_type="image_recognition").count() == 1
    assert ops.filter(operation_type="story_generation").count() == 1


def test_running_a_finished_story_again_changes_nothing():
    story = pipeline.run(make_story().id)
    count = AIOperation.objects.filter(story_id=story.id).count()
    again = pipeline.run(story.id)
    assert again.status == StoryStatus.READY
    assert AIOperation.objects.filter(story_id=story.id).count() == count


def test_unsafe_text_idea_fails_cleanly_with_warnings():
    kid = KidFactory()
    story = Story.objects.create(
        owner=kid.parent,
        kid=kid,
        input_kind=InputKind.TEXT,
        input_text="a story where the knight kills everyone with a gun",
    )
    story = pipeline.run(story.id)
    assert story.status == StoryStatus.FAILED
    assert story.failure_code == "unsafe_input"
    assert story.content_warnings
    assert not story.text


def test_text_idea_becomes_a_story():
    kid = KidFactory(name="Leo")
    story = Story.objects.create(
        owner=kid.parent,
        kid=kid,
        input_kind=InputKind.TEXT,
        input_text="a turtle who wants to fly",
        story_type="fantasy",
    )
    story = pipeline.run(story.id)
    assert story.status == StoryStatus.READY, story.failure_detail
    assert "Leo" in story.text


def test_ai_switched_off_fails_the_story_with_a_clear_reason(settings):
    AppConfiguration.objects.create(
        config_key="ai_services_enabled", config_value=False, environment=settings.MIRA_ENVIRONMENT
    )
    story = pipeline.run(make_story().id)
    assert story.status == StoryStatus.FAILED
    assert story.failure_code == "ai_services_disabled"
    assert not AIOperation.objects.filter(story_id=story.id).exists()
