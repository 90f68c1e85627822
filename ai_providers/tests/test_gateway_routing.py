"""A free family's spend today picks the provider order, read by the call's first reservation
(under the account lock, in the same round trip): past the threshold the cheapest provider
serves and only its worst case was held."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ai_providers import gateway, resilience
from ai_providers.tests.conftest import route, rows
from ai_providers.types import CallContext, Operation, StoryContext, StoryRequest
from stories.tests.factories import UserFactory
from usage.models import ReservationState, UsageAccount, UsageReservation
from usage.selectors import free_tier_threshold
from usage.services import account_get_or_create

pytestmark = pytest.mark.django_db

STORY = StoryRequest(context=StoryContext(kid_name="Mia", kid_age=5), max_tokens=300)


def free_family(spent_today: Decimal):
    user = UserFactory()
    account_get_or_create(user_id=user.pk)
    UsageAccount.objects.filter(user=user).update(daily_cost_usd=spent_today)
    return user, CallContext(user_id=user.pk, tier="free", age_group="4-6")


@pytest.mark.parametrize("path", ["single", "orm"])
def test_spend_past_the_threshold_routes_to_the_cheapest_and_holds_its_cost(
    vendors, settings, tmp_path, monkeypatch, path
):
    if path == "orm":
        from django.db import connection

        options = connection.settings_dict.setdefault("OPTIONS", {})
        monkeypatch.setitem(options, "server_side_binding", True)
    route(settings, tmp_path, Operation.STORY_GENERATION, ["openai", "local"])
    threshold = free_tier_threshold()

    user, under = free_family(threshold)  # at the threshold is not past it
    gateway.call(Operation.STORY_GENERATION, STORY, under)
    assert rows() == [("openai", True, "")]
    held = UsageReservation.objects.get(account_id=user.pk)
    assert held.state == ReservationState.SETTLED and held.amount_usd > 0

    user, over = free_family(threshold + Decimal("0.01"))
    gateway.call(Operation.STORY_GENERATION, STORY, over)
    assert [r for r in rows() if r[0] == "local"] == [("local", True, "")]
    held = UsageReservation.objects.get(account_id=user.pk)
    assert held.state == ReservationState.SETTLED and held.amount_usd == 0
    assert UsageAccount.objects.get(user=user).reserved_cost_usd == 0


def test_the_routing_reservation_is_given_back_when_its_provider_circuit_is_open(
    vendors, settings, tmp_path
):
    route(settings, tmp_path, Operation.STORY_GENERATION, ["openai", "anthropic", "local"])
    breaker = resilience.CircuitBreaker("openai", Operation.STORY_GENERATION)
    for _ in range(settings.MIRA_AI_CIRCUIT_FAILURES):
        breaker.record_failure()
    user, free = free_family(Decimal("0"))
    gateway.call(Operation.STORY_GENERATION, STORY, free)
    assert rows() == [("anthropic", True, "")]
    states = sorted(
        UsageReservation.objects.filter(account_id=user.pk).values_list("state", flat=True)
    )
    assert states == [ReservationState.RELEASED, ReservationState.SETTLED]
    account = UsageAccount.objects.get(user=user)
    assert account.reserved_cost_usd == 0 and account.reserved_operations == 0
    assert account.daily_operations == 1
