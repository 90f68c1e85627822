from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from stories.tests.factories import UserFactory
from usage.errors import AccountBlocked, LimitExceeded
from usage.models import ReservationState, UsageAccount, UsageReservation
from usage.services import account_get_or_create, budget_release, budget_reserve, budget_settle
from usage.windows import current_windows

pytestmark = pytest.mark.django_db


def test_reserve_then_settle_moves_worst_case_to_actual():
    user = UserFactory()
    r = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.50"))
    account = UsageAccount.objects.get(user=user)
    assert account.reserved_cost_usd == Decimal("0.50") and account.reserved_operations == 1
    budget_settle(reservation=r, actual_usd=Decimal("0.123456"))
    account.refresh_from_db()
    assert account.reserved_cost_usd == 0 and account.reserved_operations == 0
    assert account.daily_cost_usd == Decimal("0.1235")
    assert account.total_lifetime_operations == 1 and account.first_operation_date is not None
    budget_settle(reservation=r, actual_usd=Decimal("0.123456"))  # closing twice counts once
    account.refresh_from_db()
    assert account.daily_cost_usd == Decimal("0.1235") and account.daily_operations == 1


def test_release_gives_everything_back():
    user = UserFactory()
    r = budget_reserve(user_id=user.pk, amount_usd=Decimal("1.00"))
    budget_release(reservation=r)
    account = UsageAccount.objects.get(user=user)
    assert (account.reserved_cost_usd, account.daily_cost_usd, account.daily_operations) == (
        0,
        0,
        0,
    )
    assert UsageReservation.objects.get().state == ReservationState.RELEASED


def test_reserved_money_counts_against_the_limit():
    user = UserFactory()
    account = account_get_or_create(user_id=user.pk)
    account.daily_cost_limit = Decimal("1.00")
    account.save()
    budget_reserve(user_id=user.pk, amount_usd=Decimal("0.60"))
    with pytest.raises(LimitExceeded) as caught:
        budget_reserve(user_id=user.pk, amount_usd=Decimal("0.50"))
    assert caught.value.code == "daily_cost_limit"
    assert 0 < caught.value.retry_after <= 86400


def test_blocked_account_cannot_reserve():
    user = UserFactory()
    account = account_get_or_create(user_id=user.pk)
    account.is_blocked, account.block_reason = True, "abuse"
    account.save()
    with pytest.raises(AccountBlocked, match="abuse"):
        budget_reserve(user_id=user.pk, amount_usd=Decimal("0.01"))


def test_windows_roll_over_at_utc_midnight():
    before = current_windows(datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC))
    after = current_windows(datetime(2026, 2, 1, 0, 0, 0, tzinfo=UTC))
    assert before.day.isoformat() == "2026-01-31" and after.day.isoformat() == "2026-02-01"
    assert before.month.isoformat() == "2026-01-01" and after.month.isoformat() == "2026-02-01"
    assert before.next_day_start == datetime(2026, 2, 1, tzinfo=UTC) == before.next_month_start
    assert after.next_month_start == datetime(2026, 3, 1, tzinfo=UTC)


def test_yesterdays_spend_does_not_count_today():
    user = UserFactory()
    account = account_get_or_create(user_id=user.pk)
    account.daily_cost_usd, account.daily_cost_limit = Decimal("5.00"), Decimal("5.00")
    account.daily_reset_date = timezone.now().date() - timedelta(days=1)
    account.save()
    budget_reserve(user_id=user.pk, amount_usd=Decimal("1.00"))
    account.refresh_from_db()
    assert account.daily_cost_usd == 0 and account.reserved_cost_usd == Decimal("1.00")
