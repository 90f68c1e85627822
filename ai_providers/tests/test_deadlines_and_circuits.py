"""The gateway against the fake vendor: a deadline in the call context stops retries and
fallbacks, and circuits are per (provider, operation)."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from ai_providers import gateway, resilience
from ai_providers.errors import StageBudgetExceeded
from ai_providers.models import AIOperation
from ai_providers.tests.conftest import ctx, route, rows
from ai_providers.tests.fakevendor import Fail, Slow
from ai_providers.types import (
    Deadline,
    Operation,
    SpeechRequest,
    StoryContext,
    StoryRequest,
)
from stories.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STORY = StoryRequest(context=StoryContext(kid_name="Mia", kid_age=5), max_tokens=300)


def test_openai_chat_failing_opens_only_the_chat_circuit_and_tts_still_uses_openai(
    vendors, settings, tmp_path
):
    settings.MIRA_AI_CIRCUIT_FAILURES = 2
    route(settings, tmp_path, Operation.STORY_GENERATION, ["openai", "local"])
    vendors.always("openai.chat", Fail(500))
    user = UserFactory()

    gateway.call(Operation.STORY_GENERATION, STORY, ctx(user))
    assert rows() == [("openai", False, "server_error")] * 2 + [("local", True, "")]
    chat = resilience.CircuitBreaker("openai", Operation.STORY_GENERATION)
    assert chat.state() == resilience.OPEN

    spoken = gateway.call(Operation.TEXT_TO_SPEECH, SpeechRequest(text="Hello, Mia."), ctx(user))
    assert spoken.audio
    assert len(vendors.requests("openai.speech")) == 1  # the speech endpoint was still asked
    speech = AIOperation.objects.get(operation_type="text_to_speech")
    assert (speech.vendor, speech.success) == ("openai", True)
    assert resilience.CircuitBreaker("openai", Operation.TEXT_TO_SPEECH).state() == (
        resilience.CLOSED
    )
    # And chat keeps failing fast while its circuit is open: no request reaches the vendor.
    before = len(vendors.requests("openai.chat"))
    gateway.call(Operation.STORY_GENERATION, STORY, ctx(user))
    assert len(vendors.requests("openai.chat")) == before


def test_a_spent_deadline_stops_retries_and_fallbacks(vendors, settings, tmp_path):
    settings.MIRA_AI_RETRY_ATTEMPTS = 3
    route(settings, tmp_path, Operation.STORY_GENERATION, ["openai", "anthropic", "local"], 10)
    budget = ctx(UserFactory())
    gateway.call(Operation.STORY_GENERATION, STORY, budget)  # warm: SDK imported, client built
    AIOperation.objects.all().delete()
    vendors.always("openai.chat", Slow(5))
    budget = replace(budget, deadline=Deadline.after(1.2), stage="generate_story")
    started = time.monotonic()
    with pytest.raises(StageBudgetExceeded) as caught:
        gateway.call(Operation.STORY_GENERATION, STORY, budget)
    elapsed = time.monotonic() - started
    assert caught.value.code == "stage_timeout"
    # One try, cut to what the budget had left; no second try, no Anthropic, no local.
    assert elapsed < 2.0
    assert rows() == [("openai", False, "timeout")]
    assert not vendors.requests("anthropic.messages")


def test_a_deadline_already_spent_makes_no_call(vendors, settings, tmp_path):
    route(settings, tmp_path, Operation.STORY_GENERATION, ["openai", "local"])
    spent = replace(ctx(UserFactory()), deadline=Deadline.after(0))
    with pytest.raises(StageBudgetExceeded):
        gateway.call(Operation.STORY_GENERATION, STORY, spent)
    assert rows() == []
    assert not vendors.requests("openai.chat")


def test_a_deadline_with_time_left_changes_nothing(vendors, settings, tmp_path):
    route(settings, tmp_path, Operation.STORY_GENERATION, ["openai", "local"])
    vendors.queue("openai.chat", Fail(500))
    roomy = replace(ctx(UserFactory()), deadline=Deadline.after(60))
    result = gateway.call(Operation.STORY_GENERATION, STORY, roomy)
    assert result.text
    assert rows() == [("openai", False, "server_error"), ("openai", True, "")]
