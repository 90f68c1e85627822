"""The first stage for a recorded idea: what the child said, in which language, how clearly.

The transcript then takes the typed-text path (content safety, ``<data>`` in the prompts).
Transcribing is checkpointed on its own: the transcript, the detected language and the
confidence are written to the story before the recording is deleted, so a retried stage never
needs the recording again and is never billed twice for it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction

from ai_providers import gateway
from ai_providers.types import CallContext, Operation, TranscriptionRequest
from mira.errors import ApplicationError
from prompts_app.rendering import prompt_resolve, vendor_parameters

from ..audio import language_code, story_language, transcription_audio
from ..errors import StoryFailed
from ..models import ParentPreferences, Story

logger = logging.getLogger(__name__)

UNCLEAR_MESSAGE = (
    "We could not make out the recording clearly enough to build a story on it. Please record "
    "the idea again somewhere quiet, close to the microphone, or type it instead."
)


def _save(story_id: uuid.UUID, record: dict[str, Any], fields: dict[str, Any]) -> Story:
    """Write the transcription record (always, even when the story is about to fail: the
    confidence that failed it is worth seeing) and the given fields, under the row lock."""
    with transaction.atomic():
        story = Story.objects.select_for_update().get(pk=story_id)
        story.generation_metadata = {**story.generation_metadata, "transcription": record}
        for name, value in fields.items():
            setattr(story, name, value)
        story.save(update_fields=["generation_metadata", "updated_at", *fields])
    return story


def recording_discard(story_id: uuid.UUID) -> None:
    """Delete the child's recording unless the family chose to keep recordings."""
    keep = ParentPreferences.objects.filter(
        parent__stories__id=story_id, keep_audio_input=True
    ).exists()
    if keep:
        return
    with transaction.atomic():
        story = Story.objects.select_for_update().get(pk=story_id)
        name, storage = story.audio_input.name, story.audio_input.storage
        if not name:
            return
        story.audio_input = ""
        story.save(update_fields=["audio_input", "updated_at"])
    # After the row no longer points at it; the file is deleted even if this worker dies
    # later, and a failure here leaves a file no row refers to rather than a dangling row.
    storage.delete(name)
    logger.info("recording deleted after transcription", extra={"story_id": str(story_id)})


def transcribe_idea(story: Story, ctx: CallContext) -> Story:
    """Transcribe the story's recording through the gateway (Whisper → Azure → pocketsphinx)
    and keep the transcript, the detected language and the confidence on the story.

    Fails the story with ``transcription_unclear`` when nothing was heard or the transcriber's
    confidence is below ``MIRA_TRANSCRIPTION_MIN_CONFIDENCE``: a story is never built on a
    guess. The recording is deleted once the outcome is final (transcribed, or the story
    failed), unless the family opted in to keeping it.
    """
    if not story.audio_input:
        raise StoryFailed(
            "The recording for this story is no longer available; please record it again.",
            code="recording_missing",
        )
    try:
        with story.audio_input.open("rb") as handle:
            audio, mime_type = transcription_audio(handle.read())
        heard = gateway.call(
            Operation.TRANSCRIPTION,
            # No language hint: the transcriber detects what the child spoke.
            TranscriptionRequest(
                audio=audio,
                mime_type=mime_type,
                parameters=vendor_parameters(prompt_resolve("audio_transcription").parameters),
            ),
            ctx,
        )
        transcript = " ".join(heard.text.split())
        record = {
            "language": language_code(heard.language),
            "confidence": None if heard.confidence is None else round(heard.confidence, 4),
            "duration_seconds": round(heard.duration_seconds, 3),
            "words": len(transcript.split()),
        }
        minimum = settings.MIRA_TRANSCRIPTION_MIN_CONFIDENCE
        unclear = not transcript or (heard.confidence is not None and heard.confidence < minimum)
        if unclear:
            _save(story.id, record, {})
            logger.info(
                "transcription unclear",
                extra={"story_id": str(story.id), "confidence": record["confidence"]},
            )
            raise StoryFailed(UNCLEAR_MESSAGE, code="transcription_unclear")
        choice = story_language(detected=heard.language, family_language=story.language)
        record["story_language"] = choice.language
        warnings = [*story.content_warnings, *([choice.warning] if choice.warning else [])]
        story = _save(
            story.id,
            record,
            {"input_text": transcript, "language": choice.language, "content_warnings": warnings},
        )
    except ApplicationError:
        recording_discard(story.id)  # the story ends here; its recording goes with it
        raise
    recording_discard(story.id)
    return story
