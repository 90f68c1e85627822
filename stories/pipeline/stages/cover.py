"""Stage 7: paint the story's cover."""

from __future__ import annotations

import time
import uuid

from ai_providers import gateway
from ai_providers.types import ImageGenerationRequest, Operation

from ...models import Stage
from ..checkpoints import media_save, stage_complete, stage_started
from .context import _load, _ms_since, call_context

# --- 7. paint cover ------------------------------------------------------------------------------


def paint_cover(story_id: uuid.UUID) -> None:
    started = time.monotonic()
    stage_started(story_id, Stage.PAINT_COVER)
    story = _load(story_id)
    analysis = story.stage_outputs[Stage.ANALYSE_INPUT.value]
    drawing = None
    if story.drawing:
        with story.drawing.open("rb") as handle:
            drawing = handle.read()
    prompt = (
        f"A gentle, colourful children's picture-book cover for a {story.story_type.replace('_', ' ')} "
        f'story titled "{story.title}". {analysis["description"]} Soft shapes, warm light, no text.'
    )
    result = gateway.call(
        Operation.IMAGE_GENERATION,
        ImageGenerationRequest(
            prompt=prompt, title=story.title, palette=tuple(analysis["palette"]), drawing=drawing
        ),
        call_context(story, Stage.PAINT_COVER),
    )
    suffix = "png" if result.mime_type == "image/png" else "jpg"
    name = media_save(f"stories/{story_id}/cover.{suffix}", result.image)
    stage_complete(story_id, Stage.PAINT_COVER, ms=_ms_since(started), fields={"cover": name})
