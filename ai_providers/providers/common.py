"""Translation helpers every vendor module shares: HTTP failures → ``ProviderError``, an LLM's
reply → title and paragraphs, WAV facts. No vendor SDK is imported here."""

from __future__ import annotations

import email.utils
import io
import json
import re
import time
import wave
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from ..errors import ProviderError
from ..types import SafetyResult, StoryRequest, Usage

# 408/409 (lock contention), 425, 429 and every 5xx (529 is Anthropic's "overloaded") are worth
# another try; other 4xx mean the request itself was refused.
RETRYABLE_STATUS = frozenset({408, 409, 425, 429})


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Seconds the vendor asked us to wait: ``retry-after-ms`` (OpenAI, Anthropic), else
    ``Retry-After`` as seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not headers:
        return None
    lowered = {str(k).lower(): v for k, v in headers.items()}
    raw_ms = lowered.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = lowered.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def http_status_error(
    vendor: str,
    status: int,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
) -> ProviderError:
    retryable = status in RETRYABLE_STATUS or status >= 500
    if status == 429:
        code = "rate_limited"
    elif status in (401, 403):
        code = "auth_failed"
    elif status >= 500:
        code = "server_error"
    else:
        code = "bad_request"
    return ProviderError(
        f"{vendor} answered HTTP {status}: {message}"[:1000],
        code=code,
        retryable=retryable,
        # Another vendor has other limits, keys and request shapes: always worth a try.
        fallback=True,
        retry_after=retry_after_seconds(headers) if retryable else None,
        status_code=status,
    )


def timeout_error(vendor: str, timeout: float) -> ProviderError:
    return ProviderError(
        f"{vendor} did not answer within {timeout:g} s", code="timeout", retryable=True
    )


def connection_error(vendor: str, detail: str) -> ProviderError:
    return ProviderError(
        f"{vendor} could not be reached: {detail}"[:1000], code="connection_error", retryable=True
    )


def malformed(vendor: str, what: str) -> ProviderError:
    # A 200 with a body we cannot read may already have been billed: fall back, don't repeat.
    return ProviderError(
        f"{vendor} sent a malformed response: {what}"[:1000],
        code="malformed_response",
        retryable=False,
    )


def translate_sdk_error(
    sdk: ModuleType, vendor: str, exc: Exception, timeout: float
) -> ProviderError:
    """Turn an OpenAI or Anthropic SDK error into a ``ProviderError``. Both SDKs are generated
    from one template and raise the same exception classes, each under its own module."""
    if isinstance(exc, sdk.APITimeoutError):
        return timeout_error(vendor, timeout)
    if isinstance(exc, sdk.APIConnectionError):
        return connection_error(vendor, str(exc))
    if isinstance(exc, sdk.APIResponseValidationError):
        return malformed(vendor, exc.message)
    if isinstance(exc, sdk.APIStatusError):
        return http_status_error(vendor, exc.status_code, exc.message, headers=exc.response.headers)
    if isinstance(exc, json.JSONDecodeError | UnicodeDecodeError):
        return malformed(vendor, "body is not JSON")
    return ProviderError(f"{vendor}: {type(exc).__name__}: {exc}", code="provider_error")


def require(value: Any, kind: type | tuple[type, ...], vendor: str, what: str) -> Any:
    wrong_bool = isinstance(value, bool) and kind is not bool  # bool is an int in Python
    if wrong_bool or not isinstance(value, kind):
        raise malformed(vendor, f"{what} is missing or not a {getattr(kind, '__name__', kind)}")
    return value


def story_prompt(request: StoryRequest) -> tuple[str, str]:
    """System and user text for an LLM, with a previous attempt's failures fed back."""
    user = request.user_prompt
    if request.feedback:
        problems = "\n".join(f"- {item}" for item in request.feedback)
        user = (
            f"{user}\n\nA previous draft had these problems; write a new story that fixes "
            f"them:\n{problems}"
        )
    return request.system_prompt, user


