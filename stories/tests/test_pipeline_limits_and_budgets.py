"""The pipeline's operation count, its admission estimate, stage budgets and task time-outs,
on PostgreSQL with real threads (offline providers, or the fake vendor)."""

from __future__ import annotations

import pytest
from django_q.exceptions import TimeoutException
from django_q.timeout import TimeoutHandler

from ai_providers.models import AIOperation
from ai_providers.tests.conftest import vendors  # noqa: F401  (fixture)
from ai_providers.tests.fakevendor import Slow
from stories.models import Story, StoryStatus
from stories.pipeline import runner
from stories.services import story_request
from stories.tests.factories import KidFactory, drawing_bytes
from usage.errors import LimitExceeded
from usage.models import ReservationState, UsageAccount, UsageReservation
from usage.services import account_limits_adjust
from usage.tests.factories import needs_postgres

pytestmark = [pytest.mark.django_db(transaction=True), needs_postgres]

IN_FLIGHT = (StoryStatus.QUEUED, StoryStatus.PROCESSING)


def nothing_open(user) -> None:
    assert not UsageReservation.objects.filter(state=ReservationState.OPEN).exists()
    account = UsageAccount.objects.get(user=user)
    assert account.reserved_operations == 0 and account.reserved_cost_usd == 0
    assert account.open_story_holds == 0
    assert not Story.objects.filter(status__in=IN_FLIGHT).exists()


def request(kid, **kwargs) -> Story:
    story, created = story_request(
        owner=kid.parent, kid_id=kid.id, drawing=drawing_bytes(), enqueue=False, **kwargs
    )
    assert created
    return story


@pytest.mark.slow
def test_ten_stories_a_day_fit_a_free_family_with_the_offline_providers(parent):
    kid = KidFactory(parent=parent)
    for _ in range(10):
        story = runner.run(request(kid).id)
        assert story.status == StoryStatus.READY, story.failure_detail
    account = UsageAccount.objects.get(user=parent)
    assert account.current_tier == "free" and account.daily_operations_limit == 50
    assert account.daily_operations == 50  # five logical operations a story
    # ...while the ledger has one row per vendor call (narration is several).
    assert AIOperation.objects.filter(user_id=parent.pk, success=True).count() > 50
    nothing_open(parent)


def test_a_family_with_room_for_k_stories_is_admitted_k_and_gets_k(parent):
    kid = KidFactory(parent=parent)
    account_limits_adjust(user_id=parent.pk, actor=None, daily_operations_limit=3 * 5)
    stories = [request(kid) for _ in range(3)]  # all admitted before any runs
    with pytest.raises(LimitExceeded) as refused:
        request(kid)
    assert refused.value.code == "daily_operation_limit"
    for story in stories:
        story = runner.run(story.id)
        assert story.status == StoryStatus.READY, story.failure_detail
    assert UsageAccount.objects.get(user=parent).daily_operations == 15
    nothing_open(parent)


def test_a_stage_that_outruns_its_budget_fails_the_story_and_leaves_the_flight(
    vendors,  # noqa: F811
    settings,
    parent,
):
    settings.MIRA_PIPELINE_STAGE_BUDGETS = {**settings.MIRA_PIPELINE_STAGE_BUDGETS}
    settings.MIRA_PIPELINE_STAGE_BUDGETS["generate_story"] = 1.5
    vendors.always("openai.chat", Slow(4))
    kid = KidFactory(parent=parent)
    story = runner.run(request(kid, text="", story_length="short").id)
    assert story.status == StoryStatus.FAILED
    assert story.failure_code == "stage_timeout"
    assert story.current_stage == "generate_story"
    writes = AIOperation.objects.filter(story_id=story.id, operation_type="story_generation")
    # Cut off inside its budget: one try at most, no fallback to Anthropic or the templates.
    assert [(w.vendor, w.success) for w in writes] == [("openai", False)]
    assert not story.lease_owner and story.lease_expires_at is None
    nothing_open(parent)


def test_a_task_time_out_ends_the_story_failed_not_processing(vendors, parent):  # noqa: F811
    vendors.always("openai.chat", Slow(5))
    kid = KidFactory(parent=parent)
    story = request(kid)
    # django-q2's own time-out: SIGALRM raises TimeoutException, a SystemExit.
    with pytest.raises(TimeoutException), TimeoutHandler(2):
        runner.run(story.id)
    story.refresh_from_db()
    assert story.status == StoryStatus.FAILED
    assert story.failure_code == "task_timeout"
    nothing_open(parent)
