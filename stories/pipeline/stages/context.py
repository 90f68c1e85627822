"""Helpers every stage shares: its call context for the gateway, reloading the story, timing."""

from __future__ import annotations

import time
import uuid

from ai_providers.types import CallContext
from mira.vocabulary import age_group
from usage.selectors import account_tier

from ...models import Stage, Story


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def call_context(story: Story, stage: Stage, prompt_version: str = "") -> CallContext:
    return CallContext(
        user_id=story.owner_id,
        story_id=story.id,
        stage=stage.value,
        prompt_version=prompt_version,
        tier=account_tier(user_id=story.owner_id),
        age_group=age_group(story.kid.age),
        story_type=story.story_type,
        language=story.language,
    )


def _load(story_id: uuid.UUID) -> Story:
    return Story.objects.select_related("kid", "owner").get(pk=story_id)
