"""The admin console, the scheduled jobs, config validation and routing."""

from decimal import Decimal

import pytest
import yaml
from django.urls import reverse
from django_q.models import Schedule

from mira.config_file import reset_config_document
from usage.apps import check_usage_config, schedules_register
from usage.config import (
    UsageConfigError,
    parse_abuse_thresholds,
    parse_monitoring,
    parse_tiers,
    tier_limits,
    validate_usage_limits_override,
)
from usage.models import EventKind, UsageAccount, UsageEvent
from usage.selectors import ROUTING_BALANCED, ROUTING_CHEAPEST, ROUTING_QUALITY, routing_policy
from usage.services import account_block, budget_reserve, budget_settle

from .factories import family

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(client, admin_user):
    client.force_login(admin_user)
    return client


def test_admin_actions_call_services_and_record_who(console, admin_user):
    user = family(daily_cost_limit=Decimal("1.00"))
    r = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.50"))
    budget_settle(reservation=r, actual_usd=Decimal("0.50"))
    account_block(user_id=user.pk, reason="testing", actor=None)
    url = reverse("admin:usage_usageaccount_changelist")
    for action in ("unblock", "reset_counters", "tier_premium", "reset_limits"):
        response = console.post(url, {"action": action, "_selected_action": [str(user.pk)]})
        assert response.status_code == 302, action
    account = UsageAccount.objects.get(user=user)
    assert not account.is_blocked and account.daily_cost_usd == 0
    assert account.total_lifetime_cost == Decimal("0.5000")  # lifetime totals are kept
    assert account.current_tier == "premium" and account.daily_cost_limit == Decimal("50.00")
    recorded = list(
        UsageEvent.objects.filter(actor=admin_user).order_by("created_at").values_list("kind")
    )
    assert recorded == [
        (EventKind.UNBLOCKED,),
        (EventKind.COUNTERS_RESET,),
        (EventKind.TIER_CHANGED,),
        (EventKind.LIMITS_RESET,),
    ]
    reset = UsageEvent.objects.get(kind=EventKind.COUNTERS_RESET)
    assert reset.data["before"]["daily_cost_usd"] == "0.500000"
    page = console.get(reverse("admin:usage_usageaccount_change", args=[user.pk]))
    assert page.status_code == 200 and b"Counters reset" in page.content


def test_editing_limits_in_the_admin_goes_through_the_service(console, admin_user):
    user = family(daily_operations_limit=50)
    account = UsageAccount.objects.get(user=user)
    url = reverse("admin:usage_usageaccount_change", args=[user.pk])
    form = {
        "current_tier": "free",
        "is_blocked": "",
        "block_reason": "",
        "daily_cost_limit": "7.50",
        "monthly_cost_limit": str(account.monthly_cost_limit),
        "daily_operations_limit": str(account.daily_operations_limit),
        "monthly_operations_limit": str(account.monthly_operations_limit),
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    response = console.post(url, form)
    assert response.status_code == 302, response.content[:2000]
    account.refresh_from_db()
    assert account.daily_cost_limit == Decimal("7.50") and account.custom_limits
    event = UsageEvent.objects.filter(kind=EventKind.LIMITS_ADJUSTED).latest("created_at")
    assert event.actor == admin_user and event.data["after"] == {"daily_cost_limit": "7.50"}
    for page in ("usageevent", "usagereservation", "alertevent"):
        assert console.get(reverse(f"admin:usage_{page}_changelist")).status_code == 200


def test_schedules_are_registered_once_and_kept_up_to_date(settings):
    funcs = {"usage.tasks.reclaim_reservations", "usage.tasks.evaluate_alerts"}
    assert set(Schedule.objects.filter(func__in=funcs).values_list("func", flat=True)) == funcs
    Schedule.objects.create(func="usage.tasks.evaluate_alerts", schedule_type=Schedule.DAILY)
    settings.MIRA_ALERT_EVERY_MINUTES = 2
    schedules_register()
    schedules_register()
    rows = Schedule.objects.filter(func__in=funcs)
    assert rows.count() == 2
    alerts = rows.get(func="usage.tasks.evaluate_alerts")
    assert (alerts.schedule_type, alerts.minutes, alerts.repeats) == (Schedule.MINUTES, 2, -1)


def test_scheduled_tasks_run():
    from usage.tasks import evaluate_alerts, reclaim_reservations

    assert reclaim_reservations() == 0 and evaluate_alerts() == 0


def tiers_with(change):
    with open("config/ai_providers.yaml") as handle:
        document = yaml.safe_load(handle)
    change(document["usage_tiers"])
    return document["usage_tiers"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t["free"].update(daily_cost_limit="lots"), "usage_tiers.free.daily_cost_limit"),
        (lambda t: t["premium"].update(daily_operations_limit=-5), "premium.daily_operations_lim"),
        (lambda t: t["free"].pop("monthly_cost_limit"), "usage_tiers.free.monthly_cost_limit: m"),
        (lambda t: t.update(gold={}), "usage_tiers.gold: unknown key"),
        (lambda t: t["free"].update(dailly_cost_limit=1), "usage_tiers.free.dailly_cost_limit"),
        (
            lambda t: t["free"]["restrictions"].update(max_story_length="epic"),
            "usage_tiers.free.restrictions.max_story_length",
        ),
        (
            lambda t: t["free"]["restrictions"].update(premium_voices="no"),
            "usage_tiers.free.restrictions.premium_voices",
        ),
        (lambda t: t["free"].update(allowed_operations=5), "usage_tiers.free.allowed_operations"),
    ],
)
def test_bad_tiers_name_the_key(change, message):
    with pytest.raises(UsageConfigError, match=message):
        parse_tiers(tiers_with(change))


