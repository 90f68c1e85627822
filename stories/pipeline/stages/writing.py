"""Stages 3-4: write the story (with its experiment exposure) and check its safety."""

from __future__ import annotations

import time
import uuid
from typing import Any

from ai_providers import gateway
from ai_providers.errors import ProviderUnavailable, StageBudgetExceeded
from ai_providers.selectors import operation_list, story_writer_vendor
from ai_providers.types import Operation, SafetyRequest, StoryContext, StoryRequest
from experiments.selectors import analytics_for_story
from experiments.services import exposure_close, exposure_open, prompt_choice_for
from experiments.types import PromptChoice
from mira.vocabulary import age_group
from prompts_app.rendering import (
    prompt_render,
    prompt_resolve,
    story_guidance,
    story_variables,
    vendor_parameters,
)

from ...errors import StoryFailed
from ...models import Stage, Story
from ...quality import story_failures
from ..checkpoints import stage_complete, stage_started
from ..safety import story_findings
from .context import _load, _ms_since, call_context

# --- 3. generate story ---------------------------------------------------------------------------


def _story_context(story: Story) -> tuple[StoryContext, dict[str, Any]]:
    saved = story.stage_outputs[Stage.BUILD_CONTEXT.value]
    raw = dict(saved["context"])
    for key in ("kid_interests", "colour_names", "subjects", "avoid_topics"):
        raw[key] = tuple(raw[key])
    return StoryContext(**raw), saved["extra"]


