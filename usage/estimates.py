"""What a whole story is expected to cost before it starts, for the story-level hold.

Operations are counted as logical operations (docs/usage.md): one per AI step of the
pipeline however many vendor calls it takes, so the count is exact: 5 for a drawing or a typed
idea (look at the drawing or check the idea, write, check (moderation and the safety judge),
narrate with its word timing, paint the cover), 6 for a recorded idea (its transcription too).

The cost is deliberately on the high side: for each operation the story will call it
takes the dearest provider in that operation's chain that has credentials (the gateway may
fall back to any of them), at sizes that fit the requested story length. It is an admission
check, not a bill: each call still reserves its own worst case and the story's calls draw
from the hold (see ``services``), and whatever the story does not use is released when it
ends.

The config file is read directly (``operations`` and ``providers``) rather than through
``ai_providers``, which sits above this app; the rule for "has credentials" mirrors
``ai_providers.config.CREDENTIAL_KEYS``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from mira.config_file import config_document
from mira.vocabulary import LENGTH_BANDS

COST_PLACES = Decimal("0.000001")
CREDENTIAL_KEYS = ("api_key", "credentials_path")

# Upper word counts of each story length (mira.vocabulary) and the sizes that
# follow from them. ~6 characters a word with the space, ~1.4 tokens a word, narration in
# chunks of at least ~40 words (more calls means more per-request charges), ~2.5 words a
# second of narration (what word timing may have to transcribe).
MAX_WORDS = {length: high for length, (_low, high) in LENGTH_BANDS.items()}
CHARS_PER_WORD = 6
TOKENS_PER_WORD = Decimal("1.4")
WORDS_PER_NARRATION_CALL = 40
WORDS_PER_SECOND = Decimal("2.5")
PROMPT_TOKENS = 2500  # system + user prompt of story generation, with story-type elements
IMAGE_ANALYSIS_TOKENS_IN, IMAGE_ANALYSIS_TOKENS_OUT = 2000, 700
AUDIO_INPUT_SECONDS = Decimal(120)
# The safety judge (prompts/system/content_safety.yaml): its instructions, and the verdict's
# max_tokens.
JUDGE_PROMPT_TOKENS, JUDGE_VERDICT_TOKENS = 800, 400


@dataclass(frozen=True)
class StoryEstimate:
    cost_usd: Decimal
    operations: int
    breakdown: dict[str, str]  # operation -> estimated cost, for logs and the admin


def _price(prices: dict[str, Any], unit: str) -> Decimal:
    value = prices.get(unit, 0)
    if isinstance(value, dict):  # image prices per size/quality: the dearest
        value = max((Decimal(str(v)) for v in value.values()), default=Decimal(0))
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def _call_cost(prices: dict[str, Any], size: dict[str, Decimal]) -> Decimal:
    total = Decimal(0)
    for unit, amount in size.items():
        if unit == "audio_seconds":
            total += _price(prices, "audio_second") * amount
            total += _price(prices, "audio_minute") * amount / 60
        else:
            total += _price(prices, unit) * amount
    return total


def _dearest(operation: str, size: dict[str, Decimal]) -> Decimal:
    """The most one call of ``operation`` of this size can cost on any available provider."""
    document = config_document()
    route = (document.get("operations") or {}).get(operation) or {}
    names = [route.get("primary"), *(route.get("fallbacks") or [])]
    providers = document.get("providers") or {}
    dearest = Decimal(0)
    for name in filter(None, names):
        provider = providers.get(name) or {}
        if any(key in provider and not provider[key] for key in CREDENTIAL_KEYS):
            continue  # not configured: the gateway leaves it out of the chain
        model = (provider.get("models") or {}).get(operation)
        if not isinstance(model, dict):
            continue
        dearest = max(dearest, _call_cost(model.get("prices") or {}, size))
    return dearest


# (the config document it was computed from, its estimates by (length, input, paid cover)):
# an estimate depends on nothing else, and admission asks for one on every story request.
_estimates: tuple[dict[str, Any], dict[tuple[str, str, bool], StoryEstimate]] | None = None


def story_estimate(*, story_length: str, input_kind: str, paid_cover: bool = True) -> StoryEstimate:
    """Expected cost and AI operations of one story of ``story_length`` from ``input_kind``
    (drawing, text or audio). ``paid_cover`` False when the tier or ops keep covers offline.

    Computed once per config document and arguments (each call gets its own ``breakdown``)."""
    global _estimates
    document = config_document()
    known = _estimates
    if known is None or known[0] is not document:
        known = _estimates = (document, {})
    key = (story_length, input_kind, bool(paid_cover))
    estimate = known[1].get(key)
    if estimate is None:
        estimate = known[1][key] = _story_estimate(
            story_length=story_length, input_kind=input_kind, paid_cover=paid_cover
        )
    return replace(estimate, breakdown=dict(estimate.breakdown))


def _story_estimate(*, story_length: str, input_kind: str, paid_cover: bool) -> StoryEstimate:
    words = MAX_WORDS.get(story_length, MAX_WORDS["long"])
    story_tokens = Decimal(math.ceil(words * TOKENS_PER_WORD))
    story_chars = Decimal(words * CHARS_PER_WORD)
    narration_calls = math.ceil(words / WORDS_PER_NARRATION_CALL)
    one = Decimal(1)
    # (operation, size of one call, calls, logical operations they count as)
    calls: list[tuple[str, dict[str, Decimal], int, int]] = []
    if input_kind == "drawing":
        calls.append(
            (
                "image_recognition",
                {
                    "input_token": Decimal(IMAGE_ANALYSIS_TOKENS_IN),
                    "output_token": Decimal(IMAGE_ANALYSIS_TOKENS_OUT),
                    "request": one,
                },
                1,
                1,
            )
        )
    else:
        if input_kind == "audio":
            calls.append(
                ("transcription", {"audio_seconds": AUDIO_INPUT_SECONDS, "request": one}, 1, 1)
            )
        calls.append(("content_safety", {"input_token": Decimal(700), "request": one}, 1, 1))
    calls += [
        (
            "story_generation",
            {"input_token": Decimal(PROMPT_TOKENS), "output_token": story_tokens, "request": one},
            1,
            1,
        ),
        # Checking the story is one logical operation: vendor moderation of the story, then
        # the LLM safety judge (its prompt, the story, a verdict of at most max_tokens).
        ("content_safety", {"input_token": story_tokens, "request": one}, 1, 1),
        (
            "content_safety",
            {
                "input_token": JUDGE_PROMPT_TOKENS + story_tokens,
                "output_token": Decimal(JUDGE_VERDICT_TOKENS),
                "request": one,
            },
            1,
            0,
        ),
        (
            "text_to_speech",
            {"character": story_chars / narration_calls, "request": one},
            narration_calls,
            1,
        ),
        # Word timing when the voice gives no word marks: part of the narration's operation.
        (
            "transcription",
            {"audio_seconds": Decimal(words) / WORDS_PER_SECOND, "request": one},
            1,
            0,
        ),
        ("image_generation", {"image": one, "request": one} if paid_cover else {}, 1, 1),
    ]
    total, operations, breakdown = Decimal(0), 0, {}
    for operation, size, count, logical in calls:
        cost = _dearest(operation, size) * count if size else Decimal(0)
        total += cost
        operations += logical
        previous = Decimal(breakdown.get(operation, "0"))
        breakdown[operation] = str((previous + cost).quantize(COST_PLACES, ROUND_HALF_UP))
    return StoryEstimate(
        cost_usd=total.quantize(COST_PLACES, rounding=ROUND_HALF_UP),
        operations=operations,
        breakdown=breakdown,
    )
