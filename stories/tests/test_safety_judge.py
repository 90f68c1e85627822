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
from ai_providers.tests.conftest import vendors  # noqa: F401  (fixture)
from ai_providers.tests.fakevendor import Fail, Malformed, Reply
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
    # Every try fails (and a 200 with an unreadable body): the chain falls back to the offline
    # rules, which are no judge, so the story is not delivered.
    vendors.always("openai.judge", Fail(500))
    story = pipeline.run(text_story().id)
    assert story.status == StoryStatus.FAILED
    assert story.failure_code == "safety_judge_unavailable"
    assert not vendors.requests("openai.speech")
    vendors.reset()
    vendors.always("openai.judge", Malformed(b"<html>"))
    story = pipeline.run(text_story().id)
    assert story.failure_code == "safety_judge_unavailable"


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
