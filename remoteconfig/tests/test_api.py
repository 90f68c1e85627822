"""GET /api/v1/config: what the app may see, per user, with ETag revalidation."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from remoteconfig import services
from remoteconfig.registry import keys_all
from usage.services import account_tier_change

pytestmark = pytest.mark.django_db

URL = "/api/v1/config"


def test_the_app_gets_version_time_visible_keys_and_its_flags(api, parent):
    services.config_set(key="maintenance_message", value="Back at 10:00", author="ops")
    response = api.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"version", "last_updated", "environment", "config"}
    assert body["version"] == 1 and body["last_updated"]
    config = body["config"]
    assert config["maintenance_message"] == "Back at 10:00"
    assert config["maintenance_mode"] is False and config["ai_services_enabled"] is True
    assert config["feature_flags"] == {
        "word_highlighting": True,
        "background_music": False,
        "image_generation": True,
        "story_genres": True,
        "multi_language": False,
        "voice_cloning": False,
        "interactive_stories": False,
    }
    # Server-side controls and raw flag rules stay on the server.
    for hidden in ("usage_limits", "max_stories_in_flight", "providers.openai", "rate_limits"):
        assert hidden not in config


def test_no_secret_ever_reaches_the_app(api):
    services.config_set(
        key="alerts_webhook_url", value="https://hooks.example.com/T000/B000/XXXX", author="ops"
    )
    response = api.get(URL)
    assert "hooks.example.com" not in response.content.decode()
    secret_keys = {k.name for k in keys_all() if k.secret}
    assert secret_keys and not secret_keys & set(response.json()["config"])


def test_flags_are_evaluated_for_this_user_tier_group_platform_and_version(parent, admin_user):
    staff = admin_user
    services.config_set(
        key="feature_flags.background_music",
        value={"user_segments": ["premium", "beta_testers"]},
        author="ops",
    )
    services.config_set(
        key="feature_flags.multi_language",
        value={"platforms": ["ios"], "min_app_version": "2.1"},
        author="ops",
    )
    client = APIClient()
    client.force_authenticate(parent)

    def flags(**headers):
        return client.get(URL, headers=headers).json()["config"]["feature_flags"]

    assert flags()["background_music"] is False
    account_tier_change(user_id=parent.pk, tier="premium", actor=staff)
    assert flags()["background_music"] is True
    account_tier_change(user_id=parent.pk, tier="free", actor=staff)
    parent.groups.add(Group.objects.create(name="beta_testers"))
    assert flags()["background_music"] is True

    assert flags()["multi_language"] is False
    assert flags(**{"X-App-Platform": "ios", "X-App-Version": "2.0"})["multi_language"] is False
    assert flags(**{"X-App-Platform": "android", "X-App-Version": "2.4"})["multi_language"] is False
    assert flags(**{"X-App-Platform": "iOS", "X-App-Version": "2.4.1"})["multi_language"] is True


def test_if_none_match_gets_a_304_until_something_the_app_sees_changes(api):
    first = api.get(URL)
    etag = first["ETag"]
    assert etag.startswith('"') and first["Cache-Control"] == "private, no-cache"
    assert "Authorization" in first["Vary"]

    again = api.get(URL, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Cache-Control"] == "private, no-cache"
    assert api.get(URL, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert api.get(URL, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert api.get(URL, headers={"If-None-Match": '"stale"'}).status_code == 200

    services.config_set(key="maintenance_message", value="New words", author="ops")
    changed = api.get(URL, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()["version"] == 1


def test_different_users_see_different_etags_when_their_flags_differ(parent):
    from stories.tests.factories import UserFactory

    other = UserFactory()
    services.config_set(
        key="feature_flags.background_music",
        value={"rollout_percentage": 0, "users": [str(other.pk)]},
        author="ops",
    )
    a, b = APIClient(), APIClient()
    a.force_authenticate(parent)
    b.force_authenticate(other)
    ra, rb = a.get(URL), b.get(URL)
    assert ra.json()["config"]["feature_flags"]["background_music"] is False
    assert rb.json()["config"]["feature_flags"]["background_music"] is True
    assert ra["ETag"] != rb["ETag"]


def test_anonymous_callers_get_the_config_and_only_flags_for_everyone():
    services.config_set(
        key="feature_flags.word_highlighting", value={"rollout_percentage": 50}, author="ops"
    )
    response = APIClient().get(URL)
    assert response.status_code == 200
    assert response.json()["config"]["feature_flags"]["word_highlighting"] is False
    assert response.json()["config"]["feature_flags"]["image_generation"] is True
