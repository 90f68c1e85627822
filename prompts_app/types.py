from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .documents import PromptDocument


@dataclass(frozen=True)
class RenderedPrompt:
    prompt_type: str
    version: str  # the exact label recorded on stories and AI operations
    system: str
    user: str
    parameters: dict[str, Any] = field(default_factory=dict)  # per provider: max_tokens, ...
    quality_checks: dict[str, Any] = field(default_factory=dict)
    content_hash: str = ""


@dataclass(frozen=True)
class PromptDefinition:
    """One version of one prompt, ready to render. ``source`` says where it came from:
    "database" (a PromptVersion row) or "file" (the tree, before the first sync)."""

    key: str
    version: str
    content_hash: str
    document: PromptDocument
    source: str = "database"

    @property
    def data(self) -> dict[str, Any]:
        return self.document.data

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.data.get("parameters") or {})

    @property
    def quality_checks(self) -> dict[str, Any]:
        return dict(self.data.get("quality_checks") or {})


@dataclass(frozen=True)
class StoryGuidance:
    """Variables the story prompt gets from the user_context and story_types files, and the
    exact versions of those files, so a story records everything its prompt was made of."""

    variables: dict[str, Any]
    versions: dict[str, str]
