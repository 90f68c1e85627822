"""Stages 1-2: analyse the drawing or idea, then build the story context (no AI)."""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict

from ai_providers import gateway
from ai_providers.types import ImageAnalysisRequest, Operation, SafetyRequest, StoryContext
from prompts_app.rendering import (
    USER_TEXT_LIMITS,
    clean_user_text,
    prompt_render,
    render_template,
    story_type_get,
    vendor_parameters,
)

from ...errors import StoryFailed
from ...models import ParentPreferences, Stage
from ..checkpoints import stage_complete, stage_started
from ..safety import interests_without_personal_data, screen_child_inputs, without_personal_data
from ..transcription import transcribe_idea
from .context import _load, _ms_since, call_context

# --- 1. analyse input ----------------------------------------------------------------------------


def analyse_input(story_id: uuid.UUID) -> None:
    started = time.monotonic()
    stage_started(story_id, Stage.ANALYSE_INPUT)
    story = _load(story_id)
    kid = story.kid
    # Personal data leaves every free-text field before any vendor call; what is left is
    # screened by Mira's own classifier first, whatever vendor moderation would say.
    # The classifier reads each field as typed (and as cleaned): removing personal data must
    # never remove the signal of harm with it (stories/pipeline/safety.py).
    interests, removed = interests_without_personal_data(kid.interests)
    special_typed = clean_user_text(
        story.special_requests, limit=USER_TEXT_LIMITS["special_requests"]
    )
    _special, special_removed = without_personal_data(special_typed)
    removed.update(special_removed)
    screen_child_inputs(
        {
            "name": kid.name,
            "interests": ", ".join(i.strip() for i in kid.interests if i.strip()),
            "special_requests": special_typed,
        },
        language=story.language,
    )
    if story.input_kind == "drawing":
        with story.drawing.open("rb") as handle:
            image = handle.read()
        prompt = prompt_render(
            "image_recognition",
            {"kid_age": kid.age, "kid_interests": ", ".join(interests) or "many things"},
        )
        mime = "image/png" if image[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
        result = gateway.call(
            Operation.IMAGE_RECOGNITION,
            ImageAnalysisRequest(
                image=image,
                mime_type=mime,
                kid_age=kid.age,
                kid_interests=interests,
                system_prompt=prompt.system,
                user_prompt=prompt.user,
                parameters=vendor_parameters(prompt.parameters),
            ),
            call_context(story, Stage.ANALYSE_INPUT, prompt.version),
        )
        # What a vision model read in the drawing (a name, a street sign) is checked too.
        description, described = without_personal_data(result.description)
        removed.update(described)
        screen_child_inputs({"drawing description": result.description}, language=story.language)
        output = {
            "description": description,
            "palette": list(result.palette),
            "colour_names": list(result.colour_names),
            "subjects": list(result.subjects),
            "prompt_version": prompt.version,
        }
    else:
        if story.input_kind == "audio" and not story.input_text:
            # A recorded idea becomes text first (a retry finds the transcript already saved),
            # then goes through exactly the typed-text path below.
            story = transcribe_idea(story, call_context(story, Stage.ANALYSE_INPUT))
        idea = clean_user_text(story.input_text, limit=2000)
        text, typed = without_personal_data(idea)
        removed.update(typed)
        screen_child_inputs({"idea": idea}, language=story.language)
        verdict = gateway.call(
            Operation.CONTENT_SAFETY,
            SafetyRequest(text=text, kid_age=kid.age, language=story.language),
            call_context(story, Stage.ANALYSE_INPUT),
        )
        if verdict.flagged:
            raise StoryFailed(
                "The story idea was not suitable for a children's story.",
                code="unsafe_input",
                warnings=list(verdict.reasons),
            )
        output = {
            "description": f"The child's idea: {text}",
            "palette": [],
            "colour_names": [],
            "subjects": [],
        }
    output["personal_data_removed"] = sorted(removed)
    stage_complete(story_id, Stage.ANALYSE_INPUT, ms=_ms_since(started), output=output)


# --- 2. build context (no AI) --------------------------------------------------------------------


def build_context(story_id: uuid.UUID) -> None:
    started = time.monotonic()
    stage_started(story_id, Stage.BUILD_CONTEXT)
    story = _load(story_id)
    kid = story.kid
    prefs = ParentPreferences.objects.filter(parent_id=story.owner_id).first() or ParentPreferences(
        parent_id=story.owner_id
    )
    analysis = story.stage_outputs[Stage.ANALYSE_INPUT.value]
    name = clean_user_text(kid.name, limit=USER_TEXT_LIMITS["kid_name"])
    interests, _ = interests_without_personal_data(
        clean_user_text(i, limit=40) for i in kid.interests if i.strip()
    )
    avoid, _ = interests_without_personal_data(
        clean_user_text(t, limit=40) for t in prefs.avoid_topics if t.strip()
    )

    def free_text(value: str, limit: int) -> str:
        return without_personal_data(clean_user_text(value, limit=limit))[0]

    elements = story_type_get(story.story_type)
    structure = {
        part: render_template(
            text, {"kid_name": name}, name=f"story type {story.story_type} ({part})"
        )
        for part, text in (elements.get("structure") or {}).items()
    }
    elements = {**elements, "structure": structure}
    context = StoryContext(
        kid_name=name,
        kid_age=kid.age,
        kid_interests=interests,
        story_type=story.story_type,
        story_length=story.story_length,
        language=story.language,
        image_description=analysis["description"],
        colour_names=tuple(analysis["colour_names"]),
        subjects=tuple(analysis["subjects"]),
        special_requests=free_text(story.special_requests, USER_TEXT_LIMITS["special_requests"]),
        avoid_topics=avoid,
        educational_focus=free_text(prefs.educational_focus, 200),
        story_elements=elements,
        seed=str(story.id),
    )
    extra = {
        "reading_level": kid.reading_level,
        "accessibility_needs": free_text(kid.accessibility_needs, 300) or "none",
        "content_preferences": free_text(prefs.content_preferences, 300) or "none",
    }
    stage_complete(
        story_id,
        Stage.BUILD_CONTEXT,
        ms=_ms_since(started),
        output={"context": asdict(context), "extra": extra},
    )
