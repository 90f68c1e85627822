"""The gateway with a vendor double declared in the config file (``adapter:``)."""

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from ai_providers import gateway, resilience
from ai_providers.errors import ProviderError, ProviderUnavailable
from ai_providers.models import AIOperation
from ai_providers.providers.base import Provider
from ai_providers.types import CallContext, Operation, SafetyRequest, SafetyResult, Usage
from stories.tests.factories import UserFactory
from usage.models import ReservationState, UsageAccount, UsageReservation

pytestmark = pytest.mark.django_db


class ScriptedVendor(Provider):
    """Answers with whatever the test queued: a result usage, or a ProviderError."""

    name = "scripted"
    capabilities = frozenset({Operation.CONTENT_SAFETY})
    script: list = []
    seen: list = []

    def check_safety(self, request, call):
        ScriptedVendor.seen.append(call)
        step = ScriptedVendor.script.pop(0)
        if isinstance(step, ProviderError):
            raise step
        return SafetyResult(flagged=False, usage=step)


@pytest.fixture
def scripted_config(settings, tmp_path: Path):
    document = yaml.safe_load(settings.MIRA_AI_PROVIDERS_FILE.read_text())
    document["providers"]["scripted"] = {
        "adapter": "ai_providers.tests.test_gateway.ScriptedVendor",
        "quality_rank": 9,
        "models": {
            "content_safety": {
                "model": "judge-1",
                "prices": {"input_token": "0.000002", "request": "0.0001"},
            }
        },
    }
    document["operations"]["content_safety"] = {
        "primary": "scripted",
        "fallbacks": ["local"],
        "timeout_seconds": 5,
    }
    path = tmp_path / "ai.yaml"
    path.write_text(yaml.safe_dump(document))
    settings.MIRA_AI_PROVIDERS_FILE = path
    ScriptedVendor.script, ScriptedVendor.seen = [], []
    settings.MIRA_AI_RETRY_ATTEMPTS = 1  # retries have their own tests (test_resilience.py)
    resilience.circuit_reset(["scripted"])
    return path


def ctx(user, **kw):
    return CallContext(user_id=user.pk, prompt_version="1.0", stage="check_safety", **kw)


def test_success_is_priced_recorded_and_settled(scripted_config):
    user = UserFactory()
    ScriptedVendor.script = [Usage(input_tokens=1000, requests=1)]
    result = gateway.call(
        Operation.CONTENT_SAFETY, SafetyRequest(text="a kind bear"), ctx(user, age_group="4-6")
    )
    assert result.flagged is False
    op = AIOperation.objects.get()
    assert (op.vendor, op.model_used, op.success, op.attempt) == ("scripted", "judge-1", True, 1)
    assert op.cost_usd == Decimal("0.002100")
    assert op.input_size == 1000 and op.metadata["size_unit"] == "tokens"
    account = UsageAccount.objects.get(user=user)
    assert account.daily_cost_usd == Decimal("0.0021")
    assert account.daily_operations == 1 and account.reserved_operations == 0
    assert account.reserved_cost_usd == 0
    assert UsageReservation.objects.get().state == ReservationState.SETTLED
    call = ScriptedVendor.seen[0]
    assert call.user_hash.startswith("user_") and str(user.pk) not in call.user_hash
    assert call.metadata == {
        "feature": "content_safety",
        "user_tier": "free",
        "kid_age_group": "4-6",
        "language": "en",
        "platform": "server",
    }


def test_failure_falls_back_and_both_attempts_are_in_the_ledger(scripted_config):
    user = UserFactory()
    ScriptedVendor.script = [
        ProviderError("boom", code="server_error", retryable=True, status_code=500)
    ]
    result = gateway.call(Operation.CONTENT_SAFETY, SafetyRequest(text="a kind bear"), ctx(user))
    assert result.flagged is False
    rows = list(AIOperation.objects.order_by("attempt"))
    assert [(r.vendor, r.success, r.attempt) for r in rows] == [
        ("scripted", False, 1),
        ("local", True, 2),
    ]
    assert rows[0].error_code == "server_error" and rows[0].cost_usd == 0
    states = sorted(UsageReservation.objects.values_list("state", flat=True))
    assert states == [ReservationState.RELEASED, ReservationState.SETTLED]
    assert UsageAccount.objects.get(user=user).reserved_cost_usd == 0


def test_error_that_no_vendor_can_fix_does_not_fall_back(scripted_config):
    user = UserFactory()
    ScriptedVendor.script = [ProviderError("bad request", code="bad_request", fallback=False)]
    with pytest.raises(ProviderUnavailable, match="bad request"):
        gateway.call(Operation.CONTENT_SAFETY, SafetyRequest(text="x"), ctx(user))
    assert AIOperation.objects.count() == 1


def test_every_provider_failing_is_a_clear_error(scripted_config, settings):
    document = yaml.safe_load(scripted_config.read_text())
    document["operations"]["content_safety"] = {
        "primary": "scripted",
        "fallbacks": [],
        "timeout_seconds": 5,
    }
    scripted_config.write_text(yaml.safe_dump(document))
    ScriptedVendor.script = [ProviderError("down", code="server_error", retryable=True)]
    with pytest.raises(ProviderUnavailable) as caught:
        gateway.call(Operation.CONTENT_SAFETY, SafetyRequest(text="x"), ctx(UserFactory()))
    assert caught.value.code == "provider_unavailable"
    assert "scripted: down" in caught.value.message


def test_vendor_without_credentials_is_left_out(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    user = UserFactory()
    gateway.call(Operation.CONTENT_SAFETY, SafetyRequest(text="a kind bear"), ctx(user))
    assert list(AIOperation.objects.values_list("vendor", flat=True)) == ["local"]
