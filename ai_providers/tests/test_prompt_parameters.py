"""Each vendor gets the parameters its prompt entry declares, and every one of them is sent
(checked on the wire at the fake vendor, through the real SDKs)."""

from __future__ import annotations

import pytest

from ai_providers import gateway
from ai_providers.registry import PROVIDER_CLASSES, sendable_parameters
from ai_providers.tests.conftest import ctx, route
from ai_providers.types import Operation, StoryContext, StoryRequest
from prompts_app.rendering import prompt_resolve, vendor_parameters
from stories.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CONTEXT = StoryContext(kid_name="Mia", kid_age=5)


def story_parameters() -> dict:
    return vendor_parameters(prompt_resolve("story_generation").parameters)


def test_openai_gets_its_own_parameters_all_of_them(vendors, settings, tmp_path):
    route(settings, tmp_path, Operation.STORY_GENERATION, ["openai", "local"])
    parameters = story_parameters()
    request = StoryRequest(context=CONTEXT, max_tokens=111, parameters=parameters)
    gateway.call(Operation.STORY_GENERATION, request, ctx(UserFactory()))
    sent = vendors.requests("openai.chat")[0].json
    declared = parameters["openai"]
    assert sent["max_completion_tokens"] == declared["max_tokens"]
    for name in ("temperature", "top_p", "frequency_penalty", "presence_penalty"):
        assert sent[name] == declared[name], name


def test_anthropic_gets_its_own_parameters_not_openais(vendors, settings, tmp_path):
    parameters = {
        **story_parameters(),
        "openai": {"max_tokens": 50, "temperature": 1.9},
        "anthropic": {"max_tokens": 777, "temperature": 0.3, "top_k": 40},
    }
    request = StoryRequest(context=CONTEXT, parameters=parameters)
    route(settings, tmp_path, Operation.STORY_GENERATION, ["anthropic", "local"])
    gateway.call(Operation.STORY_GENERATION, request, ctx(UserFactory()))
    sent = vendors.requests("anthropic.messages")[0].json
    assert sent["max_tokens"] == 777
    assert sent["temperature"] == 0.3 and sent["top_k"] == 40
    assert "frequency_penalty" not in sent


def test_every_declared_parameter_of_the_shipped_prompts_can_be_sent():
    for prompt_type, operation in (
        ("story_generation", "story_generation"),
        ("image_recognition", "image_recognition"),
        ("audio_transcription", "transcription"),
        ("content_safety", "content_safety"),
    ):
        declared = vendor_parameters(prompt_resolve(prompt_type).parameters)
        for vendor, values in declared.items():
            assert vendor in PROVIDER_CLASSES
            missing = set(values) - sendable_parameters(vendor, operation)
            assert not missing, (prompt_type, vendor, missing)
