"""The running story's lease and the reaper, in process (the real-worker kill test is
test_worker_kill.py). Tasks run synchronously here (Q_SYNC), so a re-enqueued story runs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_q.models import Schedule

from ai_providers.models import AIOperation
from ai_providers.tests.conftest import vendors  # noqa: F401  (fixture)
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


@pytest.mark.parametrize("when", ["vendor_call_in_flight", "between_stages"])
def test_a_story_whose_database_connection_drops_ends_and_is_billed_once(
    parent,
    vendors,  # noqa: F811
    when,
):
    """The worker's database connection is killed (a failover, a restarted server) while a
    vendor call is in flight, or between two stages: the attempt drops the dead connection,
    gives the story back on a new one, and the reaper's re-run finishes it. The family pays
    each logical operation once; a call whose record was lost is the one extra vendor request,
    and it is not billed."""
    import threading
    import time

    import psycopg
    from django.db import DatabaseError, connection

    from ai_providers.tests.fakevendor import Slow

    kid = KidFactory(parent=parent, name="Mia")  # the fake vendor's stories are about Mia
    story, _ = story_request(owner=parent, kid_id=kid.id, text="a brave snail", enqueue=False)
    with connection.cursor() as cursor:
        cursor.execute("select pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    for driver_only in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(driver_only, None)

    def kill() -> None:
        with psycopg.connect(**params, autocommit=True) as other:
            other.execute("select pg_terminate_backend(%s)", [pid])
            while other.execute("select 1 from pg_stat_activity where pid = %s", [pid]).fetchone():
                time.sleep(0.01)

    def kill_when_the_call_is_in_flight() -> None:
        deadline = time.monotonic() + 30
        while not vendors.requests("openai.chat") and time.monotonic() < deadline:
            time.sleep(0.02)
        kill()

    progress = None
    if when == "vendor_call_in_flight":
        vendors.queue("openai.chat", Slow(1.0))
        killer = threading.Thread(target=kill_when_the_call_is_in_flight)
        killer.start()
    else:

        def progress(stage: str, event: str) -> None:
            if (stage, event) == (Stage.GENERATE_STORY.value, "start"):
                kill()  # the stage's first query, outside any transaction, meets it dead

    with pytest.raises(DatabaseError):
        runner.run(story.id, progress=progress)
    if when == "vendor_call_in_flight":
        killer.join()

    story = Story.objects.get(pk=story.id)  # the attempt gave it back, on a new connection
    assert story.status == StoryStatus.QUEUED and story.lease_owner == ""
    assert Stage.GENERATE_STORY.value not in story.completed_stages
    Story.objects.filter(pk=story.id).update(enqueued_at=timezone.now() - timedelta(hours=1))

    assert stories_reap().requeued == [story.id]

    story.refresh_from_db()
    assert story.status == StoryStatus.READY, story.failure_detail
    assert story.attempts == 2
    lost_calls = 1 if when == "vendor_call_in_flight" else 0
    assert len(vendors.requests("openai.chat")) == 1 + lost_calls
    written = AIOperation.objects.filter(
        story_id=story.id, operation_type="story_generation", success=True
    )
    assert written.count() == 1
    assert not UsageReservation.objects.filter(state=ReservationState.OPEN).exists()
    account = UsageAccount.objects.get(user=parent)
    assert account.reserved_operations == 0 and account.reserved_cost_usd == 0
    assert account.daily_operations == 5  # each logical operation once
    lost = UsageReservation.objects.filter(kind="call", state=ReservationState.EXPIRED)
    assert lost.count() == lost_calls
    assert all(r.purpose == "story_generation" and not r.settled_usd for r in lost)
