"""Cost of a call from the usage a vendor reported, at the configured prices, in ``Decimal``.

``estimate_cost`` gives the worst case before a call (for budget reservations);
``cost_of`` gives the actual cost after it. Operation costs are kept to 6 places.
"""

from __future__ import annotations

import io
import wave
from decimal import ROUND_HALF_UP, Decimal

from .config import ModelSettings
from .types import (
    ImageAnalysisRequest,
    ImageGenerationRequest,
    Operation,
    SafetyRequest,
    SpeechRequest,
    StoryRequest,
    TranscriptionRequest,
    Usage,
)

COST_PLACES = Decimal("0.000001")
SIXTY = Decimal(60)
# Worst cases used when a request does not tell: 2 minutes of audio (the upload limit),
# ~1 token per 3 characters (English averages ~4), a high-detail image in vision tokens.
MAX_AUDIO_SECONDS = Decimal(120)
CHARS_PER_TOKEN_WORST = 3
IMAGE_INPUT_TOKENS_WORST = 1600
# Narration at its slowest is ~8 characters a second, for models billed by audio length.
SLOWEST_CHARS_PER_SECOND = 8


def quantize_cost(value: Decimal) -> Decimal:
    return value.quantize(COST_PLACES, rounding=ROUND_HALF_UP)


def _image_price(model: ModelSettings, size: str, quality: str) -> Decimal:
    price = model.prices.get("image", Decimal(0))
    if isinstance(price, dict):
        key = f"{size or model.options.get('size', '1024x1024')}/{quality or model.options.get('quality', 'standard')}"
        if key in price:
            return price[key]
        # An unlisted size/quality is billed at the dearest listed price rather than free.
        return max(price.values(), default=Decimal(0))
    return price


def cost_of(model: ModelSettings, usage: Usage) -> Decimal:
    prices = model.prices
    zero = Decimal(0)
    total = (
        prices.get("input_token", zero) * usage.input_tokens
        + prices.get("output_token", zero) * usage.output_tokens
        + prices.get("character", zero) * usage.characters
        + prices.get("audio_second", zero) * usage.audio_seconds
        + prices.get("audio_minute", zero) * usage.audio_seconds / SIXTY
        + prices.get("request", zero) * usage.requests
    )
    if usage.images:
        total += _image_price(model, usage.image_size, usage.image_quality) * usage.images
    return quantize_cost(total)


def _wav_seconds(audio: bytes) -> Decimal | None:
    try:
        with wave.open(io.BytesIO(audio)) as wav:
            return Decimal(wav.getnframes()) / Decimal(wav.getframerate())
    except (wave.Error, EOFError, ZeroDivisionError):
        return None


def worst_case_usage(operation: Operation, request: object) -> Usage:
    """The most a request can consume, so a reservation never undershoots."""
    if isinstance(request, StoryRequest):
        chars = (
            len(request.system_prompt) + len(request.user_prompt) + sum(map(len, request.feedback))
        )
        return Usage(
            input_tokens=chars // CHARS_PER_TOKEN_WORST + 1,
            output_tokens=request.max_tokens,
            requests=1,
        )
    if isinstance(request, ImageAnalysisRequest):
        chars = len(request.system_prompt) + len(request.user_prompt)
        return Usage(
            input_tokens=chars // CHARS_PER_TOKEN_WORST + IMAGE_INPUT_TOKENS_WORST,
            output_tokens=request.max_tokens,
            requests=1,
        )
    if isinstance(request, SafetyRequest):
        chars = len(request.text) + len(request.system_prompt) + len(request.user_prompt)
        return Usage(
            input_tokens=chars // CHARS_PER_TOKEN_WORST + 1,
            output_tokens=request.max_tokens if request.judge else 0,
            requests=1,
        )
    if isinstance(request, SpeechRequest):
        return Usage(
            characters=len(request.text),
            audio_seconds=Decimal(len(request.text)) / SLOWEST_CHARS_PER_SECOND,
            requests=1,
        )
    if isinstance(request, TranscriptionRequest):
        seconds = (
            _wav_seconds(request.audio)
            if request.mime_type in {"audio/wav", "audio/x-wav"}
            else None
        )
        return Usage(
            audio_seconds=seconds if seconds is not None else MAX_AUDIO_SECONDS, requests=1
        )
    if isinstance(request, ImageGenerationRequest):
        return Usage(images=1, image_size=request.size, image_quality=request.quality, requests=1)
    raise TypeError(f"no cost estimate for {operation.value} request {type(request).__name__}")


def estimate_cost(model: ModelSettings, operation: Operation, request: object) -> Decimal:
    return cost_of(model, worst_case_usage(operation, request))
