"""Emergency controls end to end: flipped over HTTP in the admin's emergency panel, obeyed by
the public API and by the AI gateway on the very next request."""

import threading
from pathlib import Path

import pytest
import yaml
from django.db import close_old_connections, connection
from rest_framework.test import APIClient

from ai_providers import gateway
from ai_providers.errors import AIServicesDisabled
from ai_providers.models import AIOperation
from ai_providers.providers.base import Provider
from ai_providers.types import CallContext, Operation, SafetyRequest, SafetyResult, Usage
from remoteconfig import services
from remoteconfig.errors import StoriesAtCapacity
from remoteconfig.models import AppConfigurationChange
from remoteconfig.selectors import config_get
from stories import services as story_services
from stories.models import InputKind, Story, StoryStatus
from stories.tests.factories import KidFactory, UserFactory
from usage.services import account_tier_change

PANEL = "/admin/remoteconfig/appconfiguration/emergency/"


def flip(admin_client, key: str, value: str, reason: str = "incident 42"):
    response = admin_client.post(PANEL, {"key": key, "value": value, "reason": reason})
    assert response.status_code == 302, response.content
    return response


def story_post(client, kid):
    return client.post(
        "/api/v1/stories/",
        {"kid": str(kid.id), "text": "a turtle who wants to fly", "story_type": "adventure"},
        format="multipart",
    )


@pytest.fixture
def kid(parent):
    return KidFactory(parent=parent, name="Mia", age=5)


# --- vendor doubles declared in the config file (``adapter:``) -----------------------------


class PremiumJudge(Provider):
    name = "premiumjudge"
    capabilities = frozenset({Operation.CONTENT_SAFETY})
    calls = 0

    def check_safety(self, request, call):
        type(self).calls += 1
        return SafetyResult(flagged=False, usage=Usage(input_tokens=100, requests=1))


class BudgetJudge(PremiumJudge):
    name = "budgetjudge"


@pytest.fixture
def judges(settings, tmp_path: Path):
    """content_safety served by two paid vendors: premiumjudge (best, dearest, primary) and
    budgetjudge (cheaper), then the free local rules."""
    document = yaml.safe_load(settings.MIRA_AI_PROVIDERS_FILE.read_text())
    for name, cls, rank, price in (
        ("premiumjudge", "PremiumJudge", 9, "0.00001"),
        ("budgetjudge", "BudgetJudge", 5, "0.000001"),
    ):
        document["providers"][name] = {
            "adapter": f"remoteconfig.tests.test_emergency.{cls}",
            "quality_rank": rank,
            "models": {"content_safety": {"model": f"{name}-1", "prices": {"input_token": price}}},
        }
    document["operations"]["content_safety"] = {
        "primary": "premiumjudge",
        "fallbacks": ["budgetjudge", "local"],
        "timeout_seconds": 5,
    }
    path = tmp_path / "ai.yaml"
    path.write_text(yaml.safe_dump(document))
    settings.MIRA_AI_PROVIDERS_FILE = path
    from mira.config_file import reset_config_document

    reset_config_document()
    PremiumJudge.calls = BudgetJudge.calls = 0
    yield
    reset_config_document()


def safety_call(user, tier="free"):
    ctx = CallContext(user_id=user.pk, tier=tier, stage="check_safety")
    gateway.call(Operation.CONTENT_SAFETY, SafetyRequest(text="a kind bear"), ctx)
    return AIOperation.objects.order_by("-created_at").values_list("vendor", flat=True).first()


# --- maintenance mode ------------------------------------------------------------------------


@pytest.mark.django_db
def test_maintenance_mode_closes_the_api_but_not_the_admin(admin_client, api, kid, judges):
    services.config_set(key="maintenance_message", value="Back at 10:00 UTC", author="ops")
    services.config_set(key="maintenance_retry_after_seconds", value=900, author="ops")
    assert api.get("/api/v1/kids/").status_code == 200

    flip(admin_client, "maintenance_mode", "on", "database upgrade")

    for response in (api.get("/api/v1/kids/"), story_post(api, kid)):
        assert response.status_code == 503
        assert response["Retry-After"] == "900"
        assert response.json() == {
            "code": "maintenance_mode",
            "detail": "Back at 10:00 UTC",
            "retry_after": 900,
        }
    assert Story.objects.count() == 0
    page = APIClient().get(f"/stories/{kid.id}/read/")
    assert page.status_code == 503 and page.content == b"Back at 10:00 UTC"
    # Still reachable: the admin, the health check, and the app's config (to show the message).
    assert admin_client.get("/admin/").status_code == 200
    assert admin_client.get(PANEL).status_code == 200
    assert APIClient().get("/healthz").status_code == 200
    config = api.get("/api/v1/config").json()["config"]
    assert config["maintenance_mode"] is True and config["ai_services_enabled"] is False
    # Workers stop paying for AI while the API is closed (spec: maintenance disables AI).
    with pytest.raises(AIServicesDisabled):
        safety_call(UserFactory())
    assert PremiumJudge.calls == 0

    flip(admin_client, "maintenance_mode", "off", "done")
    assert api.get("/api/v1/kids/").status_code == 200
    assert safety_call(UserFactory()) == "premiumjudge"
    change = AppConfigurationChange.objects.filter(config_key="maintenance_mode").first()
    assert (change.author, change.reason, change.new_value) == ("admin", "done", False)


