"""django-q2 entry points: take ids, call one service; safe to run twice."""

import uuid

from . import pipeline


def run_pipeline(story_id: str) -> str:
    story = pipeline.run(uuid.UUID(str(story_id)))
    return story.status
