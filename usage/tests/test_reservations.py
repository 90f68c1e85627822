from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from stories.tests.factories import UserFactory
from usage.errors import AccountBlocked, LimitExceeded, TierRestricted
from usage.models import ReservationState, UsageAccount, UsageReservation
from usage.selectors import reservation_totals
from usage.services import (
    account_block,
    account_limits_adjust,
    account_tier_change,
    budget_release,
    budget_reserve,
    budget_settle,
    reservations_reclaim,
)

from .factories import family

pytestmark = pytest.mark.django_db


def test_reserve_then_settle_moves_worst_case_to_actual():
    user = UserFactory()
    r = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.50"))
    account = UsageAccount.objects.get(user=user)
    assert account.reserved_cost_usd == Decimal("0.50") and account.reserved_operations == 1
    assert account.first_operation_date is None
    budget_settle(reservation=r, actual_usd=Decimal("0.123456"))
    account.refresh_from_db()
    assert account.reserved_cost_usd == 0 and account.reserved_operations == 0
    assert account.daily_cost_usd == account.monthly_cost_usd == Decimal("0.123456")
    assert account.total_lifetime_cost == Decimal("0.123456")
    assert account.total_lifetime_operations == 1 and account.first_operation_date is not None
    first = account.first_operation_date
    budget_settle(reservation=r, actual_usd=Decimal("0.123456"))  # closing twice counts once
    budget_release(reservation=r)
    account.refresh_from_db()
    assert account.daily_cost_usd == Decimal("0.123456") and account.daily_operations == 1
    r2 = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.10"))
    budget_settle(reservation=r2, actual_usd=Decimal("0.05"))
    account.refresh_from_db()
    assert account.first_operation_date == first
    assert account.last_operation_date > first
    assert account.total_lifetime_operations == 2
    assert account.total_lifetime_cost == Decimal("0.173456")
    row = UsageReservation.objects.get(pk=r.id)
    assert row.state == ReservationState.SETTLED and row.settled_usd == Decimal("0.123456")


def test_calls_cheaper_than_a_hundredth_of_a_cent_still_count_to_the_cent():
    """The family's counters keep the ledger's 6 places: rounding each settle to fewer would
    count a $0.000049 call as nothing, and a thousand of them would never reach the limit."""
    user = UserFactory()
    settled = Decimal(0)
    for cost in [Decimal("0.000049")] * 30 + [Decimal("0.000051"), Decimal("0.000001")]:
        r = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.001"))
        budget_settle(reservation=r, actual_usd=cost)
        settled += cost
    account = UsageAccount.objects.get(user=user)
    ledger = sum(
        UsageReservation.objects.filter(account_id=user.pk).values_list("settled_usd", flat=True)
    )
    assert settled == ledger == Decimal("0.001522")
    assert account.daily_cost_usd == account.monthly_cost_usd == account.total_lifetime_cost
    assert account.daily_cost_usd == ledger
    assert account.reserved_cost_usd == 0 and account.daily_operations == 32


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
    assert account.total_lifetime_operations == 0 and account.last_operation_date is None
    assert UsageReservation.objects.get().state == ReservationState.RELEASED


def test_reserved_money_counts_against_the_limit():
    user = family(daily_cost_limit=Decimal("1.00"))
    budget_reserve(user_id=user.pk, amount_usd=Decimal("0.60"))
    with pytest.raises(LimitExceeded) as caught:
        budget_reserve(user_id=user.pk, amount_usd=Decimal("0.50"))
    assert caught.value.code == "daily_cost_limit"
    assert 0 < caught.value.retry_after <= 86400
    assert "$1.00" in caught.value.message
    # The refused reservation left nothing behind.
    assert UsageReservation.objects.count() == 1
    assert UsageAccount.objects.get(user=user).reserved_cost_usd == Decimal("0.60")
    # Exactly up to the limit is allowed.
    budget_reserve(user_id=user.pk, amount_usd=Decimal("0.40"))


