"""Every vendor adapter, through the real SDK, against the fake vendor server on 127.0.0.1:
success (priced from the usage the server reported), 429 + Retry-After, 500 then fallback,
timeout, malformed body, and an open circuit."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache

from ai_providers import gateway, resilience
from ai_providers.models import AIOperation
from ai_providers.tests.conftest import ctx, route, rows
from ai_providers.tests.fakevendor import (
    Fail,
    Malformed,
    Reply,
    Slow,
    make_wav,
)
from ai_providers.types import (
    ImageAnalysisRequest,
    ImageAnalysisResult,
    ImageGenerationRequest,
    ImageGenerationResult,
    Operation,
    SafetyRequest,
    SafetyResult,
    SpeechRequest,
    SpeechResult,
    StoryContext,
    StoryRequest,
    StoryResult,
    TranscriptionRequest,
    TranscriptionResult,
)
from stories.tests.factories import UserFactory, drawing_bytes

pytestmark = pytest.mark.django_db

SPOKEN = "Mia found 3 shiny pebbles by the river and smiled."


@dataclass(frozen=True)
class Case:
    vendor: str
    operation: Operation
    endpoint: str
    request: Any
    result_type: type
    reply: Reply  # a success with known reported usage
    expected_cost: Any  # Decimal, or a function of the recorded request


def _google_billed(recorded) -> Decimal:
    ssml = recorded.json["input"]["ssml"]
    marks = re.findall(r'<mark name="[^"]*"/>', ssml)
    return (len(ssml) - sum(map(len, marks))) * Decimal("0.000016")


def _requests() -> dict[str, Any]:
    return {
        "story": StoryRequest(
            context=StoryContext(kid_name="Mia", kid_age=5),
            system_prompt="You are Mira.",
            user_prompt="Write a short story for Mia.",
            max_tokens=900,
        ),
        "image": ImageAnalysisRequest(
            image=drawing_bytes(),
            mime_type="image/png",
            kid_age=5,
            system_prompt="Describe drawings kindly.",
            user_prompt="What is in this drawing?",
        ),
        "safety": SafetyRequest(text="A kind bear shares honey."),
        "speech": SpeechRequest(text=SPOKEN),
        "audio": TranscriptionRequest(audio=make_wav(2.0), mime_type="audio/wav", language="en"),
        "cover": ImageGenerationRequest(prompt="A gentle cover", title="The Moon"),
    }


R = _requests()
STORY_REPLY = "Title: The Brave Little Kite\n\nMia flew a kite.\n\nIt danced with the clouds."
CASES = [
    Case(
        "openai",
        Operation.STORY_GENERATION,
        "openai.chat",
        R["story"],
        StoryResult,
        Reply(content=STORY_REPLY, usage={"prompt_tokens": 1234, "completion_tokens": 567}),
        Decimal("1234") * Decimal("0.0000025") + 567 * Decimal("0.00001"),
    ),
    Case(
        "openai",
        Operation.IMAGE_RECOGNITION,
        "openai.chat",
        R["image"],
        ImageAnalysisResult,
        Reply(content="A happy dog.", usage={"prompt_tokens": 400, "completion_tokens": 60}),
        400 * Decimal("0.0000025") + 60 * Decimal("0.00001"),
    ),
    Case(
        "openai",
        Operation.CONTENT_SAFETY,
        "openai.moderations",
        R["safety"],
        SafetyResult,
        Reply(),
        Decimal("0"),
    ),
    Case(
        "openai",
        Operation.TEXT_TO_SPEECH,
        "openai.speech",
        R["speech"],
        SpeechResult,
        Reply(),
        len(SPOKEN) * Decimal("0.000015"),
    ),
    Case(
        "openai",
        Operation.TRANSCRIPTION,
        "openai.transcription",
        R["audio"],
        TranscriptionResult,
        Reply(words=["Mia", "found", "three"], seconds=7),
        Decimal(7) / 60 * Decimal("0.006"),
    ),
    Case(
        "openai",
        Operation.IMAGE_GENERATION,
        "openai.images",
        R["cover"],
        ImageGenerationResult,
        Reply(),
        Decimal("0.040"),
    ),
    Case(
        "anthropic",
        Operation.STORY_GENERATION,
        "anthropic.messages",
        R["story"],
        StoryResult,
        Reply(content=STORY_REPLY, usage={"input_tokens": 1500, "output_tokens": 700}),
        1500 * Decimal("0.000003") + 700 * Decimal("0.000015"),
    ),
    Case(
        "anthropic",
        Operation.IMAGE_RECOGNITION,
        "anthropic.messages",
        R["image"],
        ImageAnalysisResult,
        Reply(content="A dog in the sun.", usage={"input_tokens": 900, "output_tokens": 80}),
        900 * Decimal("0.000003") + 80 * Decimal("0.000015"),
    ),
    Case(
        "google",
        Operation.TEXT_TO_SPEECH,
        "google.tts",
        R["speech"],
        SpeechResult,
        Reply(),
        _google_billed,
    ),
    Case(
        "google",
        Operation.IMAGE_RECOGNITION,
        "google.vision",
        R["image"],
        ImageAnalysisResult,
        Reply(),
        3 * Decimal("0.0015"),
    ),
    Case(
        "azure",
        Operation.TEXT_TO_SPEECH,
        "azure.tts",
        R["speech"],
        SpeechResult,
        Reply(),
        len(SPOKEN) * Decimal("0.000015"),
    ),
    Case(
        "azure",
        Operation.TRANSCRIPTION,
        "azure.transcription",
        R["audio"],
        TranscriptionResult,
        Reply(words=["Mia", "found", "three"], duration=2.5),
        Decimal("2.5") / 60 * Decimal("0.0167"),
    ),
]
IDS = [f"{c.vendor}-{c.operation.value}" for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_success_is_priced_from_the_reported_usage(vendors, settings, tmp_path, case):
    route(settings, tmp_path, case.operation, [case.vendor, "local"])
    vendors.queue(case.endpoint, case.reply)
    user = UserFactory(username="parent-with-a-name")
    result = gateway.call(case.operation, case.request, ctx(user))
    assert isinstance(result, case.result_type)
    op = AIOperation.objects.get()
    assert (op.vendor, op.success, op.attempt) == (case.vendor, True, 1)
    sent = vendors.requests(case.endpoint)
    assert len(sent) == 1
    expected = case.expected_cost(sent[0]) if callable(case.expected_cost) else case.expected_cost
    assert op.cost_usd == expected.quantize(Decimal("0.000001"))
    # Nothing that identifies the parent ever reaches a vendor.
    for recorded in vendors.requests():
        blob = recorded.text + json.dumps(recorded.headers)
        assert str(user.pk) not in blob and user.username not in blob


def test_results_are_translated_faithfully(vendors, settings, tmp_path):
    user = UserFactory()
    route(settings, tmp_path, Operation.STORY_GENERATION, ["openai"])
    vendors.queue("openai.chat", Reply(content=STORY_REPLY))
    story = gateway.call(Operation.STORY_GENERATION, R["story"], ctx(user))
    assert story.title == "The Brave Little Kite"
    assert story.text == "Mia flew a kite.\n\nIt danced with the clouds."
    assert story.model.startswith("gpt-4o")
    sent = vendors.requests("openai.chat")[0].json
    assert sent["safety_identifier"] == gateway.vendor_user_hash(user.pk)
    assert "metadata" not in sent  # OpenAI refuses metadata on unstored completions
    assert sent["max_completion_tokens"] == 900

    route(settings, tmp_path, Operation.STORY_GENERATION, ["anthropic"])
    gateway.call(Operation.STORY_GENERATION, R["story"], ctx(user))
    sent = vendors.requests("anthropic.messages")[0].json
    assert sent["metadata"] == {"user_id": gateway.vendor_user_hash(user.pk)}
    assert sent["system"] == "You are Mira."

    route(settings, tmp_path, Operation.IMAGE_RECOGNITION, ["anthropic"])
    gateway.call(Operation.IMAGE_RECOGNITION, R["image"], ctx(user))
    blocks = vendors.requests("anthropic.messages")[1].json["messages"][0]["content"]
    assert blocks[0]["type"] == "image" and blocks[0]["source"]["media_type"] == "image/png"

    route(settings, tmp_path, Operation.TEXT_TO_SPEECH, ["google"])
    spoken = gateway.call(Operation.TEXT_TO_SPEECH, R["speech"], ctx(user))
    assert [m.word for m in spoken.word_marks] == SPOKEN.split()
    assert spoken.mime_type == "audio/wav" and spoken.duration_seconds > 1
    tts = vendors.requests("google.tts")[0]
    assert tts.json["enableTimePointing"] == ["SSML_MARK"]
    assert tts.headers["authorization"].startswith("Bearer ")

    route(settings, tmp_path, Operation.IMAGE_RECOGNITION, ["google"])
    seen = gateway.call(Operation.IMAGE_RECOGNITION, R["image"], ctx(user))
    assert seen.subjects[0] == "dog" and seen.palette[0] == "#fad228"

    route(settings, tmp_path, Operation.TRANSCRIPTION, ["openai"])
    vendors.queue("openai.transcription", Reply(words=["Mia", "found", "3", "pebbles"]))
    heard = gateway.call(Operation.TRANSCRIPTION, R["audio"], ctx(user))
    assert [w.word for w in heard.words] == ["Mia", "found", "3", "pebbles"]
    assert heard.duration_seconds == pytest.approx(2.0) and 0.8 < heard.confidence <= 1
    form = vendors.requests("openai.transcription")[0].form
    assert form["response_format"][1] == b"verbose_json"
    assert form["timestamp_granularities[]"][1] == b"word"

    route(settings, tmp_path, Operation.TEXT_TO_SPEECH, ["azure"])
    gateway.call(Operation.TEXT_TO_SPEECH, R["speech"], ctx(user))
    azure = vendors.requests("azure.tts")[0]
    assert azure.headers["ocp-apim-subscription-key"] == "fake-azure-key"
    assert azure.headers["x-microsoft-outputformat"] == "riff-24khz-16bit-mono-pcm"

    route(settings, tmp_path, Operation.CONTENT_SAFETY, ["openai"])
    vendors.queue("openai.moderations", Reply(categories=["violence"]))
    verdict = gateway.call(Operation.CONTENT_SAFETY, R["safety"], ctx(user))
    assert verdict.flagged and verdict.categories == ("violence",)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_429_with_retry_after_is_waited_for_then_retried(vendors, settings, tmp_path, case):
    route(settings, tmp_path, case.operation, [case.vendor, "local"])
    vendors.queue(case.endpoint, Fail(429, retry_after=2), case.reply)
    gateway.call(case.operation, case.request, ctx(UserFactory()))
    assert rows() == [(case.vendor, False, "rate_limited"), (case.vendor, True, "")]
    failed = AIOperation.objects.get(success=False)
    assert failed.metadata["retry_after"] == 2 and failed.metadata["wait_seconds"] == 2
    assert failed.metadata["status_code"] == 429
    assert vendors.waits == [2]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_500s_are_retried_with_backoff_then_fall_back(vendors, settings, tmp_path, case):
    route(settings, tmp_path, case.operation, [case.vendor, "local"])
    vendors.always(case.endpoint, Fail(500))
    result = gateway.call(case.operation, case.request, ctx(UserFactory()))
    assert isinstance(result, case.result_type)
    assert rows() == [(case.vendor, False, "server_error")] * 3 + [("local", True, "")]
    assert len(vendors.requests(case.endpoint)) == 3
    # Full jitter: each wait is within [0, base * 2**n] (capped).
    assert len(vendors.waits) == 2
    assert 0 <= vendors.waits[0] <= 0.001 and 0 <= vendors.waits[1] <= 0.002


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_timeout_is_enforced_and_falls_back(vendors, settings, tmp_path, case):
    settings.MIRA_AI_RETRY_ATTEMPTS = 2
    route(settings, tmp_path, case.operation, [case.vendor, "local"], timeout=0.3)
    vendors.queue(case.endpoint, Slow(1.0), Slow(1.0))
    result = gateway.call(case.operation, case.request, ctx(UserFactory()))
    assert isinstance(result, case.result_type)
    assert rows() == [(case.vendor, False, "timeout")] * 2 + [("local", True, "")]
    for op in AIOperation.objects.filter(success=False):
        assert 250 <= op.processing_time_ms < 900


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_malformed_body_falls_back_without_repeating_the_call(vendors, settings, tmp_path, case):
    route(settings, tmp_path, case.operation, [case.vendor, "local"])
    body = b"<html>502 bad gateway</html>" if case.vendor == "azure" else b'{"choices": 7}'
    vendors.queue(case.endpoint, Malformed(body, "application/json"))
    result = gateway.call(case.operation, case.request, ctx(UserFactory()))
    assert isinstance(result, case.result_type)
    assert rows() == [(case.vendor, False, "malformed_response"), ("local", True, "")]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_open_circuit_fails_fast_then_half_opens(vendors, settings, tmp_path, case):
    settings.MIRA_AI_CIRCUIT_FAILURES = 2
    settings.MIRA_AI_CIRCUIT_COOLDOWN_SECONDS = 30
    route(settings, tmp_path, case.operation, [case.vendor, "local"])
    vendors.queue(case.endpoint, Fail(503), Fail(503))
    user = UserFactory()
    gateway.call(case.operation, case.request, ctx(user))
    # Two consecutive failures opened the circuit: the third try was not made.
    assert rows() == [(case.vendor, False, "server_error")] * 2 + [("local", True, "")]
    assert resilience.CircuitBreaker(case.vendor, case.operation).state() == resilience.OPEN

    AIOperation.objects.all().delete()
    gateway.call(case.operation, case.request, ctx(user))
    assert rows() == [("local", True, "")]  # failed fast: no request, no vendor row
    assert len(vendors.requests(case.endpoint)) == 2

    # The cool-down passes (rewinding the shared state rather than sleeping 30 s).
    cache.set(
        f"ai:circuit:{case.vendor}:{case.operation}:open_until", time.time() - 0.01, timeout=None
    )
    assert resilience.CircuitBreaker(case.vendor, case.operation).state() == resilience.HALF_OPEN
    AIOperation.objects.all().delete()
    vendors.queue(case.endpoint, case.reply)
    gateway.call(case.operation, case.request, ctx(user))
    assert rows() == [(case.vendor, True, "")]  # the half-open probe succeeded
    assert resilience.CircuitBreaker(case.vendor, case.operation).state() == resilience.CLOSED
