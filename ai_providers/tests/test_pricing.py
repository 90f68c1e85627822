from decimal import Decimal

from ai_providers.config import ModelSettings
from ai_providers.pricing import cost_of, estimate_cost
from ai_providers.types import (
    ImageGenerationRequest,
    Operation,
    SpeechRequest,
    StoryContext,
    StoryRequest,
    Usage,
)

CHAT = ModelSettings(
    model="m", prices={"input_token": Decimal("0.0000025"), "output_token": Decimal("0.00001")}
)


def test_token_cost_is_exact_decimal():
    assert cost_of(CHAT, Usage(input_tokens=1234, output_tokens=567)) == Decimal("0.008755")


def test_audio_minutes_and_characters():
    whisper = ModelSettings(model="whisper-1", prices={"audio_minute": Decimal("0.006")})
    assert cost_of(whisper, Usage(audio_seconds=Decimal("90"))) == Decimal("0.009")
    tts = ModelSettings(model="tts-1", prices={"character": Decimal("0.000015")})
    assert cost_of(tts, Usage(characters=1000)) == Decimal("0.015")


def test_image_price_by_size_and_quality_and_unknown_size_is_not_free():
    dalle = ModelSettings(
        model="dall-e-3",
        prices={"image": {"1024x1024/standard": Decimal("0.04"), "1024x1024/hd": Decimal("0.08")}},
    )
    assert cost_of(dalle, Usage(images=1, image_size="1024x1024", image_quality="hd")) == Decimal(
        "0.08"
    )
    assert cost_of(
        dalle, Usage(images=2, image_size="512x512", image_quality="standard")
    ) == Decimal("0.16")


def test_estimate_is_an_upper_bound_of_a_plausible_call():
    request = StoryRequest(
        context=StoryContext(kid_name="Mia", kid_age=5),
        system_prompt="s" * 3000,
        user_prompt="u" * 600,
        max_tokens=1500,
    )
    estimate = estimate_cost(CHAT, Operation.STORY_GENERATION, request)
    actual = cost_of(CHAT, Usage(input_tokens=900, output_tokens=1500))
    assert estimate >= actual
    tts = ModelSettings(model="tts-1", prices={"character": Decimal("0.000015")})
    assert estimate_cost(tts, Operation.TEXT_TO_SPEECH, SpeechRequest(text="x" * 100)) == Decimal(
        "0.0015"
    )
    free = ModelSettings(model="local", prices={})
    assert estimate_cost(
        free, Operation.IMAGE_GENERATION, ImageGenerationRequest(prompt="p")
    ) == Decimal("0")