def _prompt_variables(
    context: StoryContext, extra: dict[str, Any], quality_checks: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The story prompt's variables, and the versions of the fragments they came from."""
    from ...quality import length_band

    guidance = story_guidance(
        kid_age=context.kid_age,
        story_type=context.story_type,
        accessibility_needs=extra["accessibility_needs"],
        preferences={
            "content_preferences": extra["content_preferences"] != "none",
            "educational_focus": bool(context.educational_focus),
            "avoid_topics": bool(context.avoid_topics),
            "special_requests": bool(context.special_requests),
            "language": context.language != "en",
        },
        language=context.language,
        story_length=context.story_length,
    )
    variables = story_variables(
        kid_name=context.kid_name,
        kid_age=context.kid_age,
        reading_level=extra["reading_level"],
        kid_interests=", ".join(context.kid_interests) or "none given",
        story_type=context.story_type,
        story_type_label=context.story_elements.get("label", context.story_type),
        story_length=context.story_length,
        length_band=length_band(context.story_length, quality_checks),
        language=context.language,
        accessibility_needs=extra["accessibility_needs"],
        content_preferences=extra["content_preferences"],
        educational_focus=context.educational_focus or "none",
        avoid_topics=", ".join(context.avoid_topics) or "none",
        special_requests=context.special_requests or "none",
        image_description=context.image_description,
        story_elements=context.story_elements,
    )
    return {**variables, **guidance.variables}, guidance.versions


def _write_story(
    story: Story,
    feedback: tuple[str, ...] = (),
    version: str | None = None,
    budget_stage: Stage = Stage.GENERATE_STORY,
) -> tuple[str, str, str, dict[str, str]]:
    """One generation attempt, regenerating once if quality checks fail. Returns the title,
    the text, the prompt version and the versions of the prompt's fragments. ``version``
    None is the current one (else an experiment's pick, or the version already used)."""
    context, extra = _story_context(story)
    # Resolve the version once and pin it: both attempts use the same prompt even if the
    # content team publishes in between.
    definition = prompt_resolve("story_generation", version)
    variables, fragments = _prompt_variables(context, extra, definition.quality_checks)
    prompt = prompt_render("story_generation", variables, version=definition.version)
    # Every writing of the story is one logical operation (ledger and key of generate_story),
    # timed against the stage that asked for it.
    ctx = call_context(story, Stage.GENERATE_STORY, prompt.version, budget_stage=budget_stage)
    failures: list[str] = list(feedback)
    for attempt in range(2):
        params = prompt.parameters.get("openai") or {}
        result = gateway.call(
            Operation.STORY_GENERATION,
            StoryRequest(
                context=context,
                system_prompt=prompt.system,
                user_prompt=prompt.user,
                max_tokens=int(params.get("max_tokens", 1800)),
                temperature=float(params.get("temperature", 0.8)),
                feedback=tuple(failures),
                parameters=vendor_parameters(prompt.parameters),
            ),
            ctx,
        )
        failures = story_failures(
            result.text,
            kid_name=context.kid_name,
            length=context.story_length,
            quality_checks=prompt.quality_checks,
            kid_age=context.kid_age,
            avoid_topics=context.avoid_topics,
            language=context.language,
        )
        if not failures:
            return (
                result.title.strip() or f"A story for {context.kid_name}",
                result.text.strip(),
                prompt.version,
                fragments,
            )
        if attempt == 1:
            raise StoryFailed(
                "The story did not pass its quality checks twice.",
                code="quality_check_failed",
                warnings=failures,
            )
    raise AssertionError("unreachable")


def story_prompt_choice(story: Story) -> PromptChoice:
    """The story prompt version for this family (an experiment may pick a variant); a story
    in an experiment is recorded as an exposure before its first AI call, so failures count."""
    group = age_group(story.kid.age)
    choice = prompt_choice_for(
        prompt_type="story_generation",
        user_id=story.owner_id,
        age_group=group,
        story_type=story.story_type,
    )
    exposure_open(
        choice=choice,
        prompt_type="story_generation",
        user_id=story.owner_id,
        story_id=story.id,
        age_group=group,
        story_type=story.story_type,
    )
    return choice


def experiment_exposure_close(story_id: uuid.UUID) -> None:
    """Record how a finished story went on its experiment exposure (if it had one): cost,
    time, success, failure code, whether the safety check ever flagged its text."""
    if not analytics_for_story(story_id).exists():
        return  # not part of an experiment: nothing to record
    story = Story.objects.get(pk=story_id)
    ms = story.total_processing_time_ms
    if ms is None and story.started_at and story.finished_at:
        ms = round((story.finished_at - story.started_at).total_seconds() * 1000)
    flagged = (story.stage_outputs.get(Stage.CHECK_SAFETY.value) or {}).get("flagged_attempts", 0)
    operation = (
        operation_list(story_id=story_id)
        .filter(operation_type=Operation.STORY_GENERATION.value, success=True)
        .last()
    )
    exposure_close(
        story_id=story_id,
        success=story.status == "ready",
        cost_usd=story.total_cost,
        processing_time_ms=ms,
        failure_code=story.failure_code,
        safety_rejected=story.failure_code == "unsafe_story" or flagged > 0,
        operation_id=operation.pk if operation else None,
    )


def generate_story(story_id: uuid.UUID) -> None:
    started = time.monotonic()
    stage_started(story_id, Stage.GENERATE_STORY)
    story = _load(story_id)
    choice = story_prompt_choice(story)
    title, text, version, fragments = _write_story(story, version=choice.version)
    stage_complete(
        story_id,
        Stage.GENERATE_STORY,
        ms=_ms_since(started),
        output={
            "prompt_version": version,
            "fragment_versions": fragments,
            "experiment_group": choice.group,
        },
        fields={"title": title[:200], "text": text, "prompt_version": version},
    )


# --- 4. check safety -----------------------------------------------------------------------------


def _judge_findings(story: Story, avoid_topics: tuple[str, ...]) -> list[str]:
    """The LLM safety judge's reasons against this story (prompts/system/content_safety.yaml).

    Every story an AI vendor wrote is judged, whatever the routing (cheapest providers forced,
    a free family past its threshold): the judge chain holds only providers that can judge. A
    story from the offline storyteller has no judge: it is composed from vetted content only,
    and the rules ran already. An unclear reply counts as flagged (``judge_unclear``); a vendor
    story with no judge configured, or whose judges all failed, fails with
    ``safety_judge_unavailable``: never delivered unjudged."""
    writer = story_writer_vendor(story.id)
    if writer in (None, "local"):
        return []
    text = f"{story.title}\n\n{story.text}"
    avoided = (
        f"\n\nTopics the parent asked to avoid: {', '.join(avoid_topics)}" if avoid_topics else ""
    )
    prompt = prompt_render("content_safety", {"text": text + avoided, "kid_age": story.kid.age})
    params = prompt.parameters.get("openai") or {}
    request = SafetyRequest(
        text=text,
        kid_age=story.kid.age,
        system_prompt=prompt.system,
        user_prompt=prompt.user,
        max_tokens=int(params.get("max_tokens", 400)),
        language=story.language,
    )
    ctx = call_context(story, Stage.CHECK_SAFETY, prompt.version)
    if not gateway.vendor_in_chain(Operation.CONTENT_SAFETY, request, ctx):
        raise StoryFailed(
            f"The story was written by {writer}, and no safety judge is configured or "
            "switched on to review it.",
            code="safety_judge_unavailable",
        )
    try:
        verdict = gateway.call(Operation.CONTENT_SAFETY, request, ctx)
    except StageBudgetExceeded:
        raise
    except ProviderUnavailable as exc:
        raise StoryFailed(
            "The story could not be given its safety review: every safety judge failed.",
            code="safety_judge_unavailable",
        ) from exc
    if not verdict.judged:
        raise StoryFailed(
            "The story could not be given its safety review.", code="safety_judge_unavailable"
        )
    return list(verdict.reasons) if verdict.flagged else []


def check_safety(story_id: uuid.UUID) -> None:
    started = time.monotonic()
    stage_started(story_id, Stage.CHECK_SAFETY)
    story = _load(story_id)
    fields: dict[str, Any] = {}
    flagged = 0
    context, _extra = _story_context(story)
    for attempt in range(2):
        # Mira's own classifier on every story, title included, with the parent's avoided
        # topics; vendor moderation (where configured) after it, never instead of it.
        # The learned model too, for every story a vendor wrote (stories/pipeline/safety.py).
        reasons = story_findings(
            story.title,
            story.text,
            language=story.language,
            avoid_topics=context.avoid_topics,
            learned=story_writer_vendor(story.id) not in (None, "local"),
        )
        if not reasons:
            verdict = gateway.call(
                Operation.CONTENT_SAFETY,
                SafetyRequest(
                    text=f"{story.title}\n\n{story.text}",
                    kid_age=story.kid.age,
                    language=story.language,
                ),
                call_context(story, Stage.CHECK_SAFETY),
            )
            reasons = list(verdict.reasons) if verdict.flagged else []
            if verdict.flagged and not reasons:
                reasons = ["flagged by the vendor's moderation"]
        if not reasons:
            reasons = _judge_findings(story, context.avoid_topics)
        if not reasons:
            break
        flagged += 1  # experiments' safety-rejection guardrail counts these
        if attempt == 1:
            raise StoryFailed(
                "The story was flagged by the safety check twice.",
                code="unsafe_story",
                warnings=reasons,
            )
        feedback = tuple(f"safety: {reason}" for reason in reasons)
        # The same version the story was written with (an experiment's variant stays one).
        title, text, version, _fragments = _write_story(
            story, feedback, version=story.prompt_version or None, budget_stage=Stage.CHECK_SAFETY
        )
        story.title, story.text, story.prompt_version = title[:200], text, version
        fields = {"title": story.title, "text": text, "prompt_version": version}
    stage_complete(
        story_id,
        Stage.CHECK_SAFETY,
        ms=_ms_since(started),
        output={"flagged_attempts": flagged},
        fields=fields,
    )
