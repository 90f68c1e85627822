from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured

from usage.errors import LimitExceeded
from usage.models import UsageAccount, UsageDay
from usage.services import budget_reserve, budget_settle
from usage.windows import current_windows

from .factories import family

pytestmark = pytest.mark.django_db


def spend(user, amount=Decimal("0.40")):
    r = budget_reserve(user_id=user.pk, amount_usd=amount)
    budget_settle(reservation=r, actual_usd=amount)


def test_windows_roll_over_at_utc_midnight():
    before = current_windows(datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC))
    after = current_windows(datetime(2026, 2, 1, 0, 0, 0, tzinfo=UTC))
    assert before.day.isoformat() == "2026-01-31" and after.day.isoformat() == "2026-02-01"
    assert before.month.isoformat() == "2026-01-01" and after.month.isoformat() == "2026-02-01"
    assert before.next_day_start == datetime(2026, 2, 1, tzinfo=UTC) == before.next_month_start
    assert after.next_month_start == datetime(2026, 3, 1, tzinfo=UTC)
    december = current_windows(datetime(2026, 12, 31, 12, tzinfo=UTC))
    assert december.next_month_start == datetime(2027, 1, 1, tzinfo=UTC)


def test_configured_time_zone_moves_the_boundary(settings):
    settings.MIRA_USAGE_TIMEZONE = "America/New_York"
    # 03:00 UTC on 1 March is still 28 February in New York.
    windows = current_windows(datetime(2026, 3, 1, 3, 0, tzinfo=UTC))
    assert windows.day.isoformat() == "2026-02-28" and windows.month.isoformat() == "2026-02-01"
    assert windows.next_day_start == datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
    # The day clocks spring forward is 23 hours long.
    dst = current_windows(datetime(2026, 3, 8, 12, tzinfo=UTC))
    assert dst.next_day_start - dst.day_start == timedelta(hours=23)
    settings.MIRA_USAGE_TIMEZONE = "Mars/Olympus_Mons"
    with pytest.raises(ImproperlyConfigured, match="MIRA_USAGE_TIMEZONE"):
        current_windows()


def test_spend_rolls_over_at_midnight_under_the_lock():
    user = family(daily_cost_limit=Decimal("1.00"), monthly_cost_limit=Decimal("20.00"))
    with time_machine.travel(datetime(2026, 1, 31, 23, 59, 58, tzinfo=UTC), tick=False) as clock:
        spend(user)
        spend(user)
        with pytest.raises(LimitExceeded) as caught:
            budget_reserve(user_id=user.pk, amount_usd=Decimal("0.40"))
        assert caught.value.code == "daily_cost_limit"
        assert caught.value.retry_after == 2.0
        clock.move_to(datetime(2026, 2, 1, 0, 0, 1, tzinfo=UTC))
        spend(user)  # a new day and a new month
        account = UsageAccount.objects.get(user=user)
        assert account.daily_reset_date.isoformat() == "2026-02-01"
        assert account.daily_cost_usd == Decimal("0.40")
        assert account.monthly_reset_date.isoformat() == "2026-02-01"
        assert account.monthly_cost_usd == Decimal("0.40")
        assert account.total_lifetime_cost == Decimal("1.20")
        archived = UsageDay.objects.get(account=account)
        assert archived.day.isoformat() == "2026-01-31" and archived.cost_usd == Decimal("0.80")
        assert archived.operations == 2
        clock.move_to(datetime(2026, 2, 2, 9, tzinfo=UTC))
        spend(user)
        account.refresh_from_db()
        assert account.daily_cost_usd == Decimal("0.40")
        assert account.monthly_cost_usd == Decimal("0.80")  # same month: kept


def test_a_reservation_made_before_midnight_settles_into_the_new_day():
    user = family(daily_cost_limit=Decimal("1.00"))
    with time_machine.travel(datetime(2026, 5, 10, 23, 59, 59, tzinfo=UTC), tick=False) as clock:
        spend(user, Decimal("0.90"))
        r = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.10"))
        clock.move_to(datetime(2026, 5, 11, 0, 0, 5, tzinfo=UTC))
        budget_settle(reservation=r, actual_usd=Decimal("0.10"))
        account = UsageAccount.objects.get(user=user)
        assert account.daily_cost_usd == Decimal("0.10") and account.reserved_cost_usd == 0
        assert UsageDay.objects.get().cost_usd == Decimal("0.90")
