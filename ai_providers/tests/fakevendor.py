"""A fake AI vendor: one real HTTP server on 127.0.0.1 (random port) that speaks the parts of
the OpenAI, Anthropic, Google (OAuth token exchange, Text-to-Speech v1beta1, Vision) and Azure Speech APIs
that Mira calls, so tests drive the real SDKs over real sockets.

Tests script each endpoint: ``fake.queue("openai.chat", Fail(429, retry_after=1), Reply(...))``
runs those in order, then the endpoint's default (a plausible success). Every request is
recorded (``fake.requests("openai.chat")``) with headers, raw body and parsed JSON/form, so a
test can assert what was sent, e.g. that the user id is a salted hash.

Behaviours: ``Reply(**fields)`` a success (fields override the default body; ``usage=`` sets
what the vendor reports), ``Fail(status, retry_after=..., retry_after_ms=...)``, ``Slow(seconds,
then=...)`` (for timeouts), ``Malformed(body)`` (a 200 whose body is not what the API
promises), ``Drop()`` (close the connection without answering).

Sockets use TCP_NODELAY and each response goes out in one write: otherwise Nagle's algorithm
and delayed ACKs add ~40 ms to every call and any timing taken against the server is wrong.
"""

from __future__ import annotations

import base64
import contextlib
import email.parser
import email.policy
import io
import json
import math
import re
import socket
import threading
import time
import uuid
import wave
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SAMPLE_RATE = 24000
SECONDS_PER_CHARACTER = 0.06  # a calm narrator, ~12 characters a second


# --- behaviours ----------------------------------------------------------------------------------


@dataclass
class Reply:
    """Success. Keyword fields override parts of the default response (see each endpoint)."""

    fields: dict[str, Any] = field(default_factory=dict)

    def __init__(self, **fields: Any) -> None:
        self.fields = fields


@dataclass
class Fail:
    status: int = 500
    retry_after: float | str | None = None  # Retry-After header (seconds or an HTTP date)
    retry_after_ms: int | None = None  # retry-after-ms header (OpenAI, Anthropic)
    message: str = "scripted failure"


@dataclass
class Slow:
    seconds: float
    then: Any = None  # what to answer after the delay (default: the endpoint's success)


@dataclass
class Malformed:
    body: bytes = b'{"this is": not json'
    content_type: str = "application/json"


@dataclass
class Drop:
    """Close the connection without a response."""


# --- recorded requests ---------------------------------------------------------------------------


@dataclass
class Recorded:
    endpoint: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any = None
    form: dict[str, tuple[str | None, bytes]] = field(default_factory=dict)  # name -> (file, data)
    status: int = 0  # what the fake answered
    response_json: Any = None  # the JSON body it answered with, e.g. the usage it reported

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


# --- audio helpers -------------------------------------------------------------------------------


def make_wav(seconds: float, *, rate: int = SAMPLE_RATE) -> bytes:
    """A quiet 220 Hz hum of ``seconds`` (16-bit mono): real audio that any reader accepts."""
    frames = max(1, int(seconds * rate))
    samples = bytearray()
    for i in range(frames):
        value = int(800 * math.sin(2 * math.pi * 220 * i / rate))
        samples += value.to_bytes(2, "little", signed=True)
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(samples))
    return out.getvalue()


def wav_seconds(data: bytes) -> float:
    try:
        with wave.open(io.BytesIO(data)) as wav:
            return wav.getnframes() / wav.getframerate()
    except (wave.Error, EOFError):
        return 0.0


def spread_words(words: list[Any], duration: float) -> list[dict]:
    """Words as dicts with times; plain strings are spread over ``duration`` by length."""
    if all(isinstance(w, dict) for w in words):
        return words
    texts = [w if isinstance(w, str) else w["word"] for w in words]
    weights = [len(t) + 1 for t in texts]
    total = sum(weights) or 1
    out, cursor = [], 0.0
    for text, weight in zip(texts, weights, strict=True):
        end = cursor + duration * weight / total
        out.append({"word": text, "start": round(cursor, 3), "end": round(end, 3)})
        cursor = end
    return out


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


# --- default responses -----------------------------------------------------------------------------

