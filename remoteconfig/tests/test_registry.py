"""The registry: declared keys, their defaults, and refusals that name the key."""

from pathlib import Path

import pytest
import yaml

from mira.config_file import reset_config_document
from remoteconfig import registry
from remoteconfig.errors import ConfigValueInvalid, UnknownConfigKey
from remoteconfig.registry import key_get, keys_all


def test_every_contract_and_use_case_key_is_declared():
    names = {k.name for k in keys_all()}
    for required in (
        "ai_services_enabled",
        "maintenance_mode",
        "force_cheapest_providers",
        "disable_expensive_features",
        "max_stories_in_flight",
        "usage_limits",
        "rate_limits",
        "providers.openai",
        "providers.local",
        "feature_flags.word_highlighting",
        "feature_flags.background_music",
        "feature_flags.image_generation",
        "feature_flags.story_genres",
        "feature_flags.multi_language",
    ):
        assert required in names, required


def test_no_key_is_both_secret_and_visible_to_the_app():
    assert all(not (k.secret and k.client_visible) for k in keys_all())
    with pytest.raises(ValueError, match="secret"):
        registry.ConfigKey("x", registry.BoolType(), "", "ops", secret=True, client_visible=True)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("maintenance_mode", "yes", "maintenance_mode: must be true or false"),
        ("ai_services_enabled", 1, "ai_services_enabled: must be true or false"),
        ("max_stories_in_flight", -1, "max_stories_in_flight: must be at least 0"),
        ("max_stories_in_flight", 2.5, "max_stories_in_flight: must be a whole number"),
        ("max_stories_in_flight", True, "max_stories_in_flight: must be a whole number"),
        ("usage_limits", [], "usage_limits: must be an object"),
        ("usage_limits", {"gold": {}}, "usage_limits: unknown field(s) gold"),
        (
            "usage_limits",
            {"free": {"daily_cost_limit": "-1"}},
            "usage_limits: free.daily_cost_limit must be zero or more",
        ),
        (
            "usage_limits",
            {"free": {"daily_cost_limit": "1.005"}},
            "usage_limits: free.daily_cost_limit has more than 2 decimal places",
        ),
        (
            "usage_limits",
            {"premium": {"monthly_operations": 5}},
            "usage_limits: premium: unknown field(s) monthly_operations",
        ),
        (
            "usage_limits",
            {"free": {"daily_operations_limit": "ten"}},
            "usage_limits: free.daily_operations_limit must be a whole number",
        ),
        ("providers.openai", {"enabled": False}, "providers.openai: say why"),
        ("providers.openai", {"enabled": "no"}, "providers.openai: enabled must be true or false"),
        ("feature_flags.word_highlighting", {"rollout_percentage": 101}, "from 0 to 100"),
        ("feature_flags.word_highlighting", {"rollout_percentage": "x"}, "must be a number"),
        ("feature_flags.word_highlighting", {"platforms": ["windows"]}, "unknown windows"),
        ("feature_flags.word_highlighting", {"users": ["bob"]}, "'bob' is not a user id"),
        ("feature_flags.word_highlighting", {"min_app_version": "v2"}, "must look like 2.1"),
        ("feature_flags.word_highlighting", {"colour": "red"}, "unknown field(s) colour"),
        (
            "feature_flags.word_highlighting",
            {"min_app_version": "3.0", "max_app_version": "2.9"},
            "min_app_version 3.0 is above max_app_version 2.9",
        ),
        ("rate_limits", {"story_requests_per_minute": 0}, "must be a whole number ≥ 1"),
        ("min_supported_app_version", "latest", "must look like 2.1"),
        ("alerts_webhook_url", "http://hooks.example.com/x", "must be an https:// URL"),
    ],
)
def test_invalid_values_are_refused_with_a_message_naming_the_key(key, value, message):
    with pytest.raises(ConfigValueInvalid) as caught:
        key_get(key).clean(value)
    assert caught.value.message.startswith(f"{key}: ")
    assert message in caught.value.message
    assert caught.value.key == key


def test_unknown_keys_are_refused():
    with pytest.raises(UnknownConfigKey, match=r"^colour_scheme: no such runtime setting"):
        key_get("colour_scheme")
    with pytest.raises(UnknownConfigKey, match=r"providers\.acme"):
        key_get("providers.acme")


def test_values_are_normalised():
    limits = key_get("usage_limits").clean(
        {"free": {"daily_cost_limit": 3, "monthly_cost_limit": 20.5}, "premium": {}}
    )
    assert limits == {
        "free": {"daily_cost_limit": "3.00", "monthly_cost_limit": "20.50"},
        "premium": {},
    }
    assert key_get("providers.openai").clean(True) == {"enabled": True, "reason": ""}
    rule = key_get("feature_flags.background_music").clean(
        {"rollout_percentage": 12.5, "user_segments": ["Premium", "beta_testers", "premium"]}
    )
    assert rule["rollout_percentage"] == 12.5 and rule["enabled"] is True
    assert rule["user_segments"] == ["premium", "beta_testers"]
    assert key_get("feature_flags.background_music").clean(False)["enabled"] is False
    assert key_get("max_stories_in_flight").clean(None) is None
    assert key_get("max_stories_in_flight").clean("12") == 12


def test_switching_a_provider_off_without_reason_is_refused_but_with_one_is_kept():
    key = key_get("providers.openai")
    with pytest.raises(ConfigValueInvalid, match="reason"):
        key.clean(False)
    assert key.clean({"enabled": False, "reason": " rate limited "}) == {
        "enabled": False,
        "reason": "rate limited",
    }


def test_defaults_come_from_the_config_file(settings, tmp_path: Path):
    assert key_get("feature_flags.background_music").default_value()["enabled"] is False
    document = yaml.safe_load(settings.MIRA_AI_PROVIDERS_FILE.read_text())
    document["features"]["background_music"] = True
    document["features"]["word_highlighting"] = "sometimes"  # invalid: the code default stands
    document["providers"]["acme"] = {"models": {}}
    path = tmp_path / "ai.yaml"
    path.write_text(yaml.safe_dump(document))
    settings.MIRA_AI_PROVIDERS_FILE = path
    reset_config_document()
    try:
        assert key_get("feature_flags.background_music").default_value()["enabled"] is True
        assert key_get("feature_flags.word_highlighting").default_value()["enabled"] is True
        assert key_get("providers.acme").default_value() == {"enabled": True, "reason": ""}
    finally:
        reset_config_document()
