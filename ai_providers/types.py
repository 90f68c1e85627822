"""Frozen request/response types shared by every provider, the gateway and its callers.

A provider translates these to and from one vendor's wire format; nothing vendor-specific
leaks past this module. Every result carries a ``Usage`` that the gateway prices.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


class Operation(enum.StrEnum):
    IMAGE_RECOGNITION = "image_recognition"
    STORY_GENERATION = "story_generation"
    CONTENT_SAFETY = "content_safety"
    TEXT_TO_SPEECH = "text_to_speech"
    TRANSCRIPTION = "transcription"
    IMAGE_GENERATION = "image_generation"


@dataclass(frozen=True)
class Usage:
    """What a call consumed, in the units vendors bill by. Unused units stay zero."""

    input_tokens: int = 0
    output_tokens: int = 0
    characters: int = 0
    audio_seconds: Decimal = Decimal("0")
    images: int = 0
    image_size: str = ""
    image_quality: str = ""
    requests: int = 0


@dataclass(frozen=True)
class WordMark:
    """One spoken word and when it is heard, in seconds from the start of the audio."""

    word: str
    start: float
    end: float
    confidence: float | None = None


# --- image recognition -------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageAnalysisRequest:
    image: bytes
    mime_type: str  # "image/png" | "image/jpeg"
    kid_age: int
    kid_interests: tuple[str, ...] = ()
    system_prompt: str = ""
    user_prompt: str = ""
    max_tokens: int = 500  # upper bound on the description an LLM may write
    # The prompt's parameters per vendor ({"openai": {...}, "anthropic": {...}}): each
    # adapter sends what its API takes from its own entry (``Provider.sendable_parameters``).
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class ImageAnalysisResult:
    description: str  # encouraging prose about the drawing, fed to story generation
    palette: tuple[str, ...] = ()  # dominant colours as "#rrggbb", most prominent first
    colour_names: tuple[str, ...] = ()  # human names of the palette ("sunny yellow", ...)
    subjects: tuple[str, ...] = ()  # things the analysis thinks are drawn, may be empty
    details: dict[str, Any] = field(default_factory=dict)  # provider-specific measurements
    usage: Usage = Usage()


# --- story generation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StoryContext:
    """Structured facts about the story; LLM providers get them through the prompts instead."""

    kid_name: str
    kid_age: int
    kid_interests: tuple[str, ...] = ()
    story_type: str = "adventure"  # adventure | bedtime | educational | fantasy | real_world
    story_length: str = "short"  # short | medium | long
    language: str = "en"
    image_description: str = ""
    colour_names: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    special_requests: str = ""
    avoid_topics: tuple[str, ...] = ()
    educational_focus: str = ""
    story_elements: dict[str, Any] = field(default_factory=dict)  # from prompts/story_types/*.yaml
    seed: str = ""  # varies the story; the story id in the pipeline


@dataclass(frozen=True)
class StoryRequest:
    context: StoryContext
    system_prompt: str = ""
    user_prompt: str = ""
    max_tokens: int = 1500
    temperature: float = 0.8
    feedback: tuple[str, ...] = ()  # quality-check failures of a previous attempt
    # The prompt's parameters per vendor; each adapter reads its own entry (see above).
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class StoryResult:
    title: str
    text: str  # paragraphs separated by one blank line
    usage: Usage = Usage()
    model: str = ""


# --- content safety ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SafetyRequest:
    """Moderation of ``text``; with a ``system_prompt`` (prompts/system/content_safety.yaml)
    a vendor that can also runs an LLM judge over it instead of its moderation endpoint."""

    text: str
    kid_age: int | None = None
    system_prompt: str = ""
    user_prompt: str = ""
    max_tokens: int = 400  # upper bound on the judge's JSON verdict
    # The text's declared language: the offline rules check words that are harmless in one
    # language and not another ("aß" in German, "Gift") only in that language.
    language: str | None = None

    @property
    def judge(self) -> bool:
        return bool(self.system_prompt)


@dataclass(frozen=True)
class SafetyResult:
    flagged: bool
    categories: tuple[str, ...] = ()  # e.g. ("violence", "personal_data")
    reasons: tuple[str, ...] = ()  # human-readable, one per finding
    usage: Usage = Usage()
    judged: bool = False  # True when an LLM judge gave this verdict (not moderation or rules)
    model: str = ""


# --- speech --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpeechRequest:
    text: str
    language: str = "en"
    voice: str = ""  # provider-specific voice name; empty means the provider's default
    speed: float = 1.0


@dataclass(frozen=True)
class SpeechResult:
    audio: bytes  # a complete audio file
    mime_type: str  # "audio/wav", "audio/mpeg", ...
    duration_seconds: float
    word_marks: tuple[WordMark, ...] | None = None  # None when the vendor gives no word times
    usage: Usage = Usage()


# --- transcription -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TranscriptionRequest:
    audio: bytes
    mime_type: str
    language: str | None = None
    expected_text: str | None = None  # known script, for forced alignment
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)  # per vendor


@dataclass(frozen=True)
class TranscriptionResult:
    text: str
    words: tuple[WordMark, ...] = ()
    language: str | None = None
    confidence: float | None = None
    duration_seconds: float = 0.0
    usage: Usage = Usage()


# --- image generation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageGenerationRequest:
    prompt: str
    title: str = ""
    palette: tuple[str, ...] = ()
    drawing: bytes | None = None  # the child's drawing, for providers that can use it
    size: str = "1024x1024"
    quality: str = "standard"


@dataclass(frozen=True)
class ImageGenerationResult:
    image: bytes
    mime_type: str
    usage: Usage = Usage()


# --- gateway call context --------------------------------------------------------------------
@dataclass(frozen=True)
class Deadline:
    """When a stage's time budget runs out, on this process's monotonic clock."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + max(0.0, seconds))

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def spent(self, margin: float = 0.0) -> bool:
        return self.remaining() <= margin


@dataclass(frozen=True)
class CallContext:
    """Who a call is for and what it is part of; recorded on every ``AIOperation`` row."""

    user_id: Any  # UUID of the parent account that pays
    story_id: Any = None
    session_id: Any = None
    stage: str = ""
    prompt_version: str = ""
    tier: str = "free"
    age_group: str = ""
    story_type: str = ""
    language: str = "en"
    platform: str = "server"
    app_version: str = ""
    # When the stage's time budget runs out: no try, retry wait or fallback starts after it.
    deadline: Deadline | None = None
    # Calls that make one logical operation share a key and count as one against the
    # operation limits (a narration in chunks; its word timing; a regenerated story). Empty:
    # the gateway derives one from the story, stage and operation when the call is for a story.
    logical_operation: str = ""
