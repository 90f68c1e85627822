"""The gateway's retry policy and circuit breaker, on the real cache and the fake vendor."""

import pytest
from django.core.cache import cache

from ai_providers import gateway, resilience
from ai_providers.errors import ProviderUnavailable
from ai_providers.models import AIOperation
from ai_providers.tests.conftest import ctx, route, rows
from ai_providers.tests.fakevendor import Fail, Reply
from ai_providers.types import Operation, SafetyRequest
from stories.tests.factories import UserFactory

SAFETY = SafetyRequest(text="A kind bear shares honey.")


def test_full_jitter_stays_under_the_exponential_ceiling():
    policy = resilience.RetryPolicy(attempts=5, base_delay=0.5, max_delay=4.0, retry_after_cap=60)
    for retry, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 4.0)]:
        waits = [policy.wait_before(retry, None) for _ in range(200)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling / 2  # jittered across the range, not a constant
    assert policy.wait_before(1, 12.5) == 12.5
    assert policy.wait_before(1, 60) == 60
    assert policy.wait_before(1, 61) is None


@pytest.mark.django_db
def test_retry_after_beyond_the_cap_falls_back_at_once(vendors, settings, tmp_path):
    route(settings, tmp_path, Operation.CONTENT_SAFETY, ["openai", "local"])
    vendors.queue("openai.moderations", Fail(429, retry_after=120))
    gateway.call(Operation.CONTENT_SAFETY, SAFETY, ctx(UserFactory()))
    assert rows() == [("openai", False, "rate_limited"), ("local", True, "")]
    assert vendors.waits == []
    assert "wait_seconds" not in AIOperation.objects.get(success=False).metadata


@pytest.mark.django_db
def test_retry_after_ms_and_http_date_are_understood(vendors, settings, tmp_path):
    route(settings, tmp_path, Operation.CONTENT_SAFETY, ["openai"])
    vendors.queue(
        "openai.moderations",
        Fail(429, retry_after_ms=250),
        Fail(503, retry_after="Wed, 21 Oct 2015 07:28:00 GMT"),  # in the past: no wait
        Reply(),
    )
    gateway.call(Operation.CONTENT_SAFETY, SAFETY, ctx(UserFactory()))
    assert vendors.waits == [0.25, 0.0]


@pytest.mark.django_db
def test_every_provider_failing_names_each_failure(vendors, settings, tmp_path):
    settings.MIRA_AI_RETRY_ATTEMPTS = 1
    route(settings, tmp_path, Operation.STORY_GENERATION, ["openai", "anthropic"])
    vendors.always("openai.chat", Fail(502))
    vendors.always("anthropic.messages", Fail(529, message="overloaded"))
    from ai_providers.types import StoryContext, StoryRequest

    request = StoryRequest(context=StoryContext(kid_name="Mia", kid_age=5), user_prompt="x")
    with pytest.raises(ProviderUnavailable) as caught:
        gateway.call(Operation.STORY_GENERATION, request, ctx(UserFactory()))
    assert "openai: openai answered HTTP 502" in caught.value.message
    assert "anthropic: anthropic answered HTTP 529" in caught.value.message
    assert [r[0] for r in rows()] == ["openai", "anthropic"]


def test_half_open_allows_one_probe_and_a_failed_probe_reopens(settings):
    settings.MIRA_AI_CIRCUIT_FAILURES = 2
    settings.MIRA_AI_CIRCUIT_COOLDOWN_SECONDS = 0
    breaker = resilience.CircuitBreaker("test-vendor", "story_generation")
    breaker.reset()
    assert breaker.before_call().state == resilience.CLOSED
    assert breaker.record_failure() is False
    assert breaker.record_failure() is True
    first = breaker.before_call()
    assert first.allowed and first.probe and first.state == resilience.HALF_OPEN
    second = breaker.before_call()  # another process while the probe is out: fail fast
    assert not second.allowed
    settings.MIRA_AI_CIRCUIT_COOLDOWN_SECONDS = 60
    breaker = resilience.CircuitBreaker("test-vendor", "story_generation")
    assert breaker.record_failure(probe=True) is True
    reopened = breaker.before_call()
    assert not reopened.allowed and reopened.state == resilience.OPEN and reopened.retry_in > 50
    breaker.record_success()
    assert breaker.state() == resilience.CLOSED
    assert cache.get("ai:circuit:test-vendor:story_generation:failures") is None


def test_success_resets_the_consecutive_count(settings):
    settings.MIRA_AI_CIRCUIT_FAILURES = 3
    breaker = resilience.CircuitBreaker("test-vendor-2", "story_generation")
    breaker.reset()
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    assert breaker.record_failure() is False
    assert breaker.state() == resilience.CLOSED
    breaker.reset()


def test_a_probe_without_a_verdict_lets_the_next_caller_probe(settings):
    settings.MIRA_AI_CIRCUIT_FAILURES = 1
    settings.MIRA_AI_CIRCUIT_COOLDOWN_SECONDS = 0
    breaker = resilience.CircuitBreaker("test-vendor-3", "story_generation")
    breaker.reset()
    breaker.record_failure()
    assert breaker.before_call().probe
    breaker.release_probe()
    assert breaker.before_call().probe
    breaker.reset()