@pytest.mark.parametrize(
    ("limits", "amount", "operations", "code"),
    [
        ({"monthly_cost_limit": Decimal("0.30")}, Decimal("0.31"), 1, "monthly_cost_limit"),
        ({"daily_operations_limit": 2}, Decimal("0"), 3, "daily_operation_limit"),
        ({"monthly_operations_limit": 2}, Decimal("0"), 3, "monthly_operation_limit"),
    ],
)
def test_each_limit_has_its_own_code(limits, amount, operations, code):
    user = family(**limits)
    with pytest.raises(LimitExceeded) as caught:
        budget_reserve(user_id=user.pk, amount_usd=amount, operations=operations)
    assert caught.value.code == code
    assert caught.value.extra["resets_at"]


def test_free_calls_are_not_refused_on_cost_but_still_count_operations():
    user = family(daily_cost_limit=Decimal("0.00"), daily_operations_limit=1)
    r = budget_reserve(user_id=user.pk, amount_usd=Decimal("0"))
    budget_settle(reservation=r, actual_usd=Decimal("0"))
    with pytest.raises(LimitExceeded) as caught:
        budget_reserve(user_id=user.pk, amount_usd=Decimal("0"))
    assert caught.value.code == "daily_operation_limit"
    with pytest.raises(LimitExceeded):
        budget_reserve(user_id=user.pk, amount_usd=Decimal("0.01"), operations=0)


def test_blocked_account_cannot_reserve():
    user = UserFactory()
    account_block(user_id=user.pk, reason="abuse of the service", actor=None)
    with pytest.raises(AccountBlocked, match="abuse of the service") as caught:
        budget_reserve(user_id=user.pk, amount_usd=Decimal("0.01"))
    assert caught.value.http_status == 403
    assert caught.value.extra == {"reason": "abuse of the service"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"amount_usd": Decimal("-0.01")}, "cannot be negative"),
        ({"amount_usd": 0.01}, "must be a Decimal"),
        ({"amount_usd": Decimal("NaN")}, "cannot be negative"),
        ({"amount_usd": Decimal("0.01"), "operations": -1}, "operations"),
        ({"amount_usd": Decimal("0.01"), "operations": True}, "operations"),
    ],
)
def test_bad_reservations_are_refused_and_store_nothing(kwargs, message):
    user = UserFactory()
    with pytest.raises(ValueError, match=message):
        budget_reserve(user_id=user.pk, **kwargs)
    assert not UsageReservation.objects.exists()


def test_bad_settle_is_refused_and_the_reservation_stays_open():
    user = UserFactory()
    r = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.10"))
    with pytest.raises(ValueError):
        budget_settle(reservation=r, actual_usd=Decimal("-1"))
    assert UsageReservation.objects.get(pk=r.id).state == ReservationState.OPEN
    assert UsageAccount.objects.get(user=user).reserved_cost_usd == Decimal("0.10")


def test_tier_limits_come_from_the_file_and_follow_tier_changes():
    user = UserFactory()
    r = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.01"))
    budget_release(reservation=r)
    account = UsageAccount.objects.get(user=user)
    assert account.daily_cost_limit == Decimal("5.00") and account.daily_operations_limit == 50
    account_tier_change(user_id=user.pk, tier="premium", actor=None)
    account.refresh_from_db()
    assert account.current_tier == "premium"
    assert account.daily_cost_limit == Decimal("50.00")
    assert account.monthly_operations_limit == 5000
    with pytest.raises(ValueError, match="tier must be one of"):
        account_tier_change(user_id=user.pk, tier="gold", actor=None)


