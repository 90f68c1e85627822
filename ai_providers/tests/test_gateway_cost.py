"""What one gateway call costs in queries and cache round trips, so the hot path cannot creep.

Runs outside a test transaction (``transaction=True``), as production does: the counts include
the real BEGIN/COMMIT structure and the process-wide remote-config copy.
"""

import pickle
import time
import uuid
from decimal import Decimal

import pytest
import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ai_providers import gateway, resilience
from ai_providers.models import AIOperation
from ai_providers.registry import provider_get
from ai_providers.types import CallContext, Operation, StoryContext, StoryRequest, Usage
from mira.stamps import channel, watch
from remoteconfig.cache import stamp_key, store
from stories.tests.factories import UserFactory
from usage.models import ReservationState, UsageAccount, UsageReservation
from usage.services import reservations

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
# One MGET: the circuit breaker's state for every provider on the route (with the circuit
# stamp) and the remote-config stamp the call pins its settings to. Tests read both; a process
# watching the stamps, as in production with Redis, reads neither while nothing changed
# (mira.stamps, ai_providers.resilience): no round trip at all. A success on a clean circuit
# writes nothing.
CACHE_ROUND_TRIPS_PER_CALL = 1
WATCHED_CACHE_ROUND_TRIPS_PER_CALL = 0


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
    if "redis" in settings.CACHES["default"]["BACKEND"].lower():
        assert commands.count == CACHE_ROUND_TRIPS_PER_CALL
    # And the work is all there: ledger row, settled reservation, spend on the account.
    assert AIOperation.objects.filter(user=user, vendor="openai", success=True).count() == 2
    assert UsageReservation.objects.filter(state=ReservationState.SETTLED).count() == 2
    account = UsageAccount.objects.get(user=user)
    assert account.daily_operations == 2 and account.reserved_cost_usd == Decimal(0)
    assert account.daily_cost_usd > 0


needs_redis = pytest.mark.skipif(
    settings.CACHES["default"]["BACKEND"] != "mira.cache.RedisCache",
    reason="needs REDIS_URL (the stamp watch is for the Redis cache)",
)


