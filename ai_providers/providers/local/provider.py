"""The offline provider: every capability with no network and no key.

Pillow reads drawings and paints covers, espeak-ng speaks with exact word times, templates
write stories and rules check safety. Costs are zero, but calls go through the same gateway
and ledger as paid vendors.
"""

from __future__ import annotations

from decimal import Decimal

from ...errors import ProviderError
from ...types import (
    ImageAnalysisRequest,
    ImageAnalysisResult,
    ImageGenerationRequest,
    ImageGenerationResult,
    Operation,
    SafetyRequest,
    SafetyResult,
    SpeechRequest,
    SpeechResult,
    StoryRequest,
    StoryResult,
    TranscriptionRequest,
    TranscriptionResult,
    Usage,
)
from ..base import Provider, VendorCall
from ..common import language_voice


def _image_size(size: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in size.lower().split("x"))
    except ValueError:
        raise ProviderError(
            f"image size {size!r} is not WIDTHxHEIGHT", code="bad_request", fallback=False
        ) from None
    return width, height


class LocalProvider(Provider):
    name = "local"
    capabilities = frozenset(
        {
            Operation.IMAGE_RECOGNITION,
            Operation.STORY_GENERATION,
            Operation.CONTENT_SAFETY,
            Operation.TEXT_TO_SPEECH,
            Operation.TRANSCRIPTION,
            Operation.IMAGE_GENERATION,
        }
    )

    def analyse_image(self, request: ImageAnalysisRequest, call: VendorCall) -> ImageAnalysisResult:
        from .drawing import InvalidImage, analyse_drawing

        try:
            return analyse_drawing(
                request.image, kid_age=request.kid_age, interests=request.kid_interests
            )
        except InvalidImage as exc:
            raise ProviderError(str(exc), code="invalid_image", fallback=False) from exc

    def generate_story(self, request: StoryRequest, call: VendorCall) -> StoryResult:
        from .storyteller import tell_story

        title, text = tell_story(request.context, feedback=request.feedback)
        return StoryResult(title=title, text=text, usage=Usage(requests=1), model=call.model.model)

    def check_safety(self, request: SafetyRequest, call: VendorCall) -> SafetyResult:
        from ...content_rules import check_text

        return check_text(request.text, request.language)

    def synthesize_speech(self, request: SpeechRequest, call: VendorCall) -> SpeechResult:
        from .speech import SpeechEngineError, synthesize

        try:
            spoken = synthesize(
                request.text,
                language=request.language,
                voice=language_voice(request.voice, call.model.options, request.language, ""),
                speed=request.speed,
            )
        except SpeechEngineError as exc:
            raise ProviderError(str(exc), code="speech_engine", fallback=True) from exc
        return SpeechResult(
            audio=spoken.wav,
            mime_type="audio/wav",
            duration_seconds=spoken.duration_seconds,
            word_marks=spoken.word_marks,
            usage=Usage(characters=len(request.text)),
        )

    def transcribe(self, request: TranscriptionRequest, call: VendorCall) -> TranscriptionResult:
        """pocketsphinx: forced alignment when the script is known, else recognition."""
        from .recognition import UnreadableAudio, recognise

        if request.language and not request.language.lower().startswith("en"):
            raise ProviderError(
                f"offline recognition only knows English, not {request.language!r}",
                code="unsupported_language",
            )
        try:
            heard = recognise(request.audio, expected_text=request.expected_text)
        except UnreadableAudio as exc:
            raise ProviderError(str(exc), code="unsupported_audio") from exc
        except RuntimeError as exc:  # the decoder's own failures; the caller falls back
            raise ProviderError(
                f"offline recognition failed: {exc}", code="recognition_failed"
            ) from exc
        return TranscriptionResult(
            text=heard.text,
            words=heard.words,
            language="en",
            confidence=heard.confidence,
            duration_seconds=heard.duration_seconds,
            usage=Usage(audio_seconds=Decimal(str(round(heard.duration_seconds, 3)))),
        )

    def generate_image(
        self, request: ImageGenerationRequest, call: VendorCall
    ) -> ImageGenerationResult:
        from .cover import paint_cover
        from .drawing import InvalidImage

        size = _image_size(request.size)
        try:
            png = paint_cover(
                title=request.title, palette=request.palette, drawing=request.drawing, size=size
            )
        except InvalidImage as exc:
            raise ProviderError(str(exc), code="invalid_image", fallback=False) from exc
        return ImageGenerationResult(
            image=png,
            mime_type="image/png",
            usage=Usage(images=1, image_size=request.size, image_quality=request.quality),
        )