def test_bad_thresholds_name_the_key():
    with pytest.raises(UsageConfigError, match=r"security\.abuse_thresholds\.rapid_requests"):
        parse_abuse_thresholds({"abuse_thresholds": {"rapid_requests": 0}})
    with pytest.raises(UsageConfigError, match=r"abuse_thresholds\.rapid_requets: unknown"):
        parse_abuse_thresholds({"abuse_thresholds": {"rapid_requets": 5}})
    with pytest.raises(UsageConfigError, match="error_rate_threshold: expected a fraction"):
        parse_monitoring({"performance_alerts": {"error_rate_threshold": 5}})


def test_manage_py_check_reports_a_bad_file(settings, tmp_path):
    assert check_usage_config() == []
    document = yaml.safe_load(settings.MIRA_AI_PROVIDERS_FILE.read_text())
    document["usage_tiers"]["free"]["daily_cost_limit"] = "-1"
    path = tmp_path / "ai.yaml"
    path.write_text(yaml.safe_dump(document))
    settings.MIRA_AI_PROVIDERS_FILE = path
    reset_config_document()
    [error] = check_usage_config()
    assert error.id == "usage.E001" and "usage_tiers.free.daily_cost_limit" in error.msg


def test_bad_remote_override_is_ignored_key_by_key(caplog):
    assert validate_usage_limits_override(
        {"free": {"daily_cost_limit": "abc", "daily_operations_limit": 9}, "gold": {}}
    ) == [
        "usage_limits.free.daily_cost_limit: expected an amount like \"5.00\", got 'abc'",
        "usage_limits.gold: unknown tier",
    ]
    # A stale or hand-written value: each bad key is ignored (and logged), the rest apply.
    limits = tier_limits(
        "free", {"free": {"daily_cost_limit": "abc", "daily_operations_limit": 9}, "x": 1}
    )
    assert limits.daily_cost_limit == Decimal("5.00") and limits.daily_operations_limit == 9
    assert "usage_limits.free.daily_cost_limit" in caplog.text
    assert "usage_limits.x ignored: unknown tier" in caplog.text
    assert tier_limits("free", "not a mapping").daily_operations_limit == 50


def test_routing_policy(remote):
    user = family(daily_cost_limit=Decimal("10.00"))
    assert routing_policy(user_id=user.pk, tier="free", operation="story_generation") == (
        routing_policy(user_id=user.pk, tier="free", operation="story_generation")
    )
    policy = routing_policy(user_id=user.pk, tier="free", operation="story_generation")
    assert policy.strategy == ROUTING_BALANCED and not policy.free_only
    assert routing_policy(user_id=user.pk, tier="free", operation="image_generation").free_only
    assert routing_policy(user_id=user.pk, tier="premium", operation="x").strategy == (
        ROUTING_QUALITY
    )
    r = budget_reserve(user_id=user.pk, amount_usd=Decimal("3.01"))
    budget_settle(reservation=r, actual_usd=Decimal("3.01"))
    policy = routing_policy(user_id=user.pk, tier="free", operation="story_generation")
    assert policy.strategy == ROUTING_CHEAPEST
    remote("force_cheapest_providers", True)
    assert routing_policy(user_id=user.pk, tier="premium", operation="x").strategy == (
        ROUTING_CHEAPEST
    )
    premium_image = routing_policy(user_id=user.pk, tier="premium", operation="image_generation")
    assert not premium_image.free_only
    remote("disable_expensive_features", True)
    premium_image = routing_policy(user_id=user.pk, tier="premium", operation="image_generation")
    assert premium_image.free_only and "switched off by ops" in premium_image.reason
