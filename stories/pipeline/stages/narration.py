"""Stages 5-6: narrate the story paragraph by paragraph, join the WAVs, and time its words."""

from __future__ import annotations

import io
import logging
import time
import uuid
import wave
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, connections

from ai_providers import gateway
from ai_providers.alignment import align_marks, proportional_times, story_words
from ai_providers.types import Operation, SpeechRequest, TranscriptionRequest, WordMark
from mira.errors import ApplicationError

from ...errors import StoryFailed
from ...models import Stage
from ..checkpoints import media_save, stage_complete, stage_started
from .context import _load, _ms_since, call_context

PARAGRAPH_PAUSE_SECONDS = 0.35
# One narration is one logical operation however many chunks it takes (docs/usage.md).
NARRATION_OPERATION = f"{Stage.NARRATE.value}:text_to_speech"
NARRATION_WORKERS = 4
PROPORTIONAL_TIMING_WARNING = (
    "No word timing service could listen to the narration, so the read-along highlights "
    "words at estimated times."
)

logger = logging.getLogger(__name__)


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
                # Timing the narration's words is part of the narration's operation.
                call_context(story, Stage.TIME_WORDS, logical_operation=NARRATION_OPERATION),
            )
        except ApplicationError as exc:
            # Every transcriber failed (Whisper down, offline recognition unusable), AI was
            # switched off, or the budget ran out: the narration is paid for, so the story is
            # still delivered, with estimated timing.
            logger.warning(
                "word timing falls back to proportional",
                extra={"story_id": str(story_id), "code": exc.code},
            )
            heard = None
        if heard is not None and heard.words:
            timestamps, source = align_marks(words, heard.words, duration), "transcription"
        else:
            timestamps, source = proportional_times(words, duration), "proportional"
    meta_fields = {"word_timestamps": timestamps}
    if source == "proportional" and words:
        warnings = list(story.content_warnings)
        if PROPORTIONAL_TIMING_WARNING not in warnings:  # a retried stage says it once
            warnings.append(PROPORTIONAL_TIMING_WARNING)
        meta_fields["content_warnings"] = warnings
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