_QUOTES = "\"'\u2018\u2019\u201c\u201d"
_TITLE_PREFIX = re.compile(r"^\s*(?:#+\s*)?(?:\*\*)?\s*(?:title\s*:\s*)?", re.IGNORECASE)


def split_title(reply: str) -> tuple[str, str]:
    """An LLM reply → (title, text): the first line is the title (without quotes, ``#``,
    ``**`` or ``Title:``), the rest are paragraphs joined by one blank line."""
    lines = reply.strip().splitlines()
    if not lines:
        return "", ""
    title = _TITLE_PREFIX.sub("", lines[0]).strip().strip("*").strip().strip(_QUOTES).strip()
    body = "\n".join(lines[1:])
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip()]
    if not paragraphs:
        # One block only: no title line after all.
        return "", " ".join(reply.split())
    return title, "\n\n".join(paragraphs)


def wav_duration(audio: bytes) -> float | None:
    try:
        with wave.open(io.BytesIO(audio)) as wav:
            return wav.getnframes() / float(wav.getframerate())
    except (wave.Error, EOFError, ZeroDivisionError):
        return None


def speakable_text(text: str) -> str:
    """Collapse whitespace; vendors bill the characters they get, so send no padding."""
    return " ".join(text.split())


def language_voice(request_voice: str, options: Mapping[str, Any], language: str, default: str):
    """The voice to read ``language`` with: the request's own voice, else the model's
    ``voices`` entry for the language (config/ai_providers.yaml; "es-MX" falls back to "es"),
    else ``voice``, else ``default``."""
    if request_voice:
        return request_voice
    voices = options.get("voices") or {}
    code = (language or "").strip()
    for key in (code, code.lower(), code.split("-")[0].lower()):
        if key and voices.get(key):
            return str(voices[key])
    return options.get("voice") or default


JUDGE_UNCLEAR = "judge_unclear"
JUDGE_UNCLEAR_REASON = "the safety review gave no clear verdict"


def judge_verdict(reply: str) -> tuple[bool, tuple[str, ...], tuple[str, ...]]:
    """(flagged, categories, reasons) from the safety judge's JSON reply.

    Fails closed: a reply that is not exactly ``{"flagged": bool, "categories": [str],
    "reasons": [str]}`` counts as flagged with ``judge_unclear``, so an unjudged story is
    never delivered as if it had passed."""
    text = reply.strip()
    if text.startswith("```"):  # a fenced block around the object
        text = text.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("flagged"), bool):
        return True, (JUDGE_UNCLEAR,), (JUDGE_UNCLEAR_REASON,)
    categories, reasons = data.get("categories", []), data.get("reasons", [])
    if not (isinstance(categories, list) and isinstance(reasons, list)) or not all(
        isinstance(item, str) for item in [*categories, *reasons]
    ):
        return True, (JUDGE_UNCLEAR,), (JUDGE_UNCLEAR_REASON,)
    categories = [c.strip()[:40] for c in categories if c.strip()]
    reasons = [r.strip()[:300] for r in reasons if r.strip()]
    if not data["flagged"]:
        if categories:  # "not flagged" beside named categories is no clear verdict
            return True, (JUDGE_UNCLEAR,), (JUDGE_UNCLEAR_REASON,)
        return False, (), ()
    if not reasons:
        return True, tuple(categories), (f"safety review: {', '.join(categories) or 'flagged'}",)
    return True, tuple(categories), tuple(f"safety review: {r}" for r in reasons)


def judge_result(reply: str, usage: Usage, model: str) -> SafetyResult:
    """The judge's verdict (``judge_verdict``) as the result of a content_safety call."""
    flagged, categories, reasons = judge_verdict(reply)
    return SafetyResult(
        flagged=flagged,
        categories=categories,
        reasons=reasons,
        usage=usage,
        judged=True,
        model=model,
    )
