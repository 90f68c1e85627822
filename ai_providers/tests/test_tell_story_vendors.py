"""``manage.py tell_story --json`` as a subprocess against the fake vendor server: with only the
OpenAI variables set the story is made through OpenAI and its cost is exactly the reported
usage at the configured prices; with OpenAI's chat failing, Anthropic writes it and the ledger
holds both."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from ai_providers.config import get_config
from ai_providers.models import AIOperation
from ai_providers.pricing import cost_of
from ai_providers.tests.fakevendor import DEFAULT_STORY, VENDOR_VARIABLES, Fail, Reply
from ai_providers.types import Operation, Usage
from mira.testing import subprocess_env

ROOT = Path(settings.BASE_DIR)
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

VISION_REPLY = Reply(
    content="A smiling hedgehog under a big yellow moon, drawn with lots of joy.",
    usage={"prompt_tokens": 432, "completion_tokens": 57},
)
CLI_ARGS = ("--drawing", "samples/drawing.png", "--kid-name", "Mia", "--age", "5", "--json")
STORY_USAGE = {"prompt_tokens": 1187, "completion_tokens": 391}


def tell(env_extra: dict[str, str], out: Path) -> subprocess.CompletedProcess:
    # Only the vendor variables this test gives: a key in the developer's shell must not leak in.
    env = subprocess_env(
        {"MIRA_AI_RETRY_BASE_DELAY": "0.01", "MIRA_AI_RETRY_MAX_DELAY": "0.05", **env_extra},
        drop=VENDOR_VARIABLES,
    )
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "tell_story", *CLI_ARGS, "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=ROOT,
    )


def _reported_cost(recorded, config) -> Decimal:
    """What the fake server's reply says this call used, at the configured price."""
    openai = config.providers["openai"].models
    anthropic = config.providers["anthropic"].models
    body = recorded.response_json
    if recorded.endpoint == "openai.chat":
        usage = Usage(
            input_tokens=body["usage"]["prompt_tokens"],
            output_tokens=body["usage"]["completion_tokens"],
        )
        is_vision = isinstance(recorded.json["messages"][-1]["content"], list)
        model = openai[Operation.IMAGE_RECOGNITION if is_vision else Operation.STORY_GENERATION]
        return cost_of(model, usage)
    if recorded.endpoint == "openai.judge":  # the story's safety judge, a chat completion
        usage = Usage(
            input_tokens=body["usage"]["prompt_tokens"],
            output_tokens=body["usage"]["completion_tokens"],
        )
        return cost_of(openai[Operation.CONTENT_SAFETY], usage)
    if recorded.endpoint == "anthropic.messages":
        usage = Usage(
            input_tokens=body["usage"]["input_tokens"],
            output_tokens=body["usage"]["output_tokens"],
        )
        is_vision = isinstance(recorded.json["messages"][-1]["content"], list)
        model = anthropic[Operation.IMAGE_RECOGNITION if is_vision else Operation.STORY_GENERATION]
        return cost_of(model, usage)
    if recorded.endpoint == "openai.speech":
        # The speech endpoint bills the characters it was sent.
        return cost_of(
            openai[Operation.TEXT_TO_SPEECH], Usage(characters=len(recorded.json["input"]))
        )
    if recorded.endpoint == "openai.transcription":
        seconds = Decimal(str(body["usage"]["seconds"]))
        return cost_of(openai[Operation.TRANSCRIPTION], Usage(audio_seconds=seconds))
    if recorded.endpoint == "openai.moderations":
        return cost_of(openai[Operation.CONTENT_SAFETY], Usage(requests=1))
    raise AssertionError(f"unexpected vendor call {recorded.endpoint}")


def test_openai_only_story_costs_exactly_the_reported_usage(fake_vendor, tmp_path):
    story_text = DEFAULT_STORY.format(name="Mia")
    fake_vendor.queue("openai.chat", VISION_REPLY, Reply(content=story_text, usage=STORY_USAGE))
    # Whisper "hears" the narration: numbers read out, one word mis-heard.
    heard = (
        story_text.split("\n\n", 1)[1].replace("12", "twelve").replace("hedgehogs", "hedge hogs")
    )
    fake_vendor.transcript = heard.split()
    out = tmp_path / "story"
    result = tell({"OPENAI_API_KEY": "sk-fake", "OPENAI_BASE_URL": f"{fake_vendor.url}/v1"}, out)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)

    rows = AIOperation.objects.filter(story_id=summary["story_id"])
    by_stage = {(r.stage, r.vendor) for r in rows}
    assert {
        ("analyse_input", "openai"),
        ("generate_story", "openai"),
        ("check_safety", "openai"),
        ("narrate", "openai"),
        ("time_words", "openai"),
        ("paint_cover", "local"),  # free tier: covers are painted offline
    } == by_stage
    assert all(r.success for r in rows)

    config = get_config()
    served = [r for r in fake_vendor.requests() if r.status == 200]
    expected = sum((_reported_cost(r, config) for r in served), Decimal(0))
    assert expected > Decimal("0.01")
    assert sum(r.cost_usd for r in rows) == expected
    assert Decimal(summary["total_cost_usd"]) == expected.quantize(Decimal("0.0001"))

    # The read-along highlights the story as written, timed from what Whisper heard.
    stamps = json.loads((out / "timestamps.json").read_text())
    text = (out / "story.txt").read_text().split("\n\n", 1)[1]
    assert [s["word"] for s in stamps] == text.split()
    starts = [s["start"] for s in stamps]
    assert starts == sorted(starts) and all(s["end"] >= s["start"] for s in stamps)
    twelve = next(s for s in stamps if s["word"] == "12")
    assert twelve["end"] > twelve["start"]
    from stories.models import Story

    story = Story.objects.get(pk=summary["story_id"])
    assert story.stage_outputs["time_words"]["source"] == "transcription"
    # Every request identified the parent only by the salted hash.
    chat = fake_vendor.requests("openai.chat")
    assert all(r.json["safety_identifier"].startswith("user_") for r in chat)
    assert not fake_vendor.requests("anthropic.messages")


def test_openai_chat_failing_means_anthropic_writes_and_both_are_in_the_ledger(
    fake_vendor, tmp_path
):
    fake_vendor.always("openai.chat", Fail(500, message="chat is down"))
    fake_vendor.transcript = DEFAULT_STORY.format(name="Mia").split("\n\n", 1)[1].split()
    result = tell(
        {
            "OPENAI_API_KEY": "sk-fake",
            "OPENAI_BASE_URL": f"{fake_vendor.url}/v1",
            "ANTHROPIC_API_KEY": "sk-ant-fake",
            "ANTHROPIC_BASE_URL": fake_vendor.url,
        },
        tmp_path / "story",
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    rows = AIOperation.objects.filter(story_id=summary["story_id"])
    story_rows = list(rows.filter(stage="generate_story").order_by("attempt"))
    assert story_rows[-1].vendor == "anthropic" and story_rows[-1].success
    assert story_rows[-1].model_used == "claude-sonnet-4-6"
    failed = [r for r in story_rows if not r.success]
    assert failed and {r.vendor for r in failed} == {"openai"}
    assert {r.error_code for r in failed} == {"server_error"}
    # The total includes every attempt; failed ones cost nothing.
    assert Decimal(summary["total_cost_usd"]) == sum(r.cost_usd for r in rows).quantize(
        Decimal("0.0001")
    )
    assert len(fake_vendor.requests("anthropic.messages")) >= 2  # drawing and story
