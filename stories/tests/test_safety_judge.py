"""The LLM safety judge of finished stories (prompts/system/content_safety.yaml), run through
the gateway with the real OpenAI SDK against the fake vendor: a story it flags is rewritten
once with the reason, a second flag fails it with ``content_warnings``, an unclear verdict
counts as a flag, and a judge that cannot answer never lets a story through unjudged."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ai_providers.models import AIOperation
from ai_providers.providers.common import JUDGE_UNCLEAR, judge_verdict
from ai_providers.tests.conftest import route, vendors  # noqa: F401  (fixture)
from ai_providers.tests.fakevendor import Fail, Malformed, Reply
from ai_providers.types import Operation
from stories import pipeline
from stories.models import InputKind, ParentPreferences, Stage, Story, StoryStatus
from stories.tests.factories import KidFactory

pytestmark = pytest.mark.django_db(transaction=True)

GROOMING = {
    "flagged": True,
    "categories": ["grooming"],
    "reasons": ["A grown-up asks the child to keep a secret from her parents."],
}


def verdict(body: dict | str) -> Reply:
    return Reply(content=body if isinstance(body, str) else json.dumps(body))


def text_story(text: str = "a trip to the seaside", kid=None) -> Story:
    kid = kid or KidFactory(name="Mia", age=5)
    return Story.objects.create(
        owner=kid.parent, kid=kid, input_kind=InputKind.TEXT, input_text=text
    )


def judge_rows(story: Story):
    return AIOperation.objects.filter(
        story_id=story.id, operation_type="content_safety", model_used__startswith="gpt-4o-mini"
    ).order_by("created_at")


def test_a_story_the_judge_flags_is_rewritten_once_with_the_reason(vendors):  # noqa: F811
    vendors.queue("openai.judge", verdict(GROOMING))
    story = pipeline.run(text_story().id)
    assert story.status == StoryStatus.READY, story.content_warnings
    assert story.stage_outputs[Stage.CHECK_SAFETY.value]["flagged_attempts"] == 1
    writes = vendors.requests("openai.chat")
    assert len(writes) == 2
    assert "keep a secret from her parents" in writes[1].text  # the reason went to the writer
    judged = vendors.requests("openai.judge")
    assert len(judged) == 2  # every version of the story is judged
    sent = judged[0].json
    assert sent["model"] == "gpt-4o-mini" and sent["response_format"] == {"type": "json_object"}
    system, user = sent["messages"][0]["content"], sent["messages"][1]["content"]
    assert "aged 5" in system and "grooming" in system and "body_shaming" in system
    assert "<data>" in user and "The Moonlight Garden" in user
    # Costed like any call: a ledger row per judgement, priced from the reported tokens.
    rows = list(judge_rows(story))
    assert len(rows) == 2 and all(r.success and r.cost_usd > 0 for r in rows)
    usage = judged[0].response_json["usage"]
    expected = (
        Decimal("0.00000015") * usage["prompt_tokens"]
        + Decimal("0.0000006") * usage["completion_tokens"]
    )
    assert rows[0].cost_usd == expected.quantize(rows[0].cost_usd)
    assert rows[0].input_size == usage["prompt_tokens"]
    assert rows[0].prompt_version == "1.1"
    assert story.total_cost >= sum(r.cost_usd for r in rows)


def test_a_story_flagged_twice_fails_with_content_warnings(vendors):  # noqa: F811
    vendors.queue("openai.judge", verdict(GROOMING), verdict(GROOMING))
    story = pipeline.run(text_story().id)
    assert story.status == StoryStatus.FAILED
    assert story.failure_code == "unsafe_story"
    assert story.content_warnings == [
        "safety review: A grown-up asks the child to keep a secret from her parents."
    ]
    assert not vendors.requests("openai.speech")  # never narrated
    assert len(vendors.requests("openai.chat")) == 2


def test_malformed_judge_json_counts_as_a_flag(vendors):  # noqa: F811
    vendors.queue("openai.judge", verdict('{"flagged": maybe'), verdict("Looks fine to me!"))
    story = pipeline.run(text_story().id)
    assert story.failure_code == "unsafe_story"
    assert story.content_warnings == ["the safety review gave no clear verdict"]
    assert len(judge_rows(story)) == 2  # both unclear replies were billed and recorded


def test_one_unclear_verdict_then_a_clear_pass_delivers(vendors):  # noqa: F811
    vendors.queue("openai.judge", verdict({"flagged": "no"}))
    story = pipeline.run(text_story().id)
    assert story.status == StoryStatus.READY, story.content_warnings
    assert story.stage_outputs[Stage.CHECK_SAFETY.value]["flagged_attempts"] == 1


def test_a_judge_that_cannot_answer_fails_the_story_closed(vendors):  # noqa: F811
    # Every try of every judge fails (and a 200 with an unreadable body): the offline rules are
    # no judge and are never asked to be one, so the story is not delivered.
    vendors.always("openai.judge", Fail(500))
    vendors.always("anthropic.judge", Fail(500))
    story = pipeline.run(text_story().id)
    assert story.status == StoryStatus.FAILED
    assert story.failure_code == "safety_judge_unavailable"
    assert not vendors.requests("openai.speech")
    vendors.reset()
    vendors.always("openai.judge", Malformed(b"<html>"))
    vendors.always("anthropic.judge", Malformed(b"<html>"))
    story = pipeline.run(text_story().id)
    assert story.failure_code == "safety_judge_unavailable"


def test_a_judge_that_is_down_falls_back_to_the_next_judge(vendors):  # noqa: F811
    vendors.always("openai.judge", Fail(500))
    vendors.queue("anthropic.judge", verdict(GROOMING))
    story = pipeline.run(text_story().id)
    assert story.status == StoryStatus.READY, (story.failure_code, story.content_warnings)
    assert story.stage_outputs[Stage.CHECK_SAFETY.value]["flagged_attempts"] == 1
    assert len(vendors.requests("anthropic.judge")) == 2


def test_the_judge_is_told_the_avoided_topics(vendors):  # noqa: F811
    kid = KidFactory(name="Mia", age=7)
    ParentPreferences.objects.create(parent=kid.parent, avoid_topics=["spiders"])
    story = pipeline.run(text_story(kid=kid).id)
    assert story.status == StoryStatus.READY, story.content_warnings
    user = vendors.requests("openai.judge")[0].json["messages"][1]["content"]
    assert "Topics the parent asked to avoid: spiders" in user


def test_offline_there_is_no_judge_call():
    story = pipeline.run(text_story().id)
    assert story.status == StoryStatus.READY, story.content_warnings
    assert not judge_rows(story)
    assert set(
        AIOperation.objects.filter(story_id=story.id, operation_type="content_safety").values_list(
            "vendor", flat=True
        )
    ) == {"local"}


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"flagged": false, "categories": [], "reasons": []}', (False, (), ())),
        (
            '```json\n{"flagged": true, "categories": ["hate"], "reasons": ["Mocks a group."]}\n```',
            (True, ("hate",), ("safety review: Mocks a group.",)),
        ),
        (
            '{"flagged": true, "categories": ["scary"], "reasons": []}',
            (True, ("scary",), ("safety review: scary",)),
        ),
    ],
)
def test_judge_verdicts_that_are_clear(reply, expected):
    assert judge_verdict(reply) == expected


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "no",
        "[]",
        '{"flagged": "false"}',
        '{"flagged": false, "categories": ["violence"], "reasons": []}',
        '{"flagged": true, "categories": "violence", "reasons": []}',
        '{"flagged": true, "categories": [], "reasons": [1]}',
    ],
)
def test_judge_verdicts_that_are_unclear_count_as_flagged(reply):
    flagged, categories, _reasons = judge_verdict(reply)
    assert flagged and categories == (JUDGE_UNCLEAR,)


# --- who judges: every vendor story, whatever the routing; never the offline rules ---------------


def _switch(key: str, value) -> None:
    from remoteconfig.services import config_set

    config_set(key=key, value=value, author=None, reason="test")


def _past_free_threshold(user) -> None:
    from usage.models import UsageAccount
    from usage.services import account_limits_adjust
    from usage.windows import current_windows

    account_limits_adjust(
        user_id=user.pk,
        actor=None,
        daily_cost_limit=Decimal("100"),
        monthly_cost_limit=Decimal("1000"),
        daily_operations_limit=1000,
        monthly_operations_limit=10000,
    )
    UsageAccount.objects.filter(user_id=user.pk).update(
        daily_cost_usd=Decimal("5.00"), daily_reset_date=current_windows().day
    )


@pytest.mark.parametrize("why", ["cheapest_forced", "free_family_past_threshold"])
def test_cheapest_routing_writes_offline_and_delivers_without_a_judge(vendors, why):  # noqa: F811
    # The cheapest provider of every operation is the offline one: the story is composed from
    # vetted content, which needs no judge, and the judge request never lands on the rules
    # (which would answer "not judged" and fail every such story).
    kid = KidFactory(name="Mia", age=5)
    if why == "cheapest_forced":
        _switch("force_cheapest_providers", True)
    else:
        _past_free_threshold(kid.parent)
    story = pipeline.run(text_story(kid=kid).id)
    assert story.status == StoryStatus.READY, (story.failure_code, story.content_warnings)
    written = AIOperation.objects.get(story_id=story.id, operation_type="story_generation")
    assert written.vendor == "local"
    assert not vendors.requests("openai.judge") and not vendors.requests("anthropic.judge")


def test_a_vendor_story_is_judged_even_when_cheapest_providers_are_forced(
    vendors,  # noqa: F811
    settings,
    tmp_path,
):
    route(settings, tmp_path, Operation.STORY_GENERATION, ["openai"])
    _switch("force_cheapest_providers", True)
    vendors.queue("openai.judge", verdict(GROOMING))
    story = pipeline.run(text_story().id)
    assert story.status == StoryStatus.READY, (story.failure_code, story.content_warnings)
    assert story.stage_outputs[Stage.CHECK_SAFETY.value]["flagged_attempts"] == 1
    assert len(vendors.requests("openai.judge")) == 2
    assert not judge_rows(story).filter(success=False).exists()
    assert not AIOperation.objects.filter(
        story_id=story.id, operation_type="content_safety", vendor="local", success=False
    ).exists()


def test_anthropic_judges_when_openai_is_switched_off(vendors, settings, tmp_path):  # noqa: F811
    route(settings, tmp_path, Operation.STORY_GENERATION, ["anthropic", "local"])
    _switch("providers.openai", {"enabled": False, "reason": "outage"})
    vendors.queue("anthropic.judge", verdict(GROOMING))
    story = pipeline.run(text_story().id)
    assert story.status == StoryStatus.READY, (story.failure_code, story.content_warnings)
    assert story.stage_outputs[Stage.CHECK_SAFETY.value]["flagged_attempts"] == 1
    judged = vendors.requests("anthropic.judge")
    assert len(judged) == 2  # the flagged story and its rewrite
    sent = judged[0].json
    assert sent["model"] == "claude-haiku-4-5" and "aged 5" in sent["system"]
    assert sent["messages"][-1] == {"role": "assistant", "content": "{"}
    assert "keep a secret from her parents" in vendors.requests("anthropic.messages")[1].text
    rows = AIOperation.objects.filter(
        story_id=story.id, operation_type="content_safety", vendor="anthropic"
    ).order_by("created_at")
    assert rows.count() == 2 and all(r.success and r.cost_usd > 0 for r in rows)
    usage = judged[0].response_json["usage"]
    expected = (
        Decimal("0.000001") * usage["input_tokens"] + Decimal("0.000005") * usage["output_tokens"]
    )
    assert rows.first().cost_usd == expected.quantize(rows.first().cost_usd)
    assert not vendors.requests("openai.judge") and not vendors.requests("openai.moderations")


def test_a_vendor_story_with_no_judge_configured_is_not_delivered(
    vendors,  # noqa: F811
    settings,
    tmp_path,
):
    route(settings, tmp_path, Operation.STORY_GENERATION, ["anthropic"])
    route(settings, tmp_path, Operation.CONTENT_SAFETY, ["local"])
    story = pipeline.run(text_story().id)
    assert story.status == StoryStatus.FAILED
    assert story.failure_code == "safety_judge_unavailable"
    assert "written by anthropic" in story.failure_detail
    assert not vendors.requests("openai.speech")


def test_providers_say_which_safety_requests_they_serve():
    from ai_providers.providers.anthropic import AnthropicProvider
    from ai_providers.providers.local.provider import LocalProvider
    from ai_providers.providers.openai import OpenAIProvider
    from ai_providers.types import Operation, SafetyRequest

    moderation = SafetyRequest(text="A story.")
    judge = SafetyRequest(text="A story.", system_prompt="Judge it.", user_prompt="<data>")
    served = {
        cls.name: (
            cls.serves(cls, Operation.CONTENT_SAFETY, moderation),
            cls.serves(cls, Operation.CONTENT_SAFETY, judge),
        )
        for cls in (LocalProvider, OpenAIProvider, AnthropicProvider)
    }
    assert served == {"local": (True, False), "openai": (True, True), "anthropic": (False, True)}