def eventually(check, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not seen in time"
        time.sleep(0.02)


@pytest.fixture
def watching(settings):
    settings.MIRA_STAMP_WATCH = True
    settings.MIRA_STAMP_REFRESH_SECONDS = 0.2
    return settings


def _circuits_watched() -> bool:
    keys = resilience.CircuitBreaker("openai", Operation.STORY_GENERATION).state_keys
    return (
        watch.value(resilience.CIRCUIT_STAMP_KEY)[0] and resilience.cached_states(keys) is not None
    )


@needs_redis
def test_with_the_watch_live_a_call_on_closed_circuits_costs_no_round_trip(
    vendors, watching, monkeypatch
):
    user = UserFactory()
    ctx = CallContext(user_id=user.pk, tier="free", age_group="4-6", story_type="adventure")
    environment = settings.MIRA_ENVIRONMENT

    def warm() -> bool:
        gateway.call(Operation.STORY_GENERATION, REQUEST, ctx)
        return watch.value(stamp_key(environment))[0] and _circuits_watched()

    eventually(warm)
    # The watcher thread's own refreshes would be counted too: let it be quiet for a moment.
    watching.MIRA_STAMP_REFRESH_SECONDS = 30
    time.sleep(1.0)
    commands = RedisCommands(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        result = gateway.call(Operation.STORY_GENERATION, REQUEST, ctx)
    assert result.text
    assert len(queries) == QUERIES_PER_CALL
    assert commands.count == WATCHED_CACHE_ROUND_TRIPS_PER_CALL


@needs_redis
def test_a_circuit_another_process_opens_is_seen_here_without_a_read(vendors, watching):
    user = UserFactory()
    ctx = CallContext(user_id=user.pk, tier="free", age_group="4-6", story_type="adventure")
    eventually(
        lambda: gateway.call(Operation.STORY_GENERATION, REQUEST, ctx) and _circuits_watched()
    )
    # Another process (a plain redis-py client writing as a process would) opens OpenAI's
    # story circuit, then moves the circuit stamp and publishes it.
    other = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    breaker = resilience.CircuitBreaker("openai", Operation.STORY_GENERATION)
    open_until, _failures = breaker.state_keys
    other.set(cache.make_and_validate_key(open_until), pickle.dumps(time.time() + 600))
    other.set(
        cache.make_and_validate_key(resilience.CIRCUIT_STAMP_KEY), pickle.dumps(uuid.uuid4().hex)
    )
    other.publish(channel(caches["default"]), resilience.CIRCUIT_STAMP_KEY)

    def skipped_openai() -> bool:
        before = AIOperation.objects.filter(user=user).count()
        gateway.call(Operation.STORY_GENERATION, REQUEST, ctx)
        newest = AIOperation.objects.filter(user=user).order_by("-created_at")[:1][0]
        return AIOperation.objects.filter(user=user).count() == before + 1 and (
            newest.vendor != "openai"
        )

    eventually(skipped_openai)
    # A success here closes nothing it did not see: the circuit stays open for every process.
    assert breaker.state() == resilience.OPEN
    resilience.circuit_reset(["openai"])
    # This process's own write is seen at once: the next call goes to OpenAI again.
    gateway.call(Operation.STORY_GENERATION, REQUEST, ctx)
    newest = AIOperation.objects.filter(user=user).order_by("-created_at")[:1][0]
    assert newest.vendor == "openai"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's catalogue")
def test_the_ledger_row_of_a_call_outside_a_story_is_in_four_indexes(vendors):
    from usage.tests.test_single_statement import index_entries

    user = UserFactory()
    ctx = CallContext(user_id=user.pk, tier="free", age_group="4-6", story_type="adventure")
    gateway.call(Operation.STORY_GENERATION, REQUEST, ctx)
    row = AIOperation.objects.get(user=user)
    # Its id, the family's rows by time, cost by time, and the vendor comparison; no entry
    # in the story index (no story) nor in a user-only one (the family index starts with it).
    assert index_entries("ai_operations", row.pk) == {
        "ai_operations_pkey",
        "idx_user_operations",
        "idx_cost_tracking",
        "idx_vendor_performance",
    }


def test_the_settles_ledger_values_are_the_models_own(vendors):
    """The settle's ledger values are made without a model instance; they must be what
    ``Model.save`` would send for the same row, column by column."""
    user = UserFactory()
    fields = gateway._ledger_fields(
        operation=Operation.STORY_GENERATION,
        provider=provider_get("openai"),
        model="gpt-4o",
        ctx=CallContext(user_id=user.pk, tier="free", stage="story", story_id=uuid.uuid4()),
        started=time.monotonic(),
        attempt=2,
        usage=Usage(input_tokens=48, output_tokens=240),
        cost=Decimal("0.002520"),
        extra={"hop": 1, "try": 2},
    )
    insert, written = gateway._ledger_insert(fields)
    row = AIOperation(**fields, id=written.id, created_at=written.created_at)
    expected = {
        f.column: f.get_db_prep_save(f.pre_save(row, False), connection)
        for f in AIOperation._meta.concrete_fields
    }
    got = dict(zip(insert.columns, insert.values, strict=True))
    assert got.keys() == expected.keys()
    for column, value in expected.items():
        if column == "metadata":  # the driver's JSON wrapper: no equality of its own
            assert got[column].obj == value.obj == {"size_unit": "tokens", "hop": 1, "try": 2}
        else:
            assert got[column] == value, column
    # And the row it writes (here as the settle's ORM path does) reads back as the model's.
    reservations._insert(insert)
    stored = AIOperation.objects.get(pk=written.id)
    assert (stored.input_size, stored.output_size, stored.cost_usd) == (
        48,
        240,
        Decimal("0.002520"),
    )
    assert (stored.attempt, stored.stage, stored.user_id) == (2, "story", user.pk)
    assert written.vendor == "openai" and written.success and written.processing_time_ms >= 0
