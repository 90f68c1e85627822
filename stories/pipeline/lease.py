"""Who is running a story right now, and what happens when that worker vanishes.

An attempt takes a lease on the story row (``lease_owner``, ``lease_expires_at``) and a
heartbeat thread renews it every ``MIRA_PIPELINE_HEARTBEAT_SECONDS``. A second delivery of the
same task (the ORM broker redelivers after ``retry``; the reaper re-enqueues) finds the lease
alive and does nothing, so a story never runs twice at once.

The reaper (``stories_reap``) runs from a thread in every django-q2 worker process (started
on django-q2's ``post_spawn``), at most once every ``MIRA_PIPELINE_REAP_EVERY_SECONDS``
across the deployment (a cache lock), so a restarted or surviving cluster picks up a dead
worker's stories within a lease and a few seconds; and from the django-q2 schedule every
``MIRA_PIPELINE_REAP_EVERY_MINUTES`` (django-q2's finest grain is a minute) as a backstop. It
looks at the stories in flight:

- ``processing`` with a lapsed lease: its worker died (SIGKILL, OOM, host lost) or lost the
  database. Its open call reservations are expired, and the story is queued again, to resume
  at its first unfinished stage; after ``max_attempts`` attempts it fails with
  ``pipeline_interrupted`` instead.
- ``queued`` for longer than ``MIRA_PIPELINE_QUEUED_GRACE_SECONDS`` since it was enqueued: its
  task was lost (a Redis broker restarted empty, an enqueue failed after commit). Enqueued
  again.

Ending a story (ready or failed) goes through ``usage.services.story_hold_close`` in every
case, which also expires call reservations a dead worker left open.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from usage.services import story_calls_abandon

from ..models import Story, StoryStatus

logger = logging.getLogger(__name__)

INTERRUPTED_CODE = "pipeline_interrupted"


class LeaseLost(Exception):
    """Another attempt took the story over (this one was presumed dead): stop quietly."""


def max_attempts() -> int:
    return max(1, int(settings.Q_CLUSTER.get("max_attempts") or 3))


def lease_seconds() -> float:
    return float(settings.MIRA_PIPELINE_LEASE_SECONDS)


def new_owner() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_expiry():
    return timezone.now() + timedelta(seconds=lease_seconds())


@dataclass
class Heartbeat:
    """Renews the lease from a thread with its own database connection until stopped."""

    story_id: uuid.UUID
    owner: str
    lost: bool = False
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        self._thread = threading.Thread(
            target=self._run, name=f"lease-{self.story_id}", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        every = max(0.05, float(settings.MIRA_PIPELINE_HEARTBEAT_SECONDS))
        try:
            while not self._stop.wait(every):
                try:
                    renewed = Story.objects.filter(
                        pk=self.story_id, lease_owner=self.owner, status=StoryStatus.PROCESSING
                    ).update(lease_expires_at=lease_expiry())
                except DatabaseError:
                    # The database is away: the lease lapses unless it comes back in time,
                    # and then the reaper re-runs the story. Nothing else to do here.
                    logger.warning("lease not renewed", extra={"story_id": str(self.story_id)})
                    continue
                if not renewed:
                    self.lost = True
                    return
        finally:
            connections.close_all()

    def check(self) -> None:
        if self.lost:
            raise LeaseLost(str(self.story_id))


def lease_take(story_id: uuid.UUID, owner: str) -> tuple[Story | None, bool]:
    """Start an attempt: ``(story, False)`` when this worker now holds the lease, ``(None,
    False)`` when the story is finished or another live attempt holds it, ``(story, True)``
    when the story has used up its attempts and must fail."""
    with transaction.atomic():
        story = Story.objects.select_for_update().get(pk=story_id)
        now = timezone.now()
        if story.status in (StoryStatus.READY, StoryStatus.FAILED):
            return None, False
        if story.lease_owner and story.lease_expires_at and story.lease_expires_at > now:
            return None, False  # a live attempt is on it; this delivery is a duplicate
        if story.attempts >= max_attempts():
            return story, True
        story.status = StoryStatus.PROCESSING
        story.attempts += 1
        story.started_at = story.started_at or now
        story.lease_owner = owner
        story.lease_expires_at = now + timedelta(seconds=lease_seconds())
        story.save(
            update_fields=[
                "status",
                "attempts",
                "started_at",
                "lease_owner",
                "lease_expires_at",
                "updated_at",
            ]
        )
    return story, False


def lease_release_for_retry(story_id: uuid.UUID, owner: str) -> None:
    """This attempt failed in a way a retry may fix: queue the story again (the broker's own
    redelivery or the reaper runs it next)."""
    Story.objects.filter(pk=story_id, lease_owner=owner, status=StoryStatus.PROCESSING).update(
        status=StoryStatus.QUEUED,
        lease_owner="",
        lease_expires_at=None,
        enqueued_at=timezone.now(),
    )


REAP_LOCK_KEY = "stories:reaper:ran"


def reap_if_due() -> None:
    """Run the reaper if no process did in the last ``MIRA_PIPELINE_REAP_EVERY_SECONDS``."""
    every = float(settings.MIRA_PIPELINE_REAP_EVERY_SECONDS)
    if every <= 0:
        return
    try:
        if cache.add(REAP_LOCK_KEY, 1, timeout=max(1, round(every))):
            stories_reap()
    except Exception:  # the heartbeat must keep beating whatever the reaper hit
        logger.exception("reaper run from a heartbeat failed")


def reaper_thread_start(**kwargs) -> None:
    """``post_spawn`` receiver: each worker process sweeps in the background."""
    every = float(settings.MIRA_PIPELINE_REAP_EVERY_SECONDS)
    if every <= 0:
        return

    def sweep_forever() -> None:
        while True:
            time.sleep(every)
            reap_if_due()
            connections.close_all()

    threading.Thread(target=sweep_forever, name="stories-reaper", daemon=True).start()


@dataclass(frozen=True)
class ReapReport:
    requeued: list[uuid.UUID]
    failed: list[uuid.UUID]


def _stale_filter(now) -> Q:
    lease = timedelta(seconds=lease_seconds())
    grace = timedelta(seconds=float(settings.MIRA_PIPELINE_QUEUED_GRACE_SECONDS))
    lapsed = Q(status=StoryStatus.PROCESSING) & (
        Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True, updated_at__lt=now - lease)
    )
    lost_task = Q(status=StoryStatus.QUEUED) & (
        Q(enqueued_at__lt=now - grace) | Q(enqueued_at__isnull=True, created_at__lt=now - grace)
    )
    return lapsed | lost_task


def stories_reap(*, batch: int = 200) -> ReapReport:
    """Re-enqueue or fail the stories whose worker vanished or whose task was lost."""
    from ..services import enqueue_pipeline
    from .runner import story_fail

    now = timezone.now()
    candidates = list(
        Story.objects.filter(_stale_filter(now))
        .order_by("updated_at")
        .values_list("pk", flat=True)[:batch]
    )
    requeued, failed = [], []
    for story_id in candidates:
        with transaction.atomic():
            # skip_locked: a story an attempt is starting on right now is not stale.
            story = (
                Story.objects.select_for_update(skip_locked=True)
                .filter(_stale_filter(timezone.now()), pk=story_id)
                .first()
            )
            if story is None:
                continue
            give_up = story.attempts >= max_attempts()
            if not give_up:
                story.status = StoryStatus.QUEUED
                story.lease_owner = ""
                story.lease_expires_at = None
                story.enqueued_at = timezone.now()
                story.save(
                    update_fields=[
                        "status",
                        "lease_owner",
                        "lease_expires_at",
                        "enqueued_at",
                        "updated_at",
                    ]
                )
        if give_up:
            story_fail(
                story_id,
                INTERRUPTED_CODE,
                "This story was interrupted too many times; please ask for it again.",
            )
            failed.append(story_id)
            continue
        story_calls_abandon(story_id=story_id, user_id=story.owner_id)
        enqueue_pipeline(story_id)
        requeued.append(story_id)
    if requeued or failed:
        logger.warning(
            "stories reaped",
            extra={"requeued": [str(i) for i in requeued], "failed": [str(i) for i in failed]},
        )
    return ReapReport(requeued=requeued, failed=failed)