DEFAULT_STORY = (
    "The Moonlight Garden\n\n"
    "Once upon a time, {name} found a tiny door at the bottom of the garden. It glowed softly, "
    "like a lantern made of moonlight, and it hummed a gentle tune.\n\n"
    "Behind the door lived a family of friendly hedgehogs who loved to paint. They had drawn "
    "three shiny stars on the wall, and one of them was missing its sparkle.\n\n"
    "{name} picked up a brush, dipped it in golden paint and gave the star a twinkle. The "
    "hedgehogs cheered, and the whole garden lit up with warm, happy light.\n\n"
    "Then the smallest hedgehog showed {name} a secret path made of 12 round stepping stones. "
    "They hopped from stone to stone, counting out loud, past sleepy snails and sunflowers "
    "that nodded hello. At the end of the path was a pond full of glowing fish.\n\n"
    "When it was time to go home, the hedgehogs gave {name} a little pebble that shone like a "
    "star. Every night after that, {name} held it close, smiled, and dreamed of kind friends, "
    "bright colours and brave little adventures together."
)


def _asks_for_json(body: Any) -> bool:
    return isinstance(body, dict) and (body.get("response_format") or {}).get("type") == (
        "json_object"
    )


def _prefill(body: Any) -> str:
    """The assistant turn an Anthropic request ends with (the reply continues it), or ""."""
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list) or not messages or not isinstance(messages[-1], dict):
        return ""
    last = messages[-1]
    content = last.get("content")
    return content if last.get("role") == "assistant" and isinstance(content, str) else ""


