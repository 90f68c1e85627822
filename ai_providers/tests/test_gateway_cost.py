"""What one gateway call costs in queries and cache round trips, so the hot path cannot creep.

Runs outside a test transaction (``transaction=True``), as production does: the counts include
the real BEGIN/COMMIT structure and the process-wide remote-config copy.
"""

from decimal import Decimal

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ai_providers import gateway
from ai_providers.models import AIOperation
from ai_providers.types import CallContext, Operation, StoryContext, StoryRequest
from remoteconfig.cache import store
from stories.tests.factories import UserFactory
from usage.models import ReservationState, UsageAccount, UsageReservation

pytestmark = pytest.mark.django_db(transaction=True)

REQUEST = StoryRequest(
    context=StoryContext(kid_name="Mia", kid_age=5),
    system_prompt="You write kind stories.",
    user_prompt="A short story about a brave snail.",
)
# Two database round trips, each one multi-statement query run as one implicit transaction
# (usage.services.reservations): (1) the reservation: lock the account row, then in one
# statement read today's spend (which picks the free family's provider order), check the
# limits, add the worst case to the account and insert the reservation row; (2) the settle:
# lock the account row, then in one statement close the reservation, move the worst case to
# the actual spend on the account and insert the AIOperation ledger row. BEGIN and COMMIT are
# implicit, so they are no round trips of their own.
QUERIES_PER_CALL = 2
# One MGET: the circuit breaker's state for every provider on the route and the remote-config
# stamp the call pins its settings to (tests read it; a process watching the stamps, as in
# production with Redis, leaves it out: mira.stamps). A success on a clean circuit writes nothing.
CACHE_ROUND_TRIPS_PER_CALL = 1


class RedisCommands:
    def __init__(self, monkeypatch) -> None:
        self.count = 0
        original = redis.Redis.execute_command

        def counting(client, *args, **kwargs):
            self.count += 1
            return original(client, *args, **kwargs)

        monkeypatch.setattr(redis.Redis, "execute_command", counting)


def test_one_story_generation_call_costs_a_fixed_number_of_queries(vendors, monkeypatch):
    user = UserFactory()
    ctx = CallContext(user_id=user.pk, tier="free", age_group="4-6", story_type="adventure")
    gateway.call(Operation.STORY_GENERATION, REQUEST, ctx)  # warm: config copy, SDK client
    loads = store.loads
    commands = RedisCommands(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        result = gateway.call(Operation.STORY_GENERATION, REQUEST, ctx)
    assert result.text
    assert len(queries) == QUERIES_PER_CALL, "\n".join(q["sql"][:120] for q in queries)
    assert store.loads == loads  # the remote-config copy was current: no reload
    from django.conf import settings

    if "redis" in settings.CACHES["default"]["BACKEND"].lower():
        assert commands.count == CACHE_ROUND_TRIPS_PER_CALL
    # And the work is all there: ledger row, settled reservation, spend on the account.
    assert AIOperation.objects.filter(user=user, vendor="openai", success=True).count() == 2
    assert UsageReservation.objects.filter(state=ReservationState.SETTLED).count() == 2
    account = UsageAccount.objects.get(user=user)
    assert account.daily_operations == 2 and account.reserved_cost_usd == Decimal(0)
    assert account.daily_cost_usd > 0
