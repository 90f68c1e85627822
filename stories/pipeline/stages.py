"""The pipeline's stages (spec section 2). Each takes the story id, reloads what it needs,
calls the AI gateway, and checkpoints its result on the story."""

from __future__ import annotations

import io
import time
import uuid
import wave
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

from django.db import close_old_connections, connections

from ai_providers import gateway
from ai_providers.alignment import align_marks, proportional_times, story_words
from ai_providers.errors import ProviderUnavailable
from ai_providers.selectors import operation_list
from ai_providers.types import (
    CallContext,
    ImageAnalysisRequest,
    ImageGenerationRequest,
    Operation,
    SafetyRequest,
    SpeechRequest,
    StoryContext,
    StoryRequest,
    TranscriptionRequest,
    WordMark,
)
from experiments.selectors import analytics_for_story
from experiments.services import exposure_close, exposure_open, prompt_choice_for
from experiments.types import PromptChoice
from prompts_app.rendering import (
    USER_TEXT_LIMITS,
    clean_user_text,
    prompt_render,
    prompt_resolve,
    render_template,
    story_guidance,
    story_type_get,
    story_variables,
)
from usage.selectors import account_tier

from ..errors import StoryFailed
from ..models import ParentPreferences, Stage, Story, age_group
from ..quality import story_failures
from .checkpoints import media_save, stage_complete, stage_started
from .transcription import transcribe_idea

PARAGRAPH_PAUSE_SECONDS = 0.35
NARRATION_WORKERS = 4


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def call_context(story: Story, stage: Stage, prompt_version: str = "") -> CallContext:
    return CallContext(
        user_id=story.owner_id,
        story_id=story.id,
        stage=stage.value,
        prompt_version=prompt_version,
        tier=account_tier(user_id=story.owner_id),
        age_group=age_group(story.kid.age),
        story_type=story.story_type,
        language=story.language,
    )


def _load(story_id: uuid.UUID) -> Story:
    return Story.objects.select_related("kid", "owner").get(pk=story_id)


# --- 1. analyse input ----------------------------------------------------------------------------


