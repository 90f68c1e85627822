"""Run a story's pipeline, resuming at the first unfinished stage.

An attempt runs under a lease on the story (``lease``): a worker that dies mid-story is found
by the reaper, which queues the story again; finished stages are skipped, so nothing already
paid for is paid again. Failures that no retry can fix (``ApplicationError``, including a
stage outrunning its time budget) end the story with a code the parent can read; a django-q2
task time-out (``TimeoutException``, a ``SystemExit``) ends it as ``task_timeout``; anything
else queues it for another attempt, until ``max_attempts``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_q.exceptions import TimeoutException

from ai_providers.selectors import story_totals
from mira.errors import ApplicationError
from usage.services import story_hold_close

from ..models import Stage, Story, StoryStatus
from . import stages
from .checkpoints import stage_complete
from .lease import Heartbeat, LeaseLost, lease_release_for_retry, lease_take, new_owner
from .stages.context import attempt_deadline_set, deadlines_clear

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = settings.Q_CLUSTER.get("max_attempts", 3)
Progress = Callable[[str, str], None]
# Time kept back from the task time-out for ending the story after its last stage.
ATTEMPT_MARGIN_SECONDS = 20
TASK_TIMEOUT_CODE = "task_timeout"

SEQUENTIAL = (
    (Stage.ANALYSE_INPUT, stages.analyse_input),
    (Stage.BUILD_CONTEXT, stages.build_context),
    (Stage.GENERATE_STORY, stages.generate_story),
    (Stage.CHECK_SAFETY, stages.check_safety),
)


def story_fail(
    story_id: uuid.UUID, code: str, detail: str, warnings: list[str] | None = None
) -> None:
    """End the story as ``failed`` with ``code``, record its totals, close its experiment
    exposure and its usage hold (the one way a story fails: runner and reaper)."""
    with transaction.atomic():
        story = Story.objects.select_for_update().get(pk=story_id)
        if story.status in (StoryStatus.READY, StoryStatus.FAILED):
            return
        story.status = StoryStatus.FAILED
        story.lease_owner, story.lease_expires_at = "", None
        story.failure_code = code
        story.failure_detail = detail
        story.content_warnings = [*story.content_warnings, *(warnings or [])]
        story.finished_at = timezone.now()
        story.save(
            update_fields=[
                "status",
                "failure_code",
                "failure_detail",
                "content_warnings",
                "finished_at",
                "lease_owner",
                "lease_expires_at",
                "updated_at",
            ]
        )
    _record_totals(story_id)
    stages.experiment_exposure_close(story_id)
    # Give back what the story's usage hold did not use (its calls settled or released
    # already), and let abuse detection count safety rejections.
    story_hold_close(story_id=story_id, user_id=story.owner_id, outcome=code)
    logger.info("story failed", extra={"story_id": str(story_id), "code": code})


def _record_totals(story_id: uuid.UUID) -> None:
    totals = story_totals(story_id=story_id)
    Story.objects.filter(pk=story_id).update(
        total_cost_usd=totals.total_cost_usd,
        cost_breakdown=totals.cost_breakdown,
        processing_breakdown=totals.processing_breakdown,
    )


def _store(story_id: uuid.UUID) -> None:
    story = Story.objects.get(pk=story_id)
    totals = story_totals(story_id=story_id)
    finished = timezone.now()
    stage_complete(
        story_id,
        Stage.STORE,
        ms=0,
        fields={
            "status": StoryStatus.READY,
            "current_stage": Stage.STORE.value,
            "total_cost_usd": totals.total_cost_usd,
            "cost_breakdown": totals.cost_breakdown,
            "processing_breakdown": totals.processing_breakdown,
            "total_processing_time_ms": round((finished - story.started_at).total_seconds() * 1000),
            "finished_at": finished,
            "lease_owner": "",
            "lease_expires_at": None,
        },
    )
    stages.experiment_exposure_close(story_id)
    story_hold_close(story_id=story_id, user_id=story.owner_id, outcome="ready")


def _drop_broken_connection() -> None:
    """After a database error, close this thread's connection if it is dead (the server went
    away, a failover, a killed backend), so recording the failed attempt opens a new one.
    Django only does this between requests and tasks; without it the release below fails
    too and the story waits for its lease to lapse. If the database is still away, that
    second try fails as well and the reaper re-runs the story once it is back."""
    if (
        connection.connection is not None
        and not connection.in_atomic_block
        and not connection.is_usable()
    ):
        connection.close()


def run(story_id: uuid.UUID, *, progress: Progress | None = None) -> Story:
    """Run (or resume) the pipeline; returns the story in its final or current state."""
    owner = new_owner()
    story, exhausted = lease_take(story_id, owner)
    if exhausted:
        story_fail(
            story_id,
            "pipeline_interrupted",
            "This story was interrupted too many times; please ask for it again.",
        )
    if story is None or exhausted:
        return Story.objects.get(pk=story_id)
    attempt_deadline_set(story_id, float(settings.Q_CLUSTER["timeout"]) - ATTEMPT_MARGIN_SECONDS)
    try:
        with Heartbeat(story_id, owner) as beat:
            _run_stages(story, beat, progress or (lambda stage, event: None))
    except LeaseLost:
        logger.warning("story taken over by another attempt", extra={"story_id": str(story_id)})
    except ApplicationError as exc:
        story_fail(story_id, exc.code, exc.message, getattr(exc, "warnings", None))
    except TimeoutException:
        # SystemExit, not Exception: without this the story stayed ``processing`` for good.
        story_fail(
            story_id, TASK_TIMEOUT_CODE, "Making this story took longer than it is allowed to."
        )
        raise
    except Exception as exc:
        if isinstance(exc, DatabaseError):
            _drop_broken_connection()
        attempts = Story.objects.values_list("attempts", flat=True).get(pk=story_id)
        if attempts >= MAX_ATTEMPTS:
            logger.exception("story failed for good", extra={"story_id": str(story_id)})
            story_fail(story_id, "internal_error", "Something went wrong while making this story.")
        else:
            logger.exception("story attempt failed; will retry", extra={"story_id": str(story_id)})
            lease_release_for_retry(story_id, owner)
            raise
    finally:
        deadlines_clear(story_id)
    return Story.objects.get(pk=story_id)


def _run_stages(story: Story, beat: Heartbeat, note: Progress) -> None:
    story_id = story.id
    for stage, function in SEQUENTIAL:
        if stage.value in story.completed_stages:
            continue
        beat.check()
        note(stage.value, "start")
        function(story_id)
        note(stage.value, "done")
    beat.check()
    done = set(Story.objects.values_list("completed_stages", flat=True).get(pk=story_id))
    # Narration (+ word timing) and the cover need nothing from each other: run together.
    branches = []
    if not {Stage.NARRATE.value, Stage.TIME_WORDS.value} <= done:
        branches.append(("narrate+time_words", stages.narrate_and_time, (story_id, done)))
    if Stage.PAINT_COVER.value not in done:
        branches.append(("paint_cover", stages.paint_cover, (story_id,)))
    if branches:
        for name, _, _ in branches:
            note(name, "start")
        with ThreadPoolExecutor(max_workers=len(branches)) as pool:
            futures = [
                (name, pool.submit(stages.in_own_connection, fn, *args))
                for name, fn, args in branches
            ]
            errors = []
            for name, future in futures:
                try:
                    future.result()
                    note(name, "done")
                except BaseException as exc:  # collect both branches before raising
                    errors.append(exc)
            if errors:
                raise errors[0]
    beat.check()
    note(Stage.STORE.value, "start")
    _store(story_id)
    note(Stage.STORE.value, "done")
