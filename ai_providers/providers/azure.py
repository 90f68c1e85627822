"""Azure AI Speech over its REST API (httpx; no SDK needed): neural text-to-speech as RIFF WAV,
and fast transcription with word timestamps.

The REST synthesis endpoint returns audio only (word boundaries exist only on the SDK's
websocket), so Azure speech has no native marks and the pipeline times its words through
transcription. ``MIRA_AZURE_SPEECH_URL`` replaces both regional hosts (proxies, tests).
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import httpx

from ..types import (
    Operation,
    SpeechRequest,
    SpeechResult,
    TranscriptionRequest,
    TranscriptionResult,
    Usage,
    WordMark,
)
from .base import Provider, VendorCall
from .common import (
    connection_error,
    http_status_error,
    language_voice,
    malformed,
    require,
    speakable_text,
    timeout_error,
    wav_duration,
)

VENDOR = "azure"
OUTPUT_FORMAT = "riff-24khz-16bit-mono-pcm"
TRANSCRIBE_API_VERSION = "2024-11-15"


def _locale(language: str | None) -> str:
    if not language:
        return "en-US"
    if "-" in language:
        return language
    return "en-US" if language == "en" else f"{language}-{language.upper()}"


class AzureProvider(Provider):
    name = VENDOR
    capabilities = frozenset({Operation.TEXT_TO_SPEECH, Operation.TRANSCRIPTION})

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = httpx.Client(
                        headers={
                            "Ocp-Apim-Subscription-Key": self.settings.options.get("api_key", ""),
                            "User-Agent": "mira-storyteller",
                        },
                        follow_redirects=False,
                    )
        return self._client

    def _url(self, kind: str) -> str:
        base = (self.settings.options.get("endpoint") or "").rstrip("/")
        region = self.settings.options.get("region") or "eastus"
        if kind == "tts":
            base = base or f"https://{region}.tts.speech.microsoft.com"
            return f"{base}/cognitiveservices/v1"
        base = base or f"https://{region}.api.cognitive.microsoft.com"
        return f"{base}/speechtotext/transcriptions:transcribe?api-version={TRANSCRIBE_API_VERSION}"

    def _post(self, call: VendorCall, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.post(url, timeout=call.timeout, **kwargs)
        except httpx.TimeoutException as exc:
            raise timeout_error(VENDOR, call.timeout) from exc
        except httpx.TransportError as exc:
            raise connection_error(VENDOR, type(exc).__name__) from exc
        if response.status_code >= 400:
            raise http_status_error(
                VENDOR,
                response.status_code,
                response.text[:300] or response.reason_phrase,
                headers=response.headers,
            )
        return response

    def synthesize_speech(self, request: SpeechRequest, call: VendorCall) -> SpeechResult:
        text = speakable_text(request.text)
        voice = language_voice(
            request.voice, call.model.options, request.language, call.model.model
        )
        locale = "-".join(voice.split("-")[:2]) if voice.count("-") >= 2 else "en-US"
        rate = f"{round((request.speed - 1.0) * 100):+d}%"
        ssml = (
            f"<speak version='1.0' xml:lang={quoteattr(locale)}>"
            f"<voice name={quoteattr(voice)}><prosody rate={quoteattr(rate)}>"
            f"{escape(text)}</prosody></voice></speak>"
        )
        response = self._post(
            call,
            self._url("tts"),
            content=ssml.encode("utf-8"),
            headers={
                "Content-Type": "application/ssml+xml",
                "X-Microsoft-OutputFormat": OUTPUT_FORMAT,
            },
        )
        audio = response.content
        duration = wav_duration(audio)
        if duration is None:
            raise malformed(VENDOR, "speech body is not a RIFF WAV file")
        return SpeechResult(
            audio=audio,
            mime_type="audio/wav",
            duration_seconds=duration,
            word_marks=None,
            # Azure bills the spoken text's characters, not the SSML markup around it.
            usage=Usage(characters=len(text), requests=1),
        )

    def transcribe(self, request: TranscriptionRequest, call: VendorCall) -> TranscriptionResult:
        # No language given: leave "locales" out, so Azure identifies the language (its
        # multilingual model) instead of hearing every recording as US English.
        definition: dict[str, Any] = (
            {"locales": [_locale(request.language)]} if request.language else {}
        )
        response = self._post(
            call,
            self._url("stt"),
            files={
                "audio": ("audio", request.audio, request.mime_type),
                "definition": (None, json.dumps(definition), "application/json"),
            },
        )
        try:
            body = response.json()
        except ValueError:
            raise malformed(VENDOR, "body is not JSON") from None
        require(body, dict, VENDOR, "body")
        duration_ms = require(body.get("durationMilliseconds"), int, VENDOR, "durationMilliseconds")
        phrases = require(body.get("phrases", []), list, VENDOR, "phrases")
        words: list[WordMark] = []
        confidences: list[float] = []
        locale = None
        for phrase in phrases:
            require(phrase, dict, VENDOR, "a phrase")
            if isinstance(phrase.get("confidence"), int | float):
                confidences.append(float(phrase["confidence"]))
            locale = locale or phrase.get("locale")
            for word in require(phrase.get("words", []), list, VENDOR, "words"):
                text = require(
                    word.get("text") if isinstance(word, dict) else None, str, VENDOR, "word text"
                )
                offset = require(word.get("offsetMilliseconds"), int, VENDOR, "word offset")
                length = require(word.get("durationMilliseconds"), int, VENDOR, "word duration")
                words.append(WordMark(text, offset / 1000, (offset + length) / 1000))
        combined = body.get("combinedPhrases") or []
        text = " ".join(
            p.get("text", "")
            for p in combined
            if isinstance(p, dict) and isinstance(p.get("text"), str)
        ) or " ".join(w.word for w in words)
        return TranscriptionResult(
            text=text.strip(),
            words=tuple(words),
            language=locale or (_locale(request.language) if request.language else None),
            confidence=sum(confidences) / len(confidences) if confidences else None,
            duration_seconds=duration_ms / 1000,
            usage=Usage(audio_seconds=Decimal(duration_ms) / 1000, requests=1),
        )
