"""Word timing when every transcriber fails: the story is still delivered, timed
proportionally, with a content warning. The real OpenAI SDK talks to the fake vendor, whose
Whisper endpoint is down; offline pocketsphinx then hears nothing usable in the narration
(the fake vendor's speech is a hum), which used to crash the stage with a TypeError."""

from __future__ import annotations

import itertools

import pytest

from ai_providers import resilience
from ai_providers.config import reset_config
from ai_providers.models import AIOperation
from ai_providers.registry import reset_registry
from ai_providers.tests.conftest import route
from ai_providers.tests.fakevendor import VENDOR_VARIABLES, Fail
from ai_providers.types import Operation
from stories import pipeline
from stories.models import InputKind, Story, StoryStatus
from stories.pipeline.stages.narration import PROPORTIONAL_TIMING_WARNING
from stories.tests.factories import KidFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the pipeline's threads use own connections


@pytest.fixture
def openai_only(fake_vendor, monkeypatch, settings):
    """Only OpenAI keyed, pointed at the fake vendor; retries fast."""
    for name in VENDOR_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-openai")
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake_vendor.url}/v1")
    settings.MIRA_AI_RETRY_ATTEMPTS = 2
    settings.MIRA_AI_RETRY_BASE_DELAY = 0.001
    settings.MIRA_AI_RETRY_MAX_DELAY = 0.01
    reset_config()
    reset_registry()
    resilience.circuit_reset(["openai", "anthropic", "google", "azure", "local"])
    return fake_vendor


def text_story() -> Story:
    kid = KidFactory(name="Mia", age=5)
    return Story.objects.create(
        owner=kid.parent, kid=kid, input_kind=InputKind.TEXT, input_text="a glowing garden door"
    )


@pytest.mark.parametrize(
    "chain",
    [
        # Whisper down, then offline recognition hears nothing it can use.
        ["openai", "local"],
        # Whisper down and nothing behind it: the gateway gives up (ProviderUnavailable).
        ["openai"],
    ],
    ids=["whisper-down-offline-hears-nothing", "whisper-down-no-fallback"],
)
def test_every_timing_source_failing_ends_in_proportional_timing(
    openai_only, settings, tmp_path, chain
):
    route(settings, tmp_path, Operation.TRANSCRIPTION, chain)
    openai_only.always("openai.transcription", Fail(500, message="whisper is down"))

    story = pipeline.run(text_story().id)

    assert story.status == StoryStatus.READY, story.failure_detail
    assert story.stage_outputs["time_words"] == {"source": "proportional"}
    stamps = story.word_timestamps
    assert [s["word"] for s in stamps] == story.text.split()
    assert stamps[0]["start"] == 0.0
    assert stamps[-1]["end"] == pytest.approx(story.audio_duration_seconds, abs=0.01)
    assert all(a["end"] <= b["start"] + 1e-6 for a, b in itertools.pairwise(stamps))
    assert story.content_warnings == [PROPORTIONAL_TIMING_WARNING]
    # Whisper was really asked (and retried); every attempt is in the ledger as a failure.
    assert len(openai_only.requests("openai.transcription")) == settings.MIRA_AI_RETRY_ATTEMPTS
    timing = AIOperation.objects.filter(story_id=story.id, operation_type="transcription")
    assert {(r.vendor, r.success) for r in timing if r.vendor == "openai"} == {("openai", False)}
    if "local" in chain:
        local = timing.get(vendor="local")
        assert local.success  # it ran and heard nothing: no words, not a crash


def test_a_story_timed_by_transcription_carries_no_timing_warning(openai_only, settings, tmp_path):
    route(settings, tmp_path, Operation.TRANSCRIPTION, ["openai"])
    story = text_story()
    from ai_providers.tests.fakevendor import DEFAULT_STORY

    openai_only.transcript = DEFAULT_STORY.format(name="Mia").split("\n\n", 1)[1].split()
    story = pipeline.run(story.id)
    assert story.status == StoryStatus.READY, story.failure_detail
    assert story.stage_outputs["time_words"] == {"source": "transcription"}
    assert PROPORTIONAL_TIMING_WARNING not in story.content_warnings
