"""Google Cloud: Text-to-Speech (v1beta1, SSML ``<mark>`` time points give native word times)
and Vision (labels, objects and dominant colours of a drawing).

Both clients use the REST transport so ``MIRA_GOOGLE_TTS_URL`` / ``MIRA_GOOGLE_VISION_URL`` can
point them at another endpoint (a proxy, or the test suite's fake server). Credentials come from
``GOOGLE_APPLICATION_CREDENTIALS`` (a service-account or authorized-user JSON file). The
client libraries' own retries are off (``retry=None``); the gateway retries.
"""

from __future__ import annotations

import json
import threading
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import requests
from google.api_core import exceptions as google_exceptions
from google.auth import exceptions as auth_exceptions
from google.protobuf import json_format

from ..errors import ProviderError
from ..types import (
    ImageAnalysisRequest,
    ImageAnalysisResult,
    Operation,
    SpeechRequest,
    SpeechResult,
    Usage,
    WordMark,
)
from .base import Provider, VendorCall
from .common import (
    connection_error,
    http_status_error,
    language_voice,
    malformed,
    retry_after_seconds,
    timeout_error,
    wav_duration,
)

VENDOR = "google"
SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
VISION_FEATURES = ("LABEL_DETECTION", "OBJECT_LOCALIZATION", "IMAGE_PROPERTIES")
MARK_TAG_CHARS = len('<mark name=""/>')


def _translate(exc: Exception, timeout: float) -> ProviderError:
    if isinstance(exc, google_exceptions.GoogleAPICallError):
        status = exc.code if isinstance(exc.code, int) else 500
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
        error = http_status_error(VENDOR, status, exc.message or str(exc), headers=headers)
        if error.retryable and error.retry_after is None and headers is not None:
            error.retry_after = retry_after_seconds(headers)
        return error
    if isinstance(exc, requests.Timeout):
        return timeout_error(VENDOR, timeout)
    if isinstance(exc, requests.ConnectionError):
        return connection_error(VENDOR, type(exc).__name__)
    if isinstance(exc, json_format.ParseError | ValueError):
        return malformed(VENDOR, str(exc)[:200])
    if isinstance(exc, auth_exceptions.RefreshError):
        return ProviderError(
            f"{VENDOR} refused the credentials: {exc}"[:1000], code="auth_failed", fallback=True
        )
    if isinstance(exc, auth_exceptions.TransportError):
        return connection_error(VENDOR, "token endpoint unreachable")
    return ProviderError(f"{VENDOR}: {type(exc).__name__}: {exc}", code="provider_error")


def _ssml_with_marks(text: str) -> tuple[str, list[str], int]:
    """SSML with a ``<mark>`` before every word; the words; the characters Google bills
    (SSML counts, ``<mark>`` tags do not)."""
    words = text.split()
    parts = [f"<mark name={quoteattr(str(i))}/>{escape(word)}" for i, word in enumerate(words)]
    ssml = "<speak>" + " ".join(parts) + "</speak>"
    marks_chars = sum(MARK_TAG_CHARS + len(str(i)) for i in range(len(words)))
    return ssml, words, len(ssml) - marks_chars


