"""Fixtures for driving the vendor adapters against the fake vendor server."""

from __future__ import annotations

import pytest
import yaml

from ai_providers import resilience
from ai_providers.config import reset_config
from ai_providers.models import AIOperation
from ai_providers.registry import reset_registry
from ai_providers.tests.fakevendor import vendor_environment
from ai_providers.types import CallContext, Operation


@pytest.fixture
def vendors(fake_vendor, monkeypatch, tmp_path, settings):
    """Every vendor keyed and pointed at the fake server; fast, observable retries."""
    for name, value in vendor_environment(fake_vendor, tmp_path).items():
        monkeypatch.setenv(name, value)
    settings.MIRA_AI_RETRY_ATTEMPTS = 3
    settings.MIRA_AI_RETRY_BASE_DELAY = 0.001
    settings.MIRA_AI_RETRY_MAX_DELAY = 0.01
    settings.MIRA_AI_CIRCUIT_FAILURES = 5
    waits: list[float] = []
    real_sleep = resilience.sleep
    monkeypatch.setattr(
        resilience, "sleep", lambda seconds: (waits.append(seconds), real_sleep(min(seconds, 0.01)))
    )
    fake_vendor.waits = waits
    reset_config()
    reset_registry()
    resilience.circuit_reset(["openai", "anthropic", "google", "azure", "local"])
    return fake_vendor


def route(settings, tmp_path, operation: Operation, chain: list[str], timeout: float = 10) -> None:
    document = yaml.safe_load(settings.MIRA_AI_PROVIDERS_FILE.read_text())
    document["operations"][operation.value] = {
        "primary": chain[0],
        "fallbacks": chain[1:],
        "timeout_seconds": timeout,
    }
    path = tmp_path / f"ai-{operation.value}.yaml"
    path.write_text(yaml.safe_dump(document))
    settings.MIRA_AI_PROVIDERS_FILE = path
    reset_config()
    reset_registry()


def ctx(user) -> CallContext:
    return CallContext(user_id=user.pk, tier="enterprise", age_group="4-6", story_type="fantasy")


def rows() -> list[tuple[str, bool, str]]:
    return [(r.vendor, r.success, r.error_code) for r in AIOperation.objects.order_by("attempt")]
