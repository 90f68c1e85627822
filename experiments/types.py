"""What crosses the boundary to the stories app."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class PromptChoice:
    """Which version of a prompt to render for one story.

    ``version=None`` means "the current published version" (no experiment applies);
    otherwise the story is part of ``experiment_id`` in ``group`` and must render exactly
    ``version`` and report an exposure."""

    version: str | None = None
    experiment_id: uuid.UUID | None = None
    group: str = ""

    @property
    def in_experiment(self) -> bool:
        return self.experiment_id is not None


CURRENT = PromptChoice()