class GoogleProvider(Provider):
    name = VENDOR
    capabilities = frozenset({Operation.TEXT_TO_SPEECH, Operation.IMAGE_RECOGNITION})

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self._lock = threading.Lock()
        self._clients: dict[str, Any] = {}

    def _credentials(self):
        """Service-account or authorized-user credentials, loaded by type (google-auth warns
        against the generic loader for files it cannot vouch for)."""
        from google.oauth2 import credentials as user_credentials
        from google.oauth2 import service_account

        path = self.settings.options.get("credentials_path")
        try:
            with open(path, encoding="utf-8") as handle:
                kind = json.load(handle).get("type")
        except (OSError, ValueError, AttributeError) as exc:
            raise ProviderError(
                f"{VENDOR}: cannot read credentials file {path}: {exc}", code="auth_failed"
            ) from None
        if kind == "service_account":
            return service_account.Credentials.from_service_account_file(path, scopes=SCOPES)
        if kind == "authorized_user":
            return user_credentials.Credentials.from_authorized_user_file(path, scopes=SCOPES)
        raise ProviderError(
            f"{VENDOR}: credentials type {kind!r} is not supported "
            "(use a service_account or authorized_user file)",
            code="auth_failed",
        )

    def _client(self, kind: str):
        client = self._clients.get(kind)
        if client is not None:
            return client
        with self._lock:
            client = self._clients.get(kind)
            if client is None:
                options: dict[str, Any] = {}
                endpoint = self.settings.options.get(f"{kind}_url")
                if endpoint:
                    options["api_endpoint"] = endpoint
                if kind == "tts":
                    from google.cloud import texttospeech_v1beta1 as module

                    factory = module.TextToSpeechClient
                else:
                    from google.cloud import vision_v1 as module

                    factory = module.ImageAnnotatorClient
                client = factory(
                    credentials=self._credentials(), transport="rest", client_options=options
                )
                self._clients[kind] = client
        return client

    def synthesize_speech(self, request: SpeechRequest, call: VendorCall) -> SpeechResult:
        from google.cloud import texttospeech_v1beta1 as tts

        ssml, words, billed = _ssml_with_marks(request.text)
        voice_name = language_voice(
            request.voice, call.model.options, request.language, call.model.model
        )
        language = "-".join(voice_name.split("-")[:2]) if voice_name.count("-") >= 2 else "en-US"
        speech_request = tts.SynthesizeSpeechRequest(
            input=tts.SynthesisInput(ssml=ssml),
            voice=tts.VoiceSelectionParams(language_code=language, name=voice_name),
            audio_config=tts.AudioConfig(
                audio_encoding=tts.AudioEncoding.LINEAR16,
                speaking_rate=request.speed,
                sample_rate_hertz=int(call.model.options.get("sample_rate_hertz", 24000)),
            ),
            enable_time_pointing=[tts.SynthesizeSpeechRequest.TimepointType.SSML_MARK],
        )
        try:
            response = self._client("tts").synthesize_speech(
                request=speech_request, retry=None, timeout=call.timeout
            )
        except Exception as exc:  # every library error is translated; none escapes raw
            raise _translate(exc, call.timeout) from exc
        audio = bytes(response.audio_content)
        duration = wav_duration(audio)
        if duration is None:
            raise malformed(VENDOR, "audio is not LINEAR16 WAV")
        starts: dict[int, float] = {}
        for point in response.timepoints:
            try:
                starts[int(point.mark_name)] = float(point.time_seconds)
            except ValueError:
                raise malformed(VENDOR, f"unknown mark {point.mark_name!r}") from None
        marks = None
        if starts:
            marks = []
            known = sorted(starts)
            for index in known:
                if not 0 <= index < len(words):
                    raise malformed(VENDOR, f"mark {index} is past the text")
                later = [starts[j] for j in known if j > index]
                end = later[0] if later else duration
                marks.append(WordMark(words[index], starts[index], max(starts[index], end)))
        return SpeechResult(
            audio=audio,
            mime_type="audio/wav",
            duration_seconds=duration,
            word_marks=tuple(marks) if marks is not None else None,
            usage=Usage(characters=billed, requests=1),
        )

    def analyse_image(self, request: ImageAnalysisRequest, call: VendorCall) -> ImageAnalysisResult:
        from google.cloud import vision_v1 as vision

        from .local.drawing import colour_name

        annotate = vision.AnnotateImageRequest(
            image=vision.Image(content=request.image),
            features=[
                vision.Feature(type_=getattr(vision.Feature.Type, name), max_results=10)
                for name in VISION_FEATURES
            ],
        )
        try:
            response = self._client("vision").batch_annotate_images(
                requests=[annotate], retry=None, timeout=call.timeout
            )
        except Exception as exc:  # every library error is translated; none escapes raw
            raise _translate(exc, call.timeout) from exc
        if len(response.responses) != 1:
            raise malformed(VENDOR, "expected one annotation per image")
        result = response.responses[0]
        if result.error and result.error.code:
            # Per-image errors come back inside a 200 (google.rpc.Status codes, 3 = invalid).
            raise ProviderError(
                f"{VENDOR} could not read the image: {result.error.message}",
                code="invalid_image" if result.error.code == 3 else "provider_error",
                retryable=result.error.code in (4, 8, 13, 14),
            )
        subjects = list(
            dict.fromkeys(
                [o.name.lower() for o in result.localized_object_annotations if o.score >= 0.5]
                + [
                    label.description.lower()
                    for label in result.label_annotations
                    if label.score >= 0.6
                ]
            )
        )[:6]
        colours = sorted(
            result.image_properties_annotation.dominant_colors.colors,
            key=lambda c: c.pixel_fraction,
            reverse=True,
        )[:5]
        palette = tuple(
            "#{:02x}{:02x}{:02x}".format(
                *(max(0, min(255, round(v))) for v in (c.color.red, c.color.green, c.color.blue))
            )
            for c in colours
        )
        names = tuple(dict.fromkeys(colour_name(h) for h in palette))
        seen = ", ".join(subjects[:3]) if subjects else "a world of its own"
        tint = " and ".join(names[:2]) if names else "bright colours"
        description = (
            f"A child's drawing that seems to show {seen}, drawn in {tint}. "
            "It is full of energy and imagination, a lovely beginning for a story."
        )
        return ImageAnalysisResult(
            description=description,
            palette=palette,
            colour_names=names,
            subjects=tuple(subjects),
            details={
                "labels": [
                    {"name": label.description, "score": round(label.score, 3)}
                    for label in result.label_annotations
                ]
            },
            # Vision bills one unit per feature per image.
            usage=Usage(requests=len(VISION_FEATURES)),
        )
