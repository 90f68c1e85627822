"""What every provider is: a name, the operations it supports, one method per operation.

Vendor modules subclass ``Provider`` and translate requests, responses and errors only; the
gateway owns timeouts, retries, fallback, pricing and the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..config import ModelSettings, ProviderSettings
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
)


@dataclass(frozen=True)
class VendorCall:
    """Per-call settings the gateway hands a provider."""

    model: ModelSettings
    timeout: float
    user_hash: str = ""  # salted hash of the user id, the only user id a vendor sees
    metadata: dict[str, str] = field(default_factory=dict)  # vendor analytics tags


# The provider method that serves each operation.
OPERATION_METHODS: dict[Operation, str] = {
    Operation.IMAGE_RECOGNITION: "analyse_image",
    Operation.STORY_GENERATION: "generate_story",
    Operation.CONTENT_SAFETY: "check_safety",
    Operation.TEXT_TO_SPEECH: "synthesize_speech",
    Operation.TRANSCRIPTION: "transcribe",
    Operation.IMAGE_GENERATION: "generate_image",
}


class Provider:
    name: ClassVar[str]
    capabilities: ClassVar[frozenset[Operation]]
    # Prompt parameters (``parameters.<vendor>`` in a prompt file) this adapter sends, per
    # operation; check_prompts reports a declared parameter that is not here.
    sendable_parameters: ClassVar[dict[Operation, frozenset[str]]] = {}
    # The two kinds of content_safety request (types.SafetyRequest): plain moderation of a text,
    # and the LLM safety judge (a request with a system prompt). Mira's rules and OpenAI's
    # moderation endpoint moderate; only a provider with a chat model can judge.
    moderates: ClassVar[bool] = True
    judges_safety: ClassVar[bool] = False

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings

    @classmethod
    def prompt_parameters(cls, operation: Operation, request: Any) -> dict[str, Any]:
        """This vendor's entry of the request's prompt parameters, limited to what it sends."""
        declared = (getattr(request, "parameters", None) or {}).get(cls.name) or {}
        sendable = cls.sendable_parameters.get(operation, frozenset())
        return {k: v for k, v in declared.items() if k in sendable}

    def supports(self, operation: Operation) -> bool:
        return operation in self.capabilities and operation in self.settings.models

    def serves(self, operation: Operation, request: Any) -> bool:
        """Whether this provider can serve this request of an operation it supports: a judge
        request never goes to a provider that cannot judge (its answer would be no verdict),
        nor a moderation request to one that only judges."""
        if operation is Operation.CONTENT_SAFETY and isinstance(request, SafetyRequest):
            return self.judges_safety if request.judge else self.moderates
        return True

    def invoke(self, operation: Operation, request: Any, call: VendorCall) -> Any:
        return getattr(self, OPERATION_METHODS[operation])(request, call)

    def analyse_image(self, request: ImageAnalysisRequest, call: VendorCall) -> ImageAnalysisResult:
        raise NotImplementedError(f"{self.name} does not analyse images")

    def generate_story(self, request: StoryRequest, call: VendorCall) -> StoryResult:
        raise NotImplementedError(f"{self.name} does not generate stories")

    def check_safety(self, request: SafetyRequest, call: VendorCall) -> SafetyResult:
        raise NotImplementedError(f"{self.name} does not check content safety")

    def synthesize_speech(self, request: SpeechRequest, call: VendorCall) -> SpeechResult:
        raise NotImplementedError(f"{self.name} does not synthesise speech")

    def transcribe(self, request: TranscriptionRequest, call: VendorCall) -> TranscriptionResult:
        raise NotImplementedError(f"{self.name} does not transcribe audio")

    def generate_image(
        self, request: ImageGenerationRequest, call: VendorCall
    ) -> ImageGenerationResult:
        raise NotImplementedError(f"{self.name} does not generate images")
