"""Helpers every stage shares: its call context for the gateway, reloading the story, timing."""

from __future__ import annotations

import threading
import time
import uuid

from django.conf import settings

from ai_providers.types import CallContext, Deadline
from mira.vocabulary import age_group
from usage.selectors import account_tier

from ...models import Stage, Story


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


# The running attempts' deadlines, per story: the attempt's own (inside its task time-out) and
# each started stage's. Stages run in worker threads, so this is a locked dict, not a
# thread-local.
_deadlines: dict[tuple[uuid.UUID, str], Deadline] = {}
_deadlines_lock = threading.Lock()
ATTEMPT = "attempt"


def attempt_deadline_set(story_id: uuid.UUID, seconds: float) -> None:
    with _deadlines_lock:
        _deadlines[(story_id, ATTEMPT)] = Deadline.after(seconds)


def stage_deadline_start(story_id: uuid.UUID, stage: Stage) -> Deadline:
    """The stage's budget starts now (``MIRA_PIPELINE_STAGE_BUDGETS``), never past the
    attempt's own deadline."""
    budget = settings.MIRA_PIPELINE_STAGE_BUDGETS.get(stage.value)
    with _deadlines_lock:
        attempt = _deadlines.get((story_id, ATTEMPT))
        deadline = Deadline.after(float(budget)) if budget is not None else attempt
        if attempt is not None and deadline is not None and attempt.at < deadline.at:
            deadline = attempt
        if deadline is not None:
            _deadlines[(story_id, stage.value)] = deadline
        return deadline


def stage_deadline(story_id: uuid.UUID, stage: Stage) -> Deadline | None:
    with _deadlines_lock:
        return _deadlines.get((story_id, stage.value)) or _deadlines.get((story_id, ATTEMPT))


def deadlines_clear(story_id: uuid.UUID) -> None:
    with _deadlines_lock:
        for key in [k for k in _deadlines if k[0] == story_id]:
            del _deadlines[key]


def call_context(
    story: Story,
    stage: Stage,
    prompt_version: str = "",
    *,
    budget_stage: Stage | None = None,
    logical_operation: str = "",
) -> CallContext:
    """The gateway context of a stage's calls, with the deadline of ``budget_stage`` (the
    stage itself unless a stage makes another stage's calls, as the safety check rewrites)."""
    return CallContext(
        user_id=story.owner_id,
        story_id=story.id,
        stage=stage.value,
        prompt_version=prompt_version,
        tier=account_tier(user_id=story.owner_id),
        age_group=age_group(story.kid.age),
        story_type=story.story_type,
        language=story.language,
        deadline=stage_deadline(story.id, budget_stage or stage),
        logical_operation=logical_operation,
    )


def _load(story_id: uuid.UUID) -> Story:
    return Story.objects.select_related("kid", "owner").get(pk=story_id)
