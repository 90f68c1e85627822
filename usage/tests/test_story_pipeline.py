"""Story-level holds through the real pipeline (offline providers)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ai_providers.models import AIOperation
from stories.models import StoryStatus
from stories.pipeline import runner
from stories.services import story_request
from stories.tests.factories import KidFactory
from usage.models import ReservationState, UsageAccount, UsageReservation
from usage.selectors import reservation_totals
from usage.services import account_limits_adjust, reservations_reclaim

from .factories import needs_postgres

# The pipeline narrates and paints in worker threads with their own connections; the
# in-memory SQLite test database answers their concurrent writes with "table is locked".
pytestmark = [pytest.mark.django_db(transaction=True), needs_postgres]


def settled_books(user):
    account = UsageAccount.objects.get(user=user)
    assert not UsageReservation.objects.filter(state=ReservationState.OPEN).exists()
    assert account.reserved_cost_usd == 0 and account.reserved_operations == 0
    assert reservation_totals(user_id=user.pk).operations == 0
    return account


def test_a_finished_story_counts_logical_operations_and_gives_back_its_hold(parent):
    kid = KidFactory(parent=parent)
    story, _ = story_request(owner=parent, kid_id=kid.id, text="a brave snail", enqueue=False)
    hold = UsageReservation.objects.get(story_id=story.id)
    story = runner.run(story.id)
    assert story.status == StoryStatus.READY, story.failure_detail
    account = settled_books(parent)
    calls = UsageReservation.objects.filter(kind="call", state=ReservationState.SETTLED)
    # Check the idea, write, check the story, narrate (one operation for all its chunks),
    # paint the cover: the estimate the story was admitted with, exactly.
    assert account.daily_operations == hold.operations == 5 == account.total_lifetime_operations
    ledger = AIOperation.objects.filter(story_id=story.id, success=True)
    assert calls.count() == ledger.count() > 5  # still one ledger row per vendor call
    assert ledger.filter(operation_type="text_to_speech").count() > 1
    assert calls.filter(hold=hold).exists()  # the story's calls drew from its hold
    hold.refresh_from_db()
    assert hold.state == ReservationState.SETTLED
    assert hold.settled_operations == 5


def test_a_story_that_hits_a_limit_between_stages_fails_with_that_reason(parent):
    kid = KidFactory(parent=parent)
    story, _ = story_request(owner=parent, kid_id=kid.id, text="a brave snail", enqueue=False)
    # The story waited in the queue past its hold's time-out, and ops lowered the limit.
    reservations_reclaim(now=timezone.now() + timedelta(hours=3))
    account_limits_adjust(user_id=parent.pk, actor=None, daily_operations_limit=2)
    story = runner.run(story.id)
    assert story.status == StoryStatus.FAILED
    assert story.failure_code == "daily_operation_limit"
    assert "limit of 2 AI operations" in story.failure_detail
    account = settled_books(parent)
    assert account.daily_operations == 2  # the two calls that ran, counted once
    assert account.daily_cost_usd == Decimal("0")