def analyse_input(story_id: uuid.UUID) -> None:
    started = time.monotonic()
    stage_started(story_id, Stage.ANALYSE_INPUT)
    story = _load(story_id)
    kid = story.kid
    if story.input_kind == "drawing":
        with story.drawing.open("rb") as handle:
            image = handle.read()
        prompt = prompt_render(
            "image_recognition",
            {"kid_age": kid.age, "kid_interests": ", ".join(kid.interests) or "many things"},
        )
        mime = "image/png" if image[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
        result = gateway.call(
            Operation.IMAGE_RECOGNITION,
            ImageAnalysisRequest(
                image=image,
                mime_type=mime,
                kid_age=kid.age,
                kid_interests=tuple(kid.interests),
                system_prompt=prompt.system,
                user_prompt=prompt.user,
            ),
            call_context(story, Stage.ANALYSE_INPUT, prompt.version),
        )
        output = {
            "description": result.description,
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
        text = clean_user_text(story.input_text, limit=2000)
        verdict = gateway.call(
            Operation.CONTENT_SAFETY,
            SafetyRequest(text=text, kid_age=kid.age),
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
    interests = tuple(clean_user_text(i, limit=40) for i in kid.interests if i.strip())
    avoid = tuple(clean_user_text(t, limit=40) for t in prefs.avoid_topics if t.strip())
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
        special_requests=clean_user_text(
            story.special_requests, limit=USER_TEXT_LIMITS["special_requests"]
        ),
        avoid_topics=avoid,
        educational_focus=clean_user_text(prefs.educational_focus, limit=200),
        story_elements=elements,
        seed=str(story.id),
    )
    extra = {
        "reading_level": kid.reading_level,
        "accessibility_needs": clean_user_text(kid.accessibility_needs, limit=300) or "none",
        "content_preferences": clean_user_text(prefs.content_preferences, limit=300) or "none",
    }
    stage_complete(
        story_id,
        Stage.BUILD_CONTEXT,
        ms=_ms_since(started),
        output={"context": asdict(context), "extra": extra},
    )


def _story_context(story: Story) -> tuple[StoryContext, dict[str, Any]]:
    saved = story.stage_outputs[Stage.BUILD_CONTEXT.value]
    raw = dict(saved["context"])
    for key in ("kid_interests", "colour_names", "subjects", "avoid_topics"):
        raw[key] = tuple(raw[key])
    return StoryContext(**raw), saved["extra"]


# --- 3. generate story ---------------------------------------------------------------------------


def _prompt_variables(
    context: StoryContext, extra: dict[str, Any], quality_checks: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The story prompt's variables, and the versions of the fragments they came from."""
    from ..quality import length_band

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
    story: Story, feedback: tuple[str, ...] = (), version: str | None = None
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
    ctx = call_context(story, Stage.GENERATE_STORY, prompt.version)
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


def check_safety(story_id: uuid.UUID) -> None:
    started = time.monotonic()
    stage_started(story_id, Stage.CHECK_SAFETY)
    story = _load(story_id)
    fields: dict[str, Any] = {}
    flagged = 0
    for attempt in range(2):
        verdict = gateway.call(
            Operation.CONTENT_SAFETY,
            SafetyRequest(text=f"{story.title}\n\n{story.text}", kid_age=story.kid.age),
            call_context(story, Stage.CHECK_SAFETY),
        )
        if not verdict.flagged:
            break
        flagged += 1  # experiments' safety-rejection guardrail counts these
        if attempt == 1:
            raise StoryFailed(
                "The story was flagged by the safety check twice.",
                code="unsafe_story",
                warnings=list(verdict.reasons),
            )
        feedback = tuple(f"safety: {reason}" for reason in verdict.reasons)
        # The same version the story was written with (an experiment's variant stays one).
        title, text, version, _fragments = _write_story(
            story, feedback, version=story.prompt_version or None
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


# --- 5-6. narrate and time words -----------------------------------------------------------------


def in_own_connection(function, *args):
    """Run ``function`` in a worker thread with its own database connection, closed after."""
    try:
        close_old_connections()
        return function(*args)
    finally:
        connections.close_all()


def _concatenate_wavs(parts: list[bytes], pause: float) -> tuple[bytes, list[float]]:
    """Join WAV files with ``pause`` seconds of silence; return the file and each part's offset."""
    params = None
    frames: list[bytes] = []
    offsets: list[float] = []
    position = 0
    for index, data in enumerate(parts):
        with wave.open(io.BytesIO(data)) as part:
            current = (part.getnchannels(), part.getsampwidth(), part.getframerate())
            if params is None:
                params = current
            elif current != params:
                raise StoryFailed(
                    "Narration parts came back in different audio formats.", code="narration_failed"
                )
            if index:
                silence = int(params[2] * pause)
                frames.append(b"\x00" * silence * params[0] * params[1])
                position += silence
            offsets.append(position / params[2])
            chunk = part.readframes(part.getnframes())
            frames.append(chunk)
            position += part.getnframes()
    out = io.BytesIO()
    with wave.open(out, "wb") as joined:
        joined.setnchannels(params[0])
        joined.setsampwidth(params[1])
        joined.setframerate(params[2])
        joined.writeframes(b"".join(frames))
    return out.getvalue(), offsets


def narrate(story_id: uuid.UUID) -> None:
    started = time.monotonic()
    stage_started(story_id, Stage.NARRATE)
    story = _load(story_id)
    paragraphs = [p.strip() for p in story.text.split("\n\n") if p.strip()]
    ctx = call_context(story, Stage.NARRATE)

    def speak(paragraph: str):
        return gateway.call(
            Operation.TEXT_TO_SPEECH, SpeechRequest(text=paragraph, language=story.language), ctx
        )

    with ThreadPoolExecutor(max_workers=min(NARRATION_WORKERS, len(paragraphs))) as pool:
        spoken = list(pool.map(lambda p: in_own_connection(speak, p), paragraphs))
    if any(
        not part.mime_type.startswith("audio/wav") and part.mime_type != "audio/x-wav"
        for part in spoken
    ):
        raise StoryFailed("Narration must come back as WAV to be joined.", code="narration_failed")
    audio, offsets = _concatenate_wavs([part.audio for part in spoken], PARAGRAPH_PAUSE_SECONDS)
    with wave.open(io.BytesIO(audio)) as joined:
        duration = joined.getnframes() / joined.getframerate()
    marks = None
    if all(part.word_marks is not None for part in spoken):
        marks = [
            {"word": m.word, "start": m.start + offset, "end": m.end + offset}
            for part, offset in zip(spoken, offsets, strict=True)
            for m in part.word_marks
        ]
    name = media_save(f"stories/{story_id}/narration.wav", audio)
    stage_complete(
        story_id,
        Stage.NARRATE,
        ms=_ms_since(started),
        output={"native_marks": marks, "offsets": offsets},
        fields={"audio": name, "audio_duration_seconds": round(duration, 3)},
    )


def time_words(story_id: uuid.UUID) -> None:
    started = time.monotonic()
    stage_started(story_id, Stage.TIME_WORDS)
    story = _load(story_id)
    words = story_words(story.text)
    duration = story.audio_duration_seconds or 0.0
    native = story.stage_outputs[Stage.NARRATE.value].get("native_marks")
    if native is not None:
        marks = [WordMark(m["word"], m["start"], m["end"]) for m in native]
        timestamps, source = align_marks(words, marks, duration), "native"
    else:
        # No native marks: listen to the narration (Whisper, Azure, or offline pocketsphinx
        # forced alignment with the story as the script), then map what was heard onto the
        # story's own words. Proportional timing only when no transcriber could do it.
        with story.audio.open("rb") as handle:
            audio = handle.read()
        try:
            heard = gateway.call(
                Operation.TRANSCRIPTION,
                TranscriptionRequest(
                    audio=audio,
                    mime_type="audio/wav",
                    language=story.language,
                    expected_text=story.text,
                ),
                call_context(story, Stage.TIME_WORDS),
            )
        except ProviderUnavailable:
            heard = None
        if heard is not None and heard.words:
            timestamps, source = align_marks(words, heard.words, duration), "transcription"
        else:
            timestamps, source = proportional_times(words, duration), "proportional"
    meta_fields = {"word_timestamps": timestamps}
    stage_complete(
        story_id,
        Stage.TIME_WORDS,
        ms=_ms_since(started),
        output={"source": source},
        fields=meta_fields,
    )


def narrate_and_time(story_id: uuid.UUID, done: set[str]) -> None:
    if Stage.NARRATE.value not in done:
        narrate(story_id)
    if Stage.TIME_WORDS.value not in done:
        time_words(story_id)


# --- 7. paint cover ------------------------------------------------------------------------------


def paint_cover(story_id: uuid.UUID) -> None:
    started = time.monotonic()
    stage_started(story_id, Stage.PAINT_COVER)
    story = _load(story_id)
    analysis = story.stage_outputs[Stage.ANALYSE_INPUT.value]
    drawing = None
    if story.drawing:
        with story.drawing.open("rb") as handle:
            drawing = handle.read()
    prompt = (
        f"A gentle, colourful children's picture-book cover for a {story.story_type.replace('_', ' ')} "
        f'story titled "{story.title}". {analysis["description"]} Soft shapes, warm light, no text.'
    )
    result = gateway.call(
        Operation.IMAGE_GENERATION,
        ImageGenerationRequest(
            prompt=prompt, title=story.title, palette=tuple(analysis["palette"]), drawing=drawing
        ),
        call_context(story, Stage.PAINT_COVER),
    )
    suffix = "png" if result.mime_type == "image/png" else "jpg"
    name = media_save(f"stories/{story_id}/cover.{suffix}", result.image)
    stage_complete(story_id, Stage.PAINT_COVER, ms=_ms_since(started), fields={"cover": name})
