"""The running story's lease and the reaper, in process (the real-worker kill test is
test_worker_kill.py). Tasks run synchronously here (Q_SYNC), so a re-enqueued story runs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_q.models import Schedule

from ai_providers.models import AIOperation
from stories.apps import schedules_register
from stories.models import Stage, Story, StoryStatus
from stories.pipeline import runner, stages
from stories.pipeline.lease import lease_take, stories_reap
from stories.services import story_request
from stories.tests.factories import KidFactory, drawing_bytes
from usage.models import ReservationState, UsageAccount, UsageReservation
from usage.services import budget_reserve
from usage.tests.factories import needs_postgres

pytestmark = [pytest.mark.django_db(transaction=True), needs_postgres]


def admitted(parent) -> Story:
    kid = KidFactory(parent=parent)
    story, _ = story_request(owner=parent, kid_id=kid.id, drawing=drawing_bytes(), enqueue=False)
    return story


def worker_died_after(story: Story, *done: Stage, attempts: int = 1) -> None:
    """What a SIGKILLed worker leaves: finished stages, a call in flight, a lapsed lease."""
    for stage in done:
        getattr(stages, stage.value)(story.id)
    budget_reserve(
        user_id=story.owner_id,
        amount_usd=Decimal("0"),
        purpose="story_generation",
        story_id=story.id,
        operation_key=f"story:{story.id}:generate_story:story_generation",
    )
    Story.objects.filter(pk=story.id).update(
        status=StoryStatus.PROCESSING,
        attempts=attempts,
        lease_owner="host:123:dead",
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )


def test_a_story_whose_worker_vanished_is_resumed_without_paying_twice(parent):
    story = admitted(parent)
    worker_died_after(story, Stage.ANALYSE_INPUT, Stage.BUILD_CONTEXT)

    report = stories_reap()

    assert report.requeued == [story.id] and report.failed == []
    story.refresh_from_db()
    assert story.status == StoryStatus.READY, story.failure_detail
    assert story.attempts == 2
    ops = AIOperation.objects.filter(story_id=story.id)
    assert ops.filter(operation_type="image_recognition").count() == 1
    assert not UsageReservation.objects.filter(state=ReservationState.OPEN).exists()
    expired = UsageReservation.objects.get(state=ReservationState.EXPIRED, kind="call")
    assert expired.story_id == story.id  # the dead worker's call, given back
    account = UsageAccount.objects.get(user=parent)
    assert account.reserved_operations == 0 and account.daily_operations == 5


def test_a_story_out_of_attempts_is_failed_with_a_code_and_its_books_closed(parent):
    story = admitted(parent)
    worker_died_after(story, Stage.ANALYSE_INPUT, attempts=3)

    report = stories_reap()

    assert report.failed == [story.id]
    story.refresh_from_db()
    assert story.status == StoryStatus.FAILED
    assert story.failure_code == "pipeline_interrupted"
    assert not UsageReservation.objects.filter(state=ReservationState.OPEN).exists()
    account = UsageAccount.objects.get(user=parent)
    assert account.reserved_operations == 0 and account.open_story_holds == 0


def test_a_live_lease_is_left_alone_and_a_duplicate_delivery_does_nothing(parent):
    story = admitted(parent)
    taken, exhausted = lease_take(story.id, "host:1:alive")
    assert taken is not None and not exhausted
    assert stories_reap().requeued == []
    again = runner.run(story.id)  # a second delivery of the same task
    assert again.status == StoryStatus.PROCESSING and again.attempts == 1
    assert not AIOperation.objects.filter(story_id=story.id).exists()


def test_a_queued_story_whose_task_was_lost_is_enqueued_again(parent, settings):
    settings.MIRA_PIPELINE_QUEUED_GRACE_SECONDS = 5
    story = admitted(parent)
    Story.objects.filter(pk=story.id).update(enqueued_at=timezone.now() - timedelta(seconds=6))
    assert stories_reap().requeued == [story.id]
    story.refresh_from_db()
    assert story.status == StoryStatus.READY


def test_the_reaper_is_scheduled_every_minute_once():
    schedules_register()
    schedules_register()
    rows = Schedule.objects.filter(func="stories.tasks.reap_stories")
    assert [(r.schedule_type, r.minutes) for r in rows] == [(Schedule.MINUTES, 1)]
