"""Stage bookkeeping on the story row: which stages are done, their outputs and timings.

Stages in the concurrent branch (narration and cover) finish at the same time, so every write
reloads the row under a lock and changes only its own keys.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from mira import metrics

from ..models import Stage, Story


def stage_done(story: Story, stage: Stage) -> bool:
    return stage.value in story.completed_stages


def stage_started(story_id: uuid.UUID, stage: Stage) -> None:
    from .stages.context import stage_deadline_start

    stage_deadline_start(story_id, stage)
    Story.objects.filter(pk=story_id).update(current_stage=stage.value)


def stage_complete(
    story_id: uuid.UUID,
    stage: Stage,
    *,
    ms: int,
    output: dict[str, Any] | None = None,
    fields: dict[str, Any] | None = None,
) -> Story:
    with transaction.atomic():
        story = Story.objects.select_for_update().get(pk=story_id)
        if stage.value not in story.completed_stages:
            story.completed_stages = [*story.completed_stages, stage.value]
        if output is not None:
            story.stage_outputs = {**story.stage_outputs, stage.value: output}
        meta = dict(story.generation_metadata)
        meta["stages_ms"] = {**meta.get("stages_ms", {}), stage.value: ms}
        story.generation_metadata = meta
        changed = ["completed_stages", "stage_outputs", "generation_metadata", "updated_at"]
        for name, value in (fields or {}).items():
            setattr(story, name, value)
            changed.append(name)
        story.save(update_fields=changed)
    metrics.stage_finished(stage.value, ms)
    return story


def media_save(path: str, data: bytes) -> str:
    """Store ``data`` at ``path``, replacing a file a previous attempt left there."""
    if default_storage.exists(path):
        default_storage.delete(path)
    return default_storage.save(path, ContentFile(data))