def test_remote_config_overrides_tier_limits_at_run_time(remote):
    user = UserFactory()
    remote("usage_limits", {"free": {"daily_cost_limit": "0.05", "daily_operations_limit": 7}})
    with pytest.raises(LimitExceeded) as caught:
        budget_reserve(user_id=user.pk, amount_usd=Decimal("0.06"))
    assert caught.value.code == "daily_cost_limit"
    budget_reserve(user_id=user.pk, amount_usd=Decimal("0.05"))
    account = UsageAccount.objects.get(user=user)
    assert account.daily_cost_limit == Decimal("0.05") and account.daily_operations_limit == 7
    assert account.monthly_cost_limit == Decimal("20.00")  # keys not overridden stay


def test_ops_adjusted_limits_win_over_tier_and_remote_config(remote):
    user = family(daily_cost_limit=Decimal("0.02"))
    remote("usage_limits", {"free": {"daily_cost_limit": "9.00"}})
    with pytest.raises(LimitExceeded):
        budget_reserve(user_id=user.pk, amount_usd=Decimal("0.03"))
    account_tier_change(user_id=user.pk, tier="premium", actor=None)
    assert UsageAccount.objects.get(user=user).daily_cost_limit == Decimal("0.02")


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"daily_cost_limit": Decimal("-1")}, "cannot be negative"),
        ({"daily_cost_limit": Decimal("1.001")}, "2 decimal places"),
        ({"daily_operations_limit": -3}, "whole number"),
        ({"weekly_cost_limit": Decimal("1")}, "unknown limit 'weekly_cost_limit'"),
        ({}, "no limit given"),
    ],
)
def test_bad_limit_adjustments_are_refused_and_change_nothing(limits, message):
    user = family(daily_cost_limit=Decimal("2.00"))
    with pytest.raises(ValueError, match=message):
        account_limits_adjust(user_id=user.pk, actor=None, **limits)
    account = UsageAccount.objects.get(user=user)
    assert account.daily_cost_limit == Decimal("2.00") and account.daily_operations_limit == 50


def test_operation_outside_the_tier_is_refused(settings, tmp_path):
    import yaml

    document = yaml.safe_load(settings.MIRA_AI_PROVIDERS_FILE.read_text())
    document["usage_tiers"]["free"]["allowed_operations"] = ["story_generation"]
    path = tmp_path / "ai.yaml"
    path.write_text(yaml.safe_dump(document))
    settings.MIRA_AI_PROVIDERS_FILE = path
    from mira.config_file import reset_config_document

    reset_config_document()
    user = UserFactory()
    budget_reserve(user_id=user.pk, amount_usd=Decimal("0"), purpose="story_generation")
    with pytest.raises(TierRestricted) as caught:
        budget_reserve(user_id=user.pk, amount_usd=Decimal("0"), purpose="image_generation")
    assert caught.value.code == "operation_not_allowed"


def test_crashed_reservations_are_reclaimed_and_a_late_settle_still_counts():
    user = family(daily_cost_limit=Decimal("1.00"))
    stuck = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.80"))
    live = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.10"))
    assert reservations_reclaim() == 0  # nothing is past its time-out yet
    later = timezone.now() + timedelta(minutes=16)
    UsageReservation.objects.filter(pk=live.id).update(expires_at=later + timedelta(minutes=5))
    assert reservations_reclaim(now=later) == 1
    account = UsageAccount.objects.get(user=user)
    assert account.reserved_cost_usd == Decimal("0.10")
    assert UsageReservation.objects.get(pk=stuck.id).state == ReservationState.EXPIRED
    assert account.events.filter(kind="reservations_reclaimed").count() == 1
    assert reservations_reclaim(now=later) == 0  # idempotent
    # The call finished after all: the money was spent, so it is recorded (once).
    budget_settle(reservation=stuck, actual_usd=Decimal("0.30"))
    budget_settle(reservation=stuck, actual_usd=Decimal("0.30"))
    account.refresh_from_db()
    assert account.daily_cost_usd == Decimal("0.30") and account.reserved_cost_usd == Decimal(
        "0.10"
    )
    totals = reservation_totals(user_id=user.pk)
    assert totals.cost_usd == account.reserved_cost_usd
