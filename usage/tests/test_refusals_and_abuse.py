"""What a parent sees when usage says no, through the real API, and abuse detection."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from stories.models import Story
from stories.tests.factories import KidFactory
from usage.errors import AccountBlocked, BurstThrottled
from usage.models import EventKind, UsageAccount, UsageEvent, UsageReservation
from usage.services import (
    account_block,
    account_tier_change,
    account_unblock,
    budget_reserve,
    budget_settle,
    story_admit,
    story_hold_close,
)

from .factories import family

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)


def ask(api, kid, **extra):
    return api.post(
        "/api/v1/stories/",
        {"kid": str(kid.id), "text": "a kite that flies to the moon", **extra},
        format="multipart",
    )


@pytest.fixture
def big_limits(parent):
    from usage.services import account_limits_adjust

    account_limits_adjust(
        user_id=parent.pk,
        actor=None,
        daily_operations_limit=100000,
        monthly_operations_limit=100000,
        daily_cost_limit=Decimal("1000"),
        monthly_cost_limit=Decimal("1000"),
    )


def test_over_the_limit_is_a_429_with_code_detail_and_retry_after(api, parent):
    kid = KidFactory(parent=parent)
    from usage.services import account_limits_adjust

    account_limits_adjust(user_id=parent.pk, actor=None, daily_operations_limit=2)
    with time_machine.travel(NOON, tick=False):
        response = ask(api, kid)
    assert response.status_code == 429
    assert response.data["code"] == "daily_operation_limit"
    assert "limit of 2 AI operations" in response.data["detail"]
    assert response["Retry-After"] == str(12 * 3600)  # until midnight UTC
    assert response.data["resets_at"] == "2026-03-11T00:00:00+00:00"
    assert not Story.objects.exists() and not UsageReservation.objects.exists()


def test_monthly_limit_retry_after_runs_to_the_first_of_next_month(api, parent):
    kid = KidFactory(parent=parent)
    from usage.services import account_limits_adjust

    account_limits_adjust(user_id=parent.pk, actor=None, monthly_operations_limit=1)
    with time_machine.travel(NOON, tick=False):
        response = ask(api, kid)
    assert response.data["code"] == "monthly_operation_limit"
    resets = datetime(2026, 4, 1, tzinfo=UTC)
    assert response["Retry-After"] == str(int((resets - NOON).total_seconds()))


def test_tier_restriction_is_a_403_naming_it(api, parent):
    kid = KidFactory(parent=parent)
    response = ask(api, kid, story_length="long")
    assert response.status_code == 403
    assert response.data["code"] == "tier_restriction"
    assert response.data["restriction"] == "max_story_length"


def test_blocked_then_unblocked(api, parent, admin_user):
    kid = KidFactory(parent=parent)
    account_block(user_id=parent.pk, reason="chargeback under review", actor=admin_user)
    response = ask(api, kid)
    assert response.status_code == 403
    assert response.data == {
        "code": "account_blocked",
        "detail": "This account is blocked: chargeback under review",
        "reason": "chargeback under review",
    }
    account_unblock(user_id=parent.pk, actor=admin_user)
    assert ask(api, kid).status_code == 202
    kinds = list(
        UsageEvent.objects.filter(account_id=parent.pk)
        .order_by("created_at")
        .values_list("kind", "actor")
    )
    assert kinds == [(EventKind.BLOCKED, admin_user.pk), (EventKind.UNBLOCKED, admin_user.pk)]


def test_a_story_request_admitted_holds_its_estimate_until_the_story_ends(api, parent):
    kid = KidFactory(parent=parent)
    response = ask(api, kid)
    assert response.status_code == 202
    hold = UsageReservation.objects.get(story_id=response.data["id"])
    assert hold.state == "open" and hold.remaining_operations == hold.operations > 0
    story_hold_close(story_id=hold.story_id, user_id=parent.pk)
    hold.refresh_from_db()
    assert hold.state == "settled"
    assert UsageAccount.objects.get(user=parent).reserved_operations == 0


def test_burst_of_story_requests_is_throttled_with_one_warning(api, parent, big_limits):
    kid = KidFactory(parent=parent)
    with time_machine.travel(NOON, tick=False) as clock:
        for _ in range(10):
            assert ask(api, kid).status_code == 202
            clock.shift(timedelta(seconds=3))
        response = ask(api, kid)
        assert response.status_code == 429
        assert response.data["code"] == "rapid_requests"
        assert response["Retry-After"] == "30"  # the first of the ten leaves the minute then
        assert response.data["warning_count"] == 1
        assert ask(api, kid).status_code == 429  # still throttled, not warned again
        account = UsageAccount.objects.get(user=parent)
        assert account.warning_count == 1 and account.last_warning_date == NOON + timedelta(
            seconds=30
        )
        kinds = UsageEvent.objects.exclude(kind=EventKind.LIMITS_ADJUSTED)
        assert sorted(kinds.values_list("kind", flat=True)) == [
            EventKind.BURST_THROTTLED,
            EventKind.WARNING,
        ]
        clock.shift(timedelta(seconds=31))
        assert ask(api, kid).status_code == 202  # one more fits once the minute moved on
    assert Story.objects.count() == 11


def test_repeated_bursts_block_the_account_with_a_reason():
    user = family(daily_operations_limit=100000, monthly_operations_limit=100000)
    with time_machine.travel(NOON, tick=False) as clock:
        for burst in range(3):
            for _ in range(10):
                story_admit(
                    user_id=user.pk, story_id=uuid.uuid4(), story_length="short", input_kind="text"
                )
            expected = AccountBlocked if burst == 2 else BurstThrottled
            with pytest.raises(expected):
                story_admit(
                    user_id=user.pk, story_id=uuid.uuid4(), story_length="short", input_kind="text"
                )
            clock.shift(timedelta(minutes=2))
        account = UsageAccount.objects.get(user=user)
        assert account.is_blocked and account.warning_count == 3
        assert "3 warnings within 24 h" in account.block_reason
        assert "story requests" in account.block_reason
        assert UsageEvent.objects.filter(kind=EventKind.AUTO_BLOCKED).count() == 1
        with pytest.raises(AccountBlocked):
            budget_reserve(user_id=user.pk, amount_usd=Decimal("0"))
        account_unblock(user_id=user.pk, actor=None)
        story_admit(user_id=user.pk, story_id=uuid.uuid4(), story_length="short", input_kind="text")
        assert UsageAccount.objects.get(user=user).warning_count == 0


def test_warnings_far_apart_do_not_block():
    user = family(daily_operations_limit=100000, monthly_operations_limit=100000)
    with time_machine.travel(NOON, tick=False) as clock:
        for _ in range(4):
            for _ in range(10):
                story_admit(
                    user_id=user.pk, story_id=uuid.uuid4(), story_length="short", input_kind="text"
                )
            with pytest.raises(BurstThrottled):
                story_admit(
                    user_id=user.pk, story_id=uuid.uuid4(), story_length="short", input_kind="text"
                )
            clock.shift(timedelta(hours=25))
    account = UsageAccount.objects.get(user=user)
    assert not account.is_blocked and account.warning_count == 1


def spend(user, amount):
    r = budget_reserve(user_id=user.pk, amount_usd=amount)
    budget_settle(reservation=r, actual_usd=amount)


def test_cost_spike_against_the_familys_own_median_is_flagged_once_a_day():
    user = family(daily_cost_limit=Decimal("100"), monthly_cost_limit=Decimal("1000"))
    day = datetime(2026, 3, 1, 10, tzinfo=UTC)
    with time_machine.travel(day, tick=False) as clock:
        for amount in ("0.50", "0.90", "0.80"):  # median day: $0.80
            spend(user, Decimal(amount))
            clock.shift(timedelta(days=1))
        spend(user, Decimal("2.40"))  # rolls the window over; not above 3 x $0.80
        account = UsageAccount.objects.get(user=user)
        assert account.trailing_median_daily_cost == Decimal("0.80")
        assert not UsageEvent.objects.filter(kind=EventKind.COST_SPIKE).exists()
        spend(user, Decimal("0.01"))  # $2.41 today > $2.40
        spend(user, Decimal("1.00"))
        spikes = UsageEvent.objects.filter(kind=EventKind.COST_SPIKE)
        assert spikes.count() == 1
        assert Decimal(spikes.get().data["threshold"]) == Decimal("2.40")
        account.refresh_from_db()
        assert account.warning_count == 1 and not account.is_blocked


def test_cost_spike_floor_protects_new_families_with_tiny_history():
    user = family(daily_cost_limit=Decimal("100"))
    spend(user, Decimal("0.90"))  # no history: only the $1.00 floor applies
    assert not UsageEvent.objects.filter(kind=EventKind.COST_SPIKE).exists()
    spend(user, Decimal("0.20"))
    assert UsageEvent.objects.filter(kind=EventKind.COST_SPIKE).count() == 1


def test_repeated_safety_rejections_warn_once_threshold_is_reached():
    user = family()
    ids = [uuid.uuid4() for _ in range(4)]
    for story_id in ids[:2]:
        story_hold_close(story_id=story_id, user_id=user.pk, outcome="unsafe_input")
    story_hold_close(story_id=ids[0], user_id=user.pk, outcome="unsafe_input")  # same story
    assert UsageEvent.objects.filter(kind=EventKind.SAFETY_REJECTION).count() == 2
    assert not UsageEvent.objects.filter(kind=EventKind.WARNING).exists()
    story_hold_close(story_id=ids[2], user_id=user.pk, outcome="unsafe_story")
    story_hold_close(story_id=ids[3], user_id=user.pk, outcome="quality_check_failed")
    warning = UsageEvent.objects.get(kind=EventKind.WARNING)
    assert "3 stories rejected by the safety check" in warning.detail


def test_tier_change_is_recorded_with_who(admin_user):
    user = family()
    account_tier_change(user_id=user.pk, tier="enterprise", actor=admin_user)
    event = UsageEvent.objects.get(kind=EventKind.TIER_CHANGED)
    assert event.actor == admin_user and event.data == {"from": "free", "to": "enterprise"}
