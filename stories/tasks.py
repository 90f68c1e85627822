"""django-q2 entry points: take ids, call one service; safe to run twice."""

import uuid

from . import pipeline
from .account import stories_media_expire, story_folders_orphaned_remove
from .pipeline.lease import stories_reap


def run_pipeline(story_id: str) -> str:
    story = pipeline.run(uuid.UUID(str(story_id)))
    return story.status


def reap_stories() -> str:
    """Scheduled: re-enqueue or fail stories whose worker vanished (stories/pipeline/lease.py)."""
    report = stories_reap()
    return f"requeued {len(report.requeued)}, failed {len(report.failed)}"


def expire_media() -> str:
    """Scheduled: delete media of stories unused for MIRA_MEDIA_RETENTION_DAYS (docs/privacy.md)."""
    expired = stories_media_expire()
    orphans = story_folders_orphaned_remove()
    return f"expired the media of {expired} stories; removed {orphans} orphaned folders"