class FakeVendor:
    """The server plus its scripts and recordings. Thread-safe; one per test session."""

    ENDPOINTS = {
        ("POST", r"(/v1)?/chat/completions"): "openai.chat",
        ("POST", r"(/v1)?/audio/speech"): "openai.speech",
        ("POST", r"(/v1)?/audio/transcriptions"): "openai.transcription",
        ("POST", r"(/v1)?/images/generations"): "openai.images",
        ("POST", r"(/v1)?/moderations"): "openai.moderations",
        # Not a path of its own: a chat completion asking for a JSON object is the safety
        # judge's call (``fake.queue("openai.judge", Reply(content='{"flagged": true, ...}'))``).
        ("POST", r"(/v1)?/chat/completions#judge"): "openai.judge",
        ("POST", r"/v1/messages"): "anthropic.messages",
        # Likewise a message whose assistant turn is started with "{": Anthropic's safety judge.
        ("POST", r"/v1/messages#judge"): "anthropic.judge",
        ("POST", r"/token"): "google.token",
        ("POST", r"/v1beta1/text:synthesize"): "google.tts",
        ("POST", r"/v1/images:annotate"): "google.vision",
        ("POST", r"/cognitiveservices/v1"): "azure.tts",
        ("POST", r"/speechtotext/transcriptions:transcribe"): "azure.transcription",
    }

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, list[Any]] = {}
        self._recorded: list[Recorded] = []
        self.story_name = "Mia"
        self.transcript: list[Any] | None = None  # words the transcription endpoints "hear"
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # lifecycle
    def start(self) -> FakeVendor:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def reset(self) -> None:
        with self._lock:
            self._scripts.clear()
            self._recorded.clear()
            self.story_name = "Mia"
            self.transcript = None

    # scripting
    def queue(self, endpoint: str, *behaviours: Any) -> None:
        if endpoint not in self.ENDPOINTS.values():
            raise ValueError(f"unknown fake endpoint {endpoint!r}")
        with self._lock:
            self._scripts.setdefault(endpoint, []).extend(behaviours)

    def always(self, endpoint: str, behaviour: Any, times: int = 1000) -> None:
        self.queue(endpoint, *([behaviour] * times))

    def _next(self, endpoint: str) -> Any:
        with self._lock:
            script = self._scripts.get(endpoint)
            return script.pop(0) if script else Reply()

    # recordings
    def requests(self, endpoint: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self._recorded if endpoint is None or r.endpoint == endpoint]

    def _record(self, recorded: Recorded) -> None:
        with self._lock:
            self._recorded.append(recorded)

    # --- success bodies (fields from Reply override) ------------------------------------------

    def success(
        self, endpoint: str, req: Recorded, fields: dict[str, Any]
    ) -> tuple[int, dict, bytes]:
        build = getattr(self, "_ok_" + endpoint.replace(".", "_"))
        return build(req, fields)

    @staticmethod
    def _json(body: Any, status: int = 200, headers: dict | None = None) -> tuple[int, dict, bytes]:
        return (
            status,
            {"Content-Type": "application/json", **(headers or {})},
            json.dumps(body).encode(),
        )

    def _ok_openai_chat(self, req: Recorded, f: dict) -> tuple[int, dict, bytes]:
        messages = (req.json or {}).get("messages", [])
        prompt = json.dumps(messages)
        content = f.get("content", DEFAULT_STORY.format(name=self.story_name))
        usage = f.get(
            "usage",
            {"prompt_tokens": _tokens(prompt), "completion_tokens": _tokens(content)},
        )
        usage = {**usage, "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"]}
        return self._json(
            {
                "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": f.get("model", (req.json or {}).get("model", "gpt-4o") + "-2024-08-06"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content, "refusal": None},
                        "finish_reason": "stop",
                        "logprobs": None,
                    }
                ],
                "usage": usage,
            }
        )

    def _ok_openai_judge(self, req: Recorded, f: dict) -> tuple[int, dict, bytes]:
        verdict = {"flagged": False, "categories": [], "reasons": []}
        return self._ok_openai_chat(req, {"content": json.dumps(verdict), **f})

    def _ok_openai_speech(self, req: Recorded, f: dict) -> tuple[int, dict, bytes]:
        text = (req.json or {}).get("input", "")
        audio = f.get("audio") or make_wav(max(0.3, len(text) * SECONDS_PER_CHARACTER))
        return 200, {"Content-Type": "audio/wav"}, audio

    def _heard(self, audio: bytes, f: dict) -> tuple[float, list[dict], str]:
        duration = f.get("duration", wav_seconds(audio))
        words = f.get("words", self.transcript or [])
        timed = spread_words(list(words), duration)
        text = f.get("text", " ".join(w["word"] for w in timed))
        return duration, timed, text

    def _ok_openai_transcription(self, req: Recorded, f: dict) -> tuple[int, dict, bytes]:
        audio = req.form.get("file", (None, b""))[1]
        duration, words, text = self._heard(audio, f)
        body = {
            "task": "transcribe",
            "language": f.get("language", "english"),
            "duration": duration,
            "text": text,
            "words": words,
            "segments": [
                {
                    "id": 0,
                    "seek": 0,
                    "start": 0.0,
                    "end": duration,
                    "text": text,
                    "tokens": [],
                    "temperature": 0.0,
                    "avg_logprob": f.get("avg_logprob", -0.1),
                    "compression_ratio": 1.2,
                    "no_speech_prob": 0.01,
                }
            ],
            "usage": {"type": "duration", "seconds": f.get("seconds", math.ceil(duration))},
        }
        return self._json(body)

    def _ok_openai_images(self, req: Recorded, f: dict) -> tuple[int, dict, bytes]:
        from PIL import Image

        out = io.BytesIO()
        Image.new("RGB", (64, 64), (250, 200, 120)).save(out, format="PNG")
        image = f.get("image", out.getvalue())
        return self._json(
            {
                "created": int(time.time()),
                "data": [
                    {"b64_json": base64.b64encode(image).decode(), "revised_prompt": "a cover"}
                ],
            }
        )

    def _ok_openai_moderations(self, req: Recorded, f: dict) -> tuple[int, dict, bytes]:
        flagged_categories = set(f.get("categories", []))
        names = [
            "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit",
            "illicit/violent", "self-harm", "self-harm/instructions", "self-harm/intent",
            "sexual", "sexual/minors", "violence", "violence/graphic",
        ]  # fmt: skip
        return self._json(
            {
                "id": f"modr-{uuid.uuid4().hex[:8]}",
                "model": "omni-moderation-2024-09-26",
                "results": [
                    {
                        "flagged": bool(flagged_categories),
                        "categories": {n: n in flagged_categories for n in names},
                        "category_scores": {
                            n: 0.9 if n in flagged_categories else 0.001 for n in names
                        },
                        "category_applied_input_types": {n: ["text"] for n in names},
                    }
                ],
            }
        )

    def _ok_anthropic_messages(self, req: Recorded, f: dict) -> tuple[int, dict, bytes]:
        body = req.json or {}
        content = f.get("content", DEFAULT_STORY.format(name=self.story_name))
        usage = f.get(
            "usage",
            {
                "input_tokens": _tokens(
                    json.dumps(body.get("messages", [])) + str(body.get("system", ""))
                ),
                "output_tokens": _tokens(content),
            },
        )
        return self._json(
            {
                "id": f"msg_{uuid.uuid4().hex[:16]}",
                "type": "message",
                "role": "assistant",
                "model": f.get("model", body.get("model", "claude")),
                "content": [{"type": "text", "text": content}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": usage,
            }
        )

    def _ok_anthropic_judge(self, req: Recorded, f: dict) -> tuple[int, dict, bytes]:
        # The reply continues the prefilled "{", as the real API's does.
        content = f.get("content", json.dumps({"flagged": False, "categories": [], "reasons": []}))
        prefill = _prefill(req.json)
        return self._ok_anthropic_messages(req, {**f, "content": content.removeprefix(prefill)})

    def _ok_google_token(self, req: Recorded, f: dict) -> tuple[int, dict, bytes]:
        return self._json(
            {"access_token": "fake-google-token", "expires_in": 3600, "token_type": "Bearer"}
        )

    def _ok_google_tts(self, req: Recorded, f: dict) -> tuple[int, dict, bytes]:
        ssml = ((req.json or {}).get("input") or {}).get("ssml", "")
        marks = re.findall(r'<mark name="([^"]+)"/>', ssml)
        spoken = re.sub(r"<[^>]+>", " ", ssml)
        duration = max(0.3, len(" ".join(spoken.split())) * SECONDS_PER_CHARACTER)
        audio = f.get("audio") or make_wav(duration)
        step = duration / max(1, len(marks))
        timepoints = f.get(
            "timepoints",
            [{"markName": m, "timeSeconds": round(i * step, 3)} for i, m in enumerate(marks)],
        )
        return self._json(
            {
                "audioContent": base64.b64encode(audio).decode(),
                "timepoints": timepoints,
                "audioConfig": {"audioEncoding": "LINEAR16", "sampleRateHertz": SAMPLE_RATE},
            }
        )

    def _ok_google_vision(self, req: Recorded, f: dict) -> tuple[int, dict, bytes]:
        count = len((req.json or {}).get("requests", [])) or 1
        one = {
            "labelAnnotations": f.get(
                "labels",
                [
                    {"mid": "/m/0bt9lr", "description": "Dog", "score": 0.92},
                    {"mid": "/m/03scnj", "description": "Line art", "score": 0.81},
                ],
            ),
            "localizedObjectAnnotations": f.get(
                "objects", [{"mid": "/m/0bt9lr", "name": "Dog", "score": 0.88}]
            ),
            "imagePropertiesAnnotation": {
                "dominantColors": {
                    "colors": f.get(
                        "colors",
                        [
                            {
                                "color": {"red": 250, "green": 210, "blue": 40},
                                "score": 0.5,
                                "pixelFraction": 0.4,
                            },
                            {
                                "color": {"red": 70, "green": 140, "blue": 230},
                                "score": 0.3,
                                "pixelFraction": 0.2,
                            },
                        ],
                    )
                }
            },
        }
        if "error" in f:
            one = {"error": f["error"]}
        return self._json({"responses": [one] * count})

    def _ok_azure_tts(self, req: Recorded, f: dict) -> tuple[int, dict, bytes]:
        spoken = re.sub(r"<[^>]+>", " ", req.text)
        audio = f.get("audio") or make_wav(
            max(0.3, len(" ".join(spoken.split())) * SECONDS_PER_CHARACTER)
        )
        return 200, {"Content-Type": "audio/x-wav"}, audio

    def _ok_azure_transcription(self, req: Recorded, f: dict) -> tuple[int, dict, bytes]:
        audio = req.form.get("audio", (None, b""))[1]
        duration, words, text = self._heard(audio, f)
        phrase_words = [
            {
                "text": w["word"],
                "offsetMilliseconds": round(w["start"] * 1000),
                "durationMilliseconds": round((w["end"] - w["start"]) * 1000),
            }
            for w in words
        ]
        return self._json(
            {
                "durationMilliseconds": round(duration * 1000),
                "combinedPhrases": [{"text": text}],
                "phrases": [
                    {
                        "offsetMilliseconds": phrase_words[0]["offsetMilliseconds"]
                        if phrase_words
                        else 0,
                        "durationMilliseconds": round(duration * 1000),
                        "text": text,
                        "words": phrase_words,
                        "locale": f.get("locale", "en-US"),
                        "confidence": f.get("confidence", 0.91),
                    }
                ]
                if words
                else [],
            }
        )

    # --- failures in each vendor's error format ----------------------------------------------

    @staticmethod
    def failure(endpoint: str, fail: Fail) -> tuple[int, dict, bytes]:
        headers = {"Content-Type": "application/json"}
        if fail.retry_after is not None:
            headers["Retry-After"] = str(fail.retry_after)
        if fail.retry_after_ms is not None:
            headers["retry-after-ms"] = str(fail.retry_after_ms)
        vendor = endpoint.split(".")[0]
        if vendor == "openai":
            body = {"error": {"message": fail.message, "type": "server_error", "code": None}}
        elif vendor == "anthropic":
            kind = {429: "rate_limit_error", 529: "overloaded_error"}.get(fail.status, "api_error")
            body = {"type": "error", "error": {"type": kind, "message": fail.message}}
        elif vendor == "google":
            status_name = {429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"}.get(
                fail.status, "INTERNAL"
            )
            body = {"error": {"code": fail.status, "message": fail.message, "status": status_name}}
        else:
            body = {"error": {"code": str(fail.status), "message": fail.message}}
        return fail.status, headers, json.dumps(body).encode()


def _parse_form(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    form = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        form[name] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return form


def _handler_for(fake: FakeVendor) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # TCP_NODELAY on every accepted socket

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            return

        def _send(self, status: int, headers: dict, body: bytes) -> None:
            head = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}"]
            head += [f"{k}: {v}" for k, v in headers.items()]
            head += [f"Content-Length: {len(body)}", "Connection: keep-alive", "", ""]
            try:
                # Headers and body in one write (see the module docstring).
                self.wfile.write("\r\n".join(head).encode("latin-1") + body)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (a timeout test)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            endpoint = next(
                (
                    name
                    for (method, pattern), name in FakeVendor.ENDPOINTS.items()
                    if method == "POST" and re.fullmatch(pattern, parts.path)
                ),
                None,
            )
            if endpoint is None:
                self._send(
                    404, {"Content-Type": "application/json"}, b'{"error": "no such endpoint"}'
                )
                return
            content_type = self.headers.get("Content-Type", "")
            recorded = Recorded(
                endpoint=endpoint,
                method="POST",
                path=parts.path,
                query=parse_qs(parts.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            if "json" in content_type:
                try:
                    recorded.json = json.loads(body or b"null")
                except ValueError:
                    recorded.json = None
            elif content_type.startswith("multipart/form-data"):
                recorded.form = _parse_form(content_type, body)
            if endpoint == "openai.chat" and _asks_for_json(recorded.json):
                recorded.endpoint = endpoint = "openai.judge"
            if endpoint == "anthropic.messages" and _prefill(recorded.json).startswith("{"):
                recorded.endpoint = endpoint = "anthropic.judge"
            fake._record(recorded)

            behaviour = fake._next(endpoint)
            if isinstance(behaviour, Slow):
                time.sleep(behaviour.seconds)
                behaviour = behaviour.then or Reply()
            if isinstance(behaviour, Drop):
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            if isinstance(behaviour, Fail):
                self._send(*fake.failure(endpoint, behaviour))
            elif isinstance(behaviour, Malformed):
                self._send(200, {"Content-Type": behaviour.content_type}, behaviour.body)
            else:
                status, headers, payload = fake.success(endpoint, recorded, behaviour.fields)
                recorded.status = status
                if headers.get("Content-Type") == "application/json":
                    recorded.response_json = json.loads(payload)
                self._send(status, headers, payload)

    return Handler


_SERVICE_ACCOUNT_KEY: str | None = None


def _service_account_key() -> str:
    """A throwaway RSA key (PEM) for a fake service account, made once per process."""
    global _SERVICE_ACCOUNT_KEY
    if _SERVICE_ACCOUNT_KEY is None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _SERVICE_ACCOUNT_KEY = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
    return _SERVICE_ACCOUNT_KEY


def vendor_environment(fake: FakeVendor, directory) -> dict[str, str]:
    """Environment variables that point every vendor adapter at ``fake`` (keys are dummies).

    Google gets a service-account file with a throwaway key whose token endpoint is the fake
    server, so google-auth's real signing and token exchange run without reaching Google.
    """
    credentials = directory / "google-credentials.json"
    credentials.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "mira-test",
                "private_key_id": "fake-key-id",
                "private_key": _service_account_key(),
                "client_email": "mira@mira-test.iam.gserviceaccount.com",
                "client_id": "1234567890",
                "token_uri": f"{fake.url}/token",
            }
        )
    )
    return {
        "OPENAI_API_KEY": "sk-fake-openai",
        "OPENAI_BASE_URL": f"{fake.url}/v1",
        "ANTHROPIC_API_KEY": "sk-ant-fake",
        "ANTHROPIC_BASE_URL": fake.url,
        "GOOGLE_APPLICATION_CREDENTIALS": str(credentials),
        "MIRA_GOOGLE_TTS_URL": fake.url,
        "MIRA_GOOGLE_VISION_URL": fake.url,
        "AZURE_SPEECH_KEY": "fake-azure-key",
        "AZURE_SPEECH_REGION": "eastus",
        "MIRA_AZURE_SPEECH_URL": fake.url,
    }


VENDOR_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "MIRA_GOOGLE_TTS_URL",
    "MIRA_GOOGLE_VISION_URL",
    "AZURE_SPEECH_KEY",
    "AZURE_SPEECH_REGION",
    "MIRA_AZURE_SPEECH_URL",
)
