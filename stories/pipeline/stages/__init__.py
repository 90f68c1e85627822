"""The pipeline's stages (spec section 2). Each takes the story id, reloads what it needs,
calls the AI gateway, and checkpoints its result on the story."""

from .context import call_context
from .cover import paint_cover
from .inputs import analyse_input, build_context
from .narration import (
    NARRATION_WORKERS,
    PARAGRAPH_PAUSE_SECONDS,
    in_own_connection,
    narrate,
    narrate_and_time,
    time_words,
)
from .writing import (
    check_safety,
    experiment_exposure_close,
    generate_story,
    story_prompt_choice,
)

__all__ = [
    "NARRATION_WORKERS",
    "PARAGRAPH_PAUSE_SECONDS",
    "analyse_input",
    "build_context",
    "call_context",
    "check_safety",
    "experiment_exposure_close",
    "generate_story",
    "in_own_connection",
    "narrate",
    "narrate_and_time",
    "paint_cover",
    "story_prompt_choice",
    "time_words",
]
