"""Mira's gateway next to its peers: the same story_generation call, four ways, interleaved.

- ``raw SDK``: the OpenAI SDK's ``chat.completions.create``, nothing else;
- ``LiteLLM``: ``litellm.completion`` + ``litellm.completion_cost`` (LiteLLM is a
  benchmark-only dependency, ``bench/requirements.txt``; the app never imports it);
- ``gateway``: ``ai_providers.gateway.call`` on the configured database: remote-config guard,
  routing, reservation, the vendor call through the same SDK, pricing, the ``AIOperation``
  ledger row and the settle, as configured (by default ``call()`` returns once the settle and
  the ledger row are on disk);
- ``gateway, async settle``: the same with ``MIRA_USAGE_DURABLE_SETTLE`` off, the settle's
  commit not waiting for the disk (docs/usage.md "Durability"): what that wait costs here.

All four talk to the project's fake vendor (``ai_providers/tests/fakevendor.py``) on 127.0.0.1
in this process, one of each per round in a shuffled order, so a slow stretch of the shared
machine lands on all alike and no case always runs after the same other one. Printed: median and p99 of each, each one's overhead
over the raw SDK (median minus median), and SQL queries and cache round trips per gateway call.
A throwaway parent is created with high limits and deleted afterwards (with its ledger rows).

Measured with ``DEBUG=False``, as production runs: with ``DEBUG=True`` (``mira.settings.local``)
Django wraps every database cursor to keep a query log, work only the gateway would pay, since
the raw SDK and LiteLLM never touch Django. ``BENCH_GATEWAY_DEBUG=1`` keeps the settings' DEBUG.
The raw SDK and LiteLLM run exactly the same either way.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
import uuid
from decimal import Decimal
from importlib import metadata
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_GATEWAY_ROUNDS", "300"))
# Each round runs the cases in a fresh random order (seeded, so runs repeat): what ran just
# before a case decides how much of its code is still in the CPU caches, worth about half a
# millisecond here. A fixed or rotated order gives each case the same predecessor every round
# (rotating [a, b, c] always runs c after b), which favours whoever follows a similar case.
SEED = int(os.environ.get("BENCH_GATEWAY_SEED", "0"))
WARMUP = 20
# LiteLLM fetches its price map from the internet at import unless told to use the bundled one.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


class CacheRoundTrips:
    """Counts commands sent to Redis by this process (each one is a round trip: the Django
    cache sends one command per get/set/add/incr, ``get_many`` is one MGET)."""

    def __init__(self) -> None:
        self.count = 0
        self._original = None

    def __enter__(self) -> CacheRoundTrips:
        import redis

        original = redis.Redis.execute_command
        counter = self

        def counting(client, *args, **kwargs):
            counter.count += 1
            return original(client, *args, **kwargs)

        self._original = original
        redis.Redis.execute_command = counting
        return self

    def __exit__(self, *exc) -> None:
        import redis

        redis.Redis.execute_command = self._original


class QueryCount:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(len(ordered) * 0.99) - 1)]


def main() -> None:
    from django.test.utils import override_settings

    if os.environ.get("BENCH_GATEWAY_DEBUG"):
        _main()
    else:
        with override_settings(DEBUG=False):
            _main()


def _main() -> None:
    import litellm
    import openai
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection

    from ai_providers import gateway, resilience
    from ai_providers.config import reset_config
    from ai_providers.models import AIOperation
    from ai_providers.providers.common import story_prompt
    from ai_providers.registry import reset_registry
    from ai_providers.tests.fakevendor import FakeVendor, vendor_environment
    from ai_providers.types import CallContext, Operation, StoryContext, StoryRequest
    from usage.services import account_limits_adjust

    litellm.telemetry = False
    litellm.suppress_debug_info = True

    fake = FakeVendor().start()
    saved_env = {name: os.environ.get(name) for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    workdir = Path(tempfile.mkdtemp(prefix="mira-bench-"))
    environment = vendor_environment(fake, workdir)
    os.environ["OPENAI_API_KEY"] = environment["OPENAI_API_KEY"]
    os.environ["OPENAI_BASE_URL"] = environment["OPENAI_BASE_URL"]
    reset_config()
    reset_registry()
    resilience.circuit_reset(["openai", "anthropic", "local"])

    user = get_user_model().objects.create(username=f"bench-peers-{uuid.uuid4().hex[:12]}")
    account_limits_adjust(
        user_id=user.pk,
        actor=None,
        daily_cost_limit=Decimal("100000"),
        monthly_cost_limit=Decimal("100000"),
        daily_operations_limit=10**9,
        monthly_operations_limit=10**9,
    )
    request = StoryRequest(
        context=StoryContext(kid_name="Mia", kid_age=5, kid_interests=("dinosaurs",)),
        system_prompt="You write short, kind bedtime stories for young children.",
        user_prompt="Write a short adventure for Mia, 5, who loves dinosaurs and the moon.",
        max_tokens=800,
        temperature=0.8,
    )
    system, prompt = story_prompt(request)
    messages = [{"role": "system", "content": system}, {"role": "user", "content": prompt}]
    ctx = CallContext(user_id=user.pk, tier="free", age_group="4-6", story_type="adventure")
    base_url = environment["OPENAI_BASE_URL"]
    client = openai.OpenAI(api_key="sk-bench", base_url=base_url, max_retries=0, timeout=60.0)

    def raw_sdk() -> None:
        response = client.chat.completions.create(
            model="gpt-4o",
            messages=messages,
            temperature=request.temperature,
            max_completion_tokens=request.max_tokens,
        )
        assert response.choices[0].message.content

    def lite_llm() -> None:
        response = litellm.completion(
            model="openai/gpt-4o",
            messages=messages,
            api_base=base_url,
            api_key="sk-bench",
            temperature=request.temperature,
            max_completion_tokens=request.max_tokens,
            max_retries=0,
        )
        cost = litellm.completion_cost(completion_response=response)
        assert response.choices[0].message.content and cost > 0

    durable = getattr(settings, "MIRA_USAGE_DURABLE_SETTLE", True)

    def mira_gateway() -> None:
        result = gateway.call(Operation.STORY_GENERATION, request, ctx)
        assert result.text

    def mira_gateway_async_settle() -> None:
        settings.MIRA_USAGE_DURABLE_SETTLE = False
        try:
            mira_gateway()
        finally:
            settings.MIRA_USAGE_DURABLE_SETTLE = durable

    cases = {
        "raw SDK": raw_sdk,
        "LiteLLM": lite_llm,
        "gateway": mira_gateway,
        "gateway, async settle": mira_gateway_async_settle,
    }
    samples: dict[str, list[float]] = {name: [] for name in cases}
    queries, round_trips = QueryCount(), CacheRoundTrips()
    cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(
        f"database: {connection.vendor}; cache: {cache_backend}; rounds: {ROUNDS} "
        f"(interleaved, order shuffled each round, seed {SEED}); DEBUG={settings.DEBUG}"
        f"{' (as in production)' if not settings.DEBUG else ''}; "
        f"litellm {metadata.version('litellm')}"
    )
    try:
        for _ in range(WARMUP):
            for run in cases.values():
                run()
        names = list(cases)
        rng = random.Random(SEED)
        gateway_trips = 0
        with round_trips:
            for _ in range(ROUNDS):
                order = rng.sample(names, len(names))
                for name in order:
                    run = cases[name]
                    if name.startswith("gateway"):
                        before = round_trips.count
                        with connection.execute_wrapper(queries):
                            started = time.perf_counter()
                            run()
                            elapsed = time.perf_counter() - started
                        gateway_trips += round_trips.count - before
                    else:
                        started = time.perf_counter()
                        run()
                        elapsed = time.perf_counter() - started
                    samples[name].append(elapsed * 1000)
        vendors = set(AIOperation.objects.filter(user=user).values_list("vendor", flat=True))
        assert vendors == {"openai"}, f"the gateway did not reach the fake vendor: {vendors}"
        raw_median = statistics.median(samples["raw SDK"])
        print(f"{'':<22}{'median ms':>11}{'p99 ms':>9}{'overhead ms':>13}")
        for name, values in samples.items():
            median = statistics.median(values)
            overhead = "" if name == "raw SDK" else f"{median - raw_median:+.2f}"
            print(f"{name:<22}{median:>11.2f}{_p99(values):>9.2f}{overhead:>13}")
        gateway_calls = 2 * ROUNDS
        print(
            f"gateway: {queries.count / gateway_calls:.1f} SQL queries and "
            f"{gateway_trips / gateway_calls:.1f} cache round trips per call"
        )
    finally:
        user.delete()
        fake.stop()
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_config()
        reset_registry()
