"""Anthropic: the Messages API for stories, for describing drawings (image blocks) and as the
story safety judge (Anthropic has no moderation endpoint, so it only judges).

Translation only; the SDK's retries are off (``max_retries=0``), the gateway retries. The only
user identifier sent is ``metadata.user_id``, the salted hash (Anthropic's one metadata field).
"""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

import anthropic

from ..errors import ProviderError
from ..types import (
    ImageAnalysisRequest,
    ImageAnalysisResult,
    Operation,
    SafetyRequest,
    SafetyResult,
    StoryRequest,
    StoryResult,
    Usage,
)
from .base import Provider, VendorCall
from .common import (
    judge_result,
    malformed,
    require,
    split_title,
    story_prompt,
    translate_sdk_error,
)

VENDOR = "anthropic"
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def _translate(exc: Exception, timeout: float) -> ProviderError:
    return translate_sdk_error(anthropic, VENDOR, exc, timeout)


_MESSAGE_PARAMETERS = frozenset({"max_tokens", "temperature", "top_p", "top_k", "stop_sequences"})
# The Messages API takes these (docs.anthropic.com/en/api/messages); this SDK generation's
# ``messages.create`` lists only max_tokens and stop_sequences, so the sampling ones go in the
# request body through ``extra_body``, the SDK's way to send fields its signature lacks.
_BODY_ONLY = ("temperature", "top_p", "top_k")


class AnthropicProvider(Provider):
    name = VENDOR
    capabilities = frozenset(
        {Operation.STORY_GENERATION, Operation.IMAGE_RECOGNITION, Operation.CONTENT_SAFETY}
    )
    moderates = False
    judges_safety = True
    sendable_parameters = {
        Operation.STORY_GENERATION: _MESSAGE_PARAMETERS,
        Operation.IMAGE_RECOGNITION: _MESSAGE_PARAMETERS,
    }

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self._client: anthropic.Anthropic | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> anthropic.Anthropic:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = anthropic.Anthropic(
                        api_key=self.settings.options.get("api_key"),
                        base_url=self.settings.options.get("base_url") or None,
                        max_retries=0,
                        timeout=60.0,
                    )
        return self._client

    def _message(
        self,
        call: VendorCall,
        *,
        system: str,
        content: Any,
        max_tokens: int,
        params: dict[str, Any] | None = None,
        prefill: str = "",
    ) -> tuple[str, Usage, str]:
        params = dict(params or {})
        max_tokens = int(params.pop("max_tokens", max_tokens))
        kwargs: dict[str, Any] = {}
        if "stop_sequences" in params:
            kwargs["stop_sequences"] = list(params.pop("stop_sequences"))
        body = {name: params[name] for name in _BODY_ONLY if name in params}
        if body:
            kwargs["extra_body"] = body
        if system:
            kwargs["system"] = system
        if call.user_hash:
            kwargs["metadata"] = {"user_id": call.user_hash}
        messages: list[dict[str, Any]] = [{"role": "user", "content": content}]
        if prefill:
            # The reply continues this assistant turn (Anthropic's way to pin a format).
            messages.append({"role": "assistant", "content": prefill})
        try:
            response = self.client.messages.create(
                model=call.model.model,
                max_tokens=max_tokens,
                messages=messages,
                timeout=call.timeout,
                **kwargs,
            )
        except (anthropic.AnthropicError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise _translate(exc, call.timeout) from exc
        blocks = require(getattr(response, "content", None), list, VENDOR, "content")
        texts = [
            block.text
            for block in blocks
            if getattr(block, "type", None) == "text"
            and isinstance(getattr(block, "text", None), str)
        ]
        if not texts:
            raise malformed(VENDOR, "no text block")
        usage = getattr(response, "usage", None)
        input_tokens = require(getattr(usage, "input_tokens", None), int, VENDOR, "usage")
        output_tokens = require(getattr(usage, "output_tokens", None), int, VENDOR, "usage")
        # Prompt caching bills cache writes and reads as input too (at other rates; we have
        # none cached, so any such tokens are counted at the input price rather than dropped).
        for extra in ("cache_creation_input_tokens", "cache_read_input_tokens"):
            value = getattr(usage, extra, None)
            if isinstance(value, int) and not isinstance(value, bool):
                input_tokens += value
        model = getattr(response, "model", None)
        return (
            prefill + "".join(texts),
            Usage(input_tokens=input_tokens, output_tokens=output_tokens, requests=1),
            model if isinstance(model, str) and model else call.model.model,
        )

    def generate_story(self, request: StoryRequest, call: VendorCall) -> StoryResult:
        system, user = story_prompt(request)
        reply, usage, model = self._message(
            call,
            system=system,
            content=user,
            max_tokens=request.max_tokens,
            params=self.prompt_parameters(Operation.STORY_GENERATION, request),
        )
        title, text = split_title(reply)
        if not text:
            raise malformed(VENDOR, "the story is empty")
        return StoryResult(title=title, text=text, usage=usage, model=model)

    def check_safety(self, request: SafetyRequest, call: VendorCall) -> SafetyResult:
        """The LLM safety judge (prompts/system/content_safety.yaml): a JSON verdict, the reply
        pinned to JSON by starting the assistant turn with ``{``. Plain moderation requests are
        never routed here (``moderates`` is False)."""
        if not request.judge:
            raise ProviderError(
                "Anthropic has no moderation endpoint; it only judges stories.",
                code="unsupported_request",
                fallback=True,
            )
        reply, usage, model = self._message(
            call,
            system=request.system_prompt,
            content=request.user_prompt,
            max_tokens=request.max_tokens,
            params={"temperature": 0.0},
            prefill="{",
        )
        return judge_result(reply, usage, model)

    def analyse_image(self, request: ImageAnalysisRequest, call: VendorCall) -> ImageAnalysisResult:
        if request.mime_type not in IMAGE_TYPES:
            raise ProviderError(
                f"{VENDOR} cannot read {request.mime_type} images", code="bad_request"
            )
        content = [
            {
                "type": "image",
                "source": {
                    "type": "base64",
                    "media_type": request.mime_type,
                    "data": base64.b64encode(request.image).decode("ascii"),
                },
            },
            {"type": "text", "text": request.user_prompt},
        ]
        reply, usage, _ = self._message(
            call,
            system=request.system_prompt,
            content=content,
            max_tokens=request.max_tokens,
            params=self.prompt_parameters(Operation.IMAGE_RECOGNITION, request),
        )
        description = " ".join(reply.split())
        if not description:
            raise malformed(VENDOR, "the description is empty")
        return ImageAnalysisResult(description=description, usage=usage)