# --- AI off ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ai_off_refuses_new_stories_and_every_gateway_call(admin_client, api, kid, judges):
    flip(admin_client, "ai_services_enabled", "off", "vendor outage")

    response = story_post(api, kid)
    assert response.status_code == 503
    assert response.json()["code"] == "ai_services_disabled"
    assert response["Retry-After"] == "600"
    assert Story.objects.count() == 0
    with pytest.raises(AIServicesDisabled, match="switched off"):
        safety_call(UserFactory())
    assert PremiumJudge.calls == 0 and not AIOperation.objects.exists()
    assert api.get("/api/v1/config").json()["config"]["ai_services_enabled"] is False

    flip(admin_client, "ai_services_enabled", "on", "vendor back")
    assert story_post(api, kid).status_code == 202
    assert safety_call(UserFactory()) == "premiumjudge"


@pytest.mark.django_db(transaction=True)
def test_a_queued_story_fails_cleanly_when_ai_is_switched_off_before_it_runs():
    from stories import pipeline

    kid = KidFactory()
    story, _ = story_services.story_request(
        owner=kid.parent, kid_id=kid.id, text="a brave snail", enqueue=False
    )
    services.config_set(key="ai_services_enabled", value=False, author="ops")
    story = pipeline.run(story.id)
    assert story.status == StoryStatus.FAILED
    assert story.failure_code == "ai_services_disabled"
    assert not AIOperation.objects.filter(story_id=story.id).exists()


# --- provider off ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_provider_switched_off_is_skipped_on_the_next_call(admin_client, judges):
    user = UserFactory()
    assert safety_call(user) == "premiumjudge"

    response = admin_client.post(PANEL, {"key": "providers.premiumjudge", "value": "off"})
    assert response.status_code == 302  # refused: a reason is required ...
    assert config_get("providers.premiumjudge")["enabled"] is True
    flip(admin_client, "providers.premiumjudge", "off", "429 storm")  # ... given here
    assert config_get("providers.premiumjudge") == {"enabled": False, "reason": "429 storm"}

    assert safety_call(user) == "budgetjudge"
    assert PremiumJudge.calls == 1

    flip(admin_client, "providers.budgetjudge", "off", "also down")
    assert safety_call(user) == "local"

    flip(admin_client, "providers.premiumjudge", "on", "recovered")
    assert safety_call(user) == "premiumjudge"


# --- force cheapest --------------------------------------------------------------------------


@pytest.mark.django_db
def test_force_cheapest_reroutes_even_premium_families_on_the_next_call(admin_client, judges):
    premium = UserFactory()
    account_tier_change(user_id=premium.pk, tier="premium", actor=UserFactory(is_staff=True))
    assert safety_call(premium, tier="premium") == "premiumjudge"  # best quality first

    flip(admin_client, "force_cheapest_providers", "on", "cost spike")
    assert safety_call(premium, tier="premium") == "local"  # free beats every paid vendor

    flip(admin_client, "providers.local", "off", "testing paid fallbacks")
    assert safety_call(premium, tier="premium") == "budgetjudge"

    flip(admin_client, "force_cheapest_providers", "off", "spike over")
    assert safety_call(premium, tier="premium") == "premiumjudge"


# --- caps and limits -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_cap_on_stories_in_flight_refuses_new_ones_with_a_clear_error(admin_client, api, kid):
    flip(admin_client, "max_stories_in_flight", "1", "protect the workers")
    assert story_post(api, kid).status_code == 202  # queued (tasks start on commit)
    refused = story_post(api, kid)
    assert refused.status_code == 503
    assert refused.json()["code"] == "stories_at_capacity" and refused["Retry-After"] == "60"
    assert Story.objects.count() == 1

    Story.objects.update(status=StoryStatus.READY)
    assert story_post(api, kid).status_code == 202
    flip(admin_client, "max_stories_in_flight", "", "no cap")
    assert config_get("max_stories_in_flight") is None
    assert story_post(api, kid).status_code == 202


@pytest.mark.django_db
def test_a_bad_cap_is_refused_naming_the_key(admin_client):
    response = admin_client.post(
        PANEL, {"key": "max_stories_in_flight", "value": "lots", "reason": "x"}, follow=True
    )
    assert "Not saved: max_stories_in_flight: must be a whole number" in response.content.decode()
    assert config_get("max_stories_in_flight") is None


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row-level concurrency")
@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_for_the_last_slot_cannot_both_get_it():
    services.config_set(key="max_stories_in_flight", value=1, author="ops")
    kids = [KidFactory(), KidFactory()]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def request(kid):
        try:
            barrier.wait()
            story_services.story_request(
                owner=kid.parent, kid_id=kid.id, text="a brave snail", enqueue=False
            )
            outcomes.append("created")
        except StoriesAtCapacity:
            outcomes.append("refused")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=request, args=(k,)) for k in kids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["created", "refused"]
    assert Story.objects.filter(input_kind=InputKind.TEXT).count() == 1


@pytest.mark.django_db
def test_story_request_rate_limit(api, kid):
    services.config_set(key="rate_limits", value={"story_requests_per_minute": 2}, author="ops")
    assert story_post(api, kid).status_code == 202
    assert story_post(api, kid).status_code == 202
    refused = story_post(api, kid)
    # The run-time limit replaces the file's burst threshold in usage's abuse detection.
    assert refused.status_code == 429 and refused.json()["code"] == "rapid_requests"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert Story.objects.count() == 2


@pytest.mark.django_db
def test_dynamic_pricing_limits_reach_the_usage_limits_on_the_next_read():
    from usage.config import tier_limits

    before = tier_limits("free")
    services.config_set(
        key="usage_limits",
        value={"free": {"daily_cost_limit": "3.00", "monthly_operations_limit": 30}},
        author="ops",
    )
    after = tier_limits("free")
    assert str(after.daily_cost_limit) == "3.00" and after.monthly_operations_limit == 30
    assert after.monthly_cost_limit == before.monthly_cost_limit
