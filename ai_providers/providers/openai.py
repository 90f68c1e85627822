"""OpenAI (and any OpenAI-compatible server through ``base_url``): chat for stories, vision for
drawings, speech, Whisper with word timestamps, image generation and moderation.

Translation only: requests into the SDK's calls, responses into our types, SDK errors into
``ProviderError``. The SDK's own retries are off (``max_retries=0``); the gateway retries.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math
import threading
from decimal import Decimal
from typing import Any

import openai

from ..errors import ProviderError
from ..types import (
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
    WordMark,
)
from .base import Provider, VendorCall
from .common import (
    judge_result,
    language_voice,
    malformed,
    require,
    speakable_text,
    split_title,
    story_prompt,
    translate_sdk_error,
    wav_duration,
)

VENDOR = "openai"
# Voices the speech endpoint knows; anything else from a request falls back to the model's.
VOICES = frozenset(
    {"alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"}
)


def _translate(exc: Exception, timeout: float) -> ProviderError:
    return translate_sdk_error(openai, VENDOR, exc, timeout)


_CHAT_PARAMETERS = frozenset(
    {"max_tokens", "temperature", "top_p", "frequency_penalty", "presence_penalty", "seed", "stop"}
)


class OpenAIProvider(Provider):
    name = VENDOR
    capabilities = frozenset(Operation)
    judges_safety = True  # moderation endpoint, and a chat model as the safety judge
    # What chat.completions.create and audio.transcriptions.create take (openai SDK).
    sendable_parameters = {
        Operation.STORY_GENERATION: _CHAT_PARAMETERS,
        Operation.IMAGE_RECOGNITION: _CHAT_PARAMETERS,
        Operation.TRANSCRIPTION: frozenset({"temperature"}),
    }

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self._client: openai.OpenAI | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> openai.OpenAI:
        # One client per process: it holds the connection pool that every call reuses.
        if self._client is None:
            with self._lock:
                if self._client is None:
                    options = self.settings.options
                    self._client = openai.OpenAI(
                        api_key=options.get("api_key"),
                        organization=options.get("organization") or None,
                        base_url=options.get("base_url") or None,
                        max_retries=0,
                        timeout=60.0,
                    )
        return self._client

    def _call(self, call: VendorCall, function, **kwargs) -> Any:
        try:
            return function(timeout=call.timeout, **kwargs)
        except (openai.OpenAIError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise _translate(exc, call.timeout) from exc

    def _analytics(self, call: VendorCall) -> dict[str, Any]:
        """``safety_identifier`` is the salted user hash. OpenAI accepts ``metadata`` only on
        stored completions, and children's stories are not stored unless ops opt in."""
        extra: dict[str, Any] = {}
        if call.user_hash and self.settings.options.get("user_metadata_enabled", True):
            extra["safety_identifier"] = call.user_hash
        if self.settings.options.get("store_completions") and call.metadata:
            extra["store"] = True
            extra["metadata"] = dict(call.metadata)
        return extra

    def _chat(
        self,
        call: VendorCall,
        messages: list[dict],
        max_tokens: int,
        temperature: float,
        params: dict[str, Any] | None = None,
    ):
        limit_param = call.model.options.get("token_limit_param", "max_completion_tokens")
        sampling = dict(params or {})
        max_tokens = int(sampling.pop("max_tokens", max_tokens))
        temperature = float(sampling.pop("temperature", temperature))
        response = self._call(
            call,
            self.client.chat.completions.create,
            model=call.model.model,
            messages=messages,
            temperature=temperature,
            **{limit_param: max_tokens},
            **sampling,  # top_p, frequency_penalty, presence_penalty, seed, stop
            **self._analytics(call),
        )
        choices = require(getattr(response, "choices", None), list, VENDOR, "choices")
        if not choices:
            raise malformed(VENDOR, "no choices")
        message = getattr(choices[0], "message", None)
        content = require(getattr(message, "content", None), str, VENDOR, "message content")
        usage = getattr(response, "usage", None)
        prompt_tokens = require(getattr(usage, "prompt_tokens", None), int, VENDOR, "usage")
        completion_tokens = require(getattr(usage, "completion_tokens", None), int, VENDOR, "usage")
        model = getattr(response, "model", "") or call.model.model
        return (
            content,
            Usage(input_tokens=prompt_tokens, output_tokens=completion_tokens, requests=1),
            model if isinstance(model, str) else call.model.model,
        )

    # --- operations ------------------------------------------------------------------------

    def generate_story(self, request: StoryRequest, call: VendorCall) -> StoryResult:
        system, user = story_prompt(request)
        content, usage, model = self._chat(
            call,
            [{"role": "system", "content": system}, {"role": "user", "content": user}],
            request.max_tokens,
            request.temperature,
            self.prompt_parameters(Operation.STORY_GENERATION, request),
        )
        title, text = split_title(content)
        if not text:
            raise malformed(VENDOR, "the story is empty")
        return StoryResult(title=title, text=text, usage=usage, model=model)

    def analyse_image(self, request: ImageAnalysisRequest, call: VendorCall) -> ImageAnalysisResult:
        encoded = base64.b64encode(request.image).decode("ascii")
        detail = call.model.options.get("image_detail", "low")
        messages = [
            {"role": "system", "content": request.system_prompt},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": request.user_prompt},
                    {
                        "type": "image_url",
                        "image_url": {
                            "url": f"data:{request.mime_type};base64,{encoded}",
                            "detail": detail,
                        },
                    },
                ],
            },
        ]
        content, usage, _ = self._chat(
            call,
            messages,
            request.max_tokens,
            0.5,
            self.prompt_parameters(Operation.IMAGE_RECOGNITION, request),
        )
        description = " ".join(content.split())
        if not description:
            raise malformed(VENDOR, "the description is empty")
        return ImageAnalysisResult(description=description, usage=usage)

    def check_safety(self, request: SafetyRequest, call: VendorCall) -> SafetyResult:
        if request.judge:
            return self._judge(request, call)
        response = self._call(
            call, self.client.moderations.create, model=call.model.model, input=request.text
        )
        results = require(getattr(response, "results", None), list, VENDOR, "results")
        if not results:
            raise malformed(VENDOR, "no moderation results")
        flagged = require(getattr(results[0], "flagged", None), bool, VENDOR, "flagged")
        categories_model = getattr(results[0], "categories", None)
        raw = (
            categories_model.model_dump(by_alias=True)
            if hasattr(categories_model, "model_dump")
            else {}
        )
        categories = tuple(sorted(name for name, hit in raw.items() if hit is True))
        reasons = tuple(f"OpenAI moderation flagged {name}" for name in categories)
        return SafetyResult(
            flagged=flagged, categories=categories, reasons=reasons, usage=Usage(requests=1)
        )

    def _judge(self, request: SafetyRequest, call: VendorCall) -> SafetyResult:
        """The LLM safety judge: a chat completion (``judge_model`` of the content_safety
        entry) asked for a JSON verdict; priced by that entry's token prices."""
        judge_model = call.model.options.get("judge_model", "gpt-4o-mini")
        judge_call = dataclasses.replace(
            call, model=dataclasses.replace(call.model, model=judge_model)
        )
        content, usage, model = self._chat(
            judge_call,
            [
                {"role": "system", "content": request.system_prompt},
                {"role": "user", "content": request.user_prompt},
            ],
            request.max_tokens,
            0.0,
            {"response_format": {"type": "json_object"}},
        )
        return judge_result(content, usage, model)

    def synthesize_speech(self, request: SpeechRequest, call: VendorCall) -> SpeechResult:
        text = speakable_text(request.text)
        voice = language_voice(
            request.voice if request.voice in VOICES else "",
            call.model.options,
            request.language,
            "nova",
        )
        extra: dict[str, Any] = {}
        instructions = call.model.options.get("instructions")
        if instructions and call.model.model.startswith("gpt-"):
            extra["instructions"] = instructions  # only the gpt-*-tts models take a style
        response = self._call(
            call,
            self.client.audio.speech.create,
            model=call.model.model,
            voice=voice,
            input=text,
            response_format="wav",
            speed=request.speed,
            **extra,
        )
        audio = getattr(response, "content", None)
        if not isinstance(audio, bytes):
            raise malformed(VENDOR, "speech body is not audio")
        duration = wav_duration(audio)
        if duration is None:
            raise malformed(VENDOR, "speech body is not a WAV file")
        # tts-1/-hd bill input characters; gpt-4o-mini-tts bills audio (priced per minute).
        return SpeechResult(
            audio=audio,
            mime_type="audio/wav",
            duration_seconds=duration,
            word_marks=None,
            usage=Usage(
                characters=len(text),
                audio_seconds=Decimal(str(round(duration, 3))),
                requests=1,
            ),
        )

    def transcribe(self, request: TranscriptionRequest, call: VendorCall) -> TranscriptionResult:
        suffix = {"audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/webm": "webm"}.get(
            request.mime_type, "wav"
        )
        kwargs: dict[str, Any] = dict(self.prompt_parameters(Operation.TRANSCRIPTION, request))
        if request.language:
            kwargs["language"] = request.language
        response = self._call(
            call,
            self.client.audio.transcriptions.create,
            model=call.model.model,
            file=(f"audio.{suffix}", request.audio, request.mime_type),
            response_format="verbose_json",
            timestamp_granularities=["word"],
            **kwargs,
        )
        text = require(getattr(response, "text", None), str, VENDOR, "text")
        duration = getattr(response, "duration", None)
        if not isinstance(duration, int | float) or isinstance(duration, bool):
            raise malformed(VENDOR, "duration is missing")
        words = []
        for item in getattr(response, "words", None) or []:
            word, start, end = (getattr(item, k, None) for k in ("word", "start", "end"))
            if not isinstance(word, str) or not all(
                isinstance(v, int | float) for v in (start, end)
            ):
                raise malformed(VENDOR, "a word without text or times")
            words.append(WordMark(word=word.strip(), start=float(start), end=float(end)))
        logprobs = [
            s.avg_logprob
            for s in getattr(response, "segments", None) or []
            if isinstance(getattr(s, "avg_logprob", None), int | float)
        ]
        confidence = math.exp(sum(logprobs) / len(logprobs)) if logprobs else None
        reported = getattr(getattr(response, "usage", None), "seconds", None)
        seconds = reported if isinstance(reported, int | float) else duration
        return TranscriptionResult(
            text=text.strip(),
            words=tuple(words),
            language=getattr(response, "language", None),
            confidence=confidence,
            duration_seconds=float(duration),
            usage=Usage(audio_seconds=Decimal(str(seconds)), requests=1),
        )

    def generate_image(
        self, request: ImageGenerationRequest, call: VendorCall
    ) -> ImageGenerationResult:
        size = request.size or call.model.options.get("size", "1024x1024")
        quality = request.quality or call.model.options.get("quality", "standard")
        extra = {"user": call.user_hash} if call.user_hash else {}
        response = self._call(
            call,
            self.client.images.generate,
            model=call.model.model,
            prompt=request.prompt,
            n=1,
            size=size,
            quality=quality,
            response_format="b64_json",
            **extra,
        )
        data = require(getattr(response, "data", None), list, VENDOR, "data")
        if not data:
            raise malformed(VENDOR, "no image")
        encoded = require(getattr(data[0], "b64_json", None), str, VENDOR, "b64_json")
        try:
            image = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise malformed(VENDOR, "image is not base64") from None
        if image[:8] == b"\x89PNG\r\n\x1a\n":
            mime = "image/png"
        elif image[:3] == b"\xff\xd8\xff":
            mime = "image/jpeg"
        elif image[:4] == b"RIFF" and image[8:12] == b"WEBP":
            mime = "image/webp"
        else:
            raise malformed(VENDOR, "image is not PNG, JPEG or WebP")
        return ImageGenerationResult(
            image=image,
            mime_type=mime,
            usage=Usage(images=1, image_size=size, image_quality=quality, requests=1),
        )
