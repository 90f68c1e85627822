"""The ops console: typed editors, the emergency panel, history with diff and revert,
import/export, permissions."""

import io
import json

import pytest
from django.contrib.auth.models import Permission
from import_export.formats.base_formats import CSV

from remoteconfig import services
from remoteconfig.admin import AppConfigurationAdmin
from remoteconfig.models import AppConfiguration, AppConfigurationChange, ChangeAction
from remoteconfig.selectors import config_get
from stories.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE = "/admin/remoteconfig/appconfiguration/"
HISTORY = "/admin/remoteconfig/appconfigurationchange/"


def edit_url(key):
    return f"{BASE}settings/{key}/"


def test_the_overview_lists_every_key_with_its_value_and_masks_secrets(admin_client):
    services.config_set(
        key="alerts_webhook_url", value="https://hooks.example.com/very-secret", author="ops"
    )
    page = admin_client.get(f"{BASE}settings/").content.decode()
    for key in (
        "maintenance_mode",
        "providers.openai",
        "usage_limits",
        "feature_flags.story_genres",
    ):
        assert key in page
    assert "very-secret" not in page and "••••••" in page
    assert "development" in page  # the environment being edited


def test_editors_are_typed(admin_client):
    page = admin_client.get(edit_url("maintenance_mode")).content.decode()
    assert 'type="checkbox" name="value"' in page
    page = admin_client.get(edit_url("max_stories_in_flight")).content.decode()
    assert 'type="number" name="value"' in page
    page = admin_client.get(edit_url("usage_limits")).content.decode()
    assert '<textarea name="value"' in page
    assert admin_client.get(edit_url("no_such_key")).status_code == 404


def test_an_invalid_value_is_shown_inline_naming_the_key_and_nothing_is_stored(admin_client):
    response = admin_client.post(
        edit_url("usage_limits"),
        {"value": json.dumps({"free": {"daily_cost_limit": "-2"}}), "reason": "", "version": 0},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["value"]
    assert errors == ["usage_limits: free.daily_cost_limit must be zero or more, not '-2'"]
    assert 'class="errorlist' in response.content.decode()
    response = admin_client.post(
        edit_url("usage_limits"), {"value": "{not json", "reason": "", "version": 0}
    )
    assert response.context["form"].errors["value"] == ["Enter a valid JSON."]
    assert not AppConfiguration.objects.exists() and not AppConfigurationChange.objects.exists()


def test_a_valid_value_is_saved_with_author_and_reason(admin_client, admin_user):
    response = admin_client.post(
        edit_url("usage_limits"),
        {
            "value": json.dumps(
                {"premium": {"daily_cost_limit": 75, "monthly_operations_limit": 750}}
            ),
            "reason": "dynamic pricing test",
            "version": 0,
        },
    )
    assert response.status_code == 302
    assert config_get("usage_limits") == {
        "premium": {"daily_cost_limit": "75.00", "monthly_operations_limit": 750}
    }
    change = AppConfigurationChange.objects.get()
    assert (change.author, change.author_id, change.reason) == (
        "admin",
        admin_user.pk,
        "dynamic pricing test",
    )
    admin_client.post(edit_url("maintenance_mode"), {"value": "on", "version": 0})
    assert config_get("maintenance_mode") is True


def test_a_stale_editor_gets_a_conflict_not_a_silent_overwrite(admin_client):
    services.config_set(key="max_stories_in_flight", value=5, author="ben")
    response = admin_client.post(edit_url("max_stories_in_flight"), {"value": 9, "version": 0})
    assert response.status_code == 200
    assert "changed by ben since you opened it" in response.content.decode()
    assert config_get("max_stories_in_flight") == 5


def test_reset_to_default(admin_client):
    services.config_set(key="max_stories_in_flight", value=5, author="ben")
    admin_client.post(edit_url("max_stories_in_flight"), {"reset": "1", "version": 1})
    assert config_get("max_stories_in_flight") is None
    assert AppConfigurationChange.objects.first().action == ChangeAction.RESET


def test_a_secret_is_never_rendered_and_empty_keeps_it(admin_client):
    services.config_set(
        key="alerts_webhook_url", value="https://hooks.example.com/s3cr3t", author="a"
    )
    page = admin_client.get(edit_url("alerts_webhook_url")).content.decode()
    assert "s3cr3t" not in page and 'type="password"' in page
    admin_client.post(edit_url("alerts_webhook_url"), {"value": "", "version": 1})
    assert config_get("alerts_webhook_url") == "https://hooks.example.com/s3cr3t"
    history = admin_client.get(HISTORY).content.decode()
    assert "s3cr3t" not in history


def test_the_emergency_panel_shows_who_flipped_each_switch_last(admin_client):
    services.config_set(
        key="force_cheapest_providers", value=True, author="night-ops", reason="spike"
    )
    page = admin_client.get(f"{BASE}emergency/").content.decode()
    assert "force_cheapest_providers" in page and "night-ops" in page and "spike" in page
    assert "providers.openai" in page and "max_stories_in_flight" in page
    admin_client.post(
        f"{BASE}emergency/", {"key": "force_cheapest_providers", "value": "off", "reason": "ok"}
    )
    assert config_get("force_cheapest_providers") is False
    # Only emergency controls can be flipped there.
    admin_client.post(f"{BASE}emergency/", {"key": "usage_limits", "value": "on"})
    assert config_get("usage_limits") == {}


def test_history_shows_a_diff_and_reverts_the_latest_change_in_one_click(admin_client):
    services.config_set(key="rate_limits", value={"story_requests_per_minute": 5}, author="a")
    services.config_set(key="rate_limits", value={"story_requests_per_minute": 2}, author="b")
    first, latest = AppConfigurationChange.objects.order_by("version")

    listing = admin_client.get(HISTORY).content.decode()
    assert listing.count(">Revert</button>") == 1
    assert f"{HISTORY}{latest.pk}/revert/" in listing
    assert f"{HISTORY}{first.pk}/revert/" not in listing

    detail = admin_client.get(f"{HISTORY}{latest.pk}/change/").content.decode()
    assert "-  &quot;story_requests_per_minute&quot;: 5" in detail
    assert "+  &quot;story_requests_per_minute&quot;: 2" in detail
    assert "Revert this change" in detail

    response = admin_client.post(f"{HISTORY}{latest.pk}/revert/")
    assert response.status_code == 302
    assert config_get("rate_limits") == {"story_requests_per_minute": 5}
    revert = AppConfigurationChange.objects.get(version=3)
    assert revert.action == ChangeAction.REVERT and revert.author == "admin"
    # History itself cannot be edited or deleted from the admin.
    assert admin_client.post(f"{HISTORY}{first.pk}/delete/").status_code == 403
    assert admin_client.get(f"{HISTORY}add/").status_code == 403


def test_people_without_permission_cannot_change_anything(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_appconfiguration"),
        Permission.objects.get(codename="view_appconfigurationchange"),
    )
    client.force_login(viewer)
    assert client.get(f"{BASE}emergency/").status_code == 200
    assert (
        client.post(f"{BASE}emergency/", {"key": "maintenance_mode", "value": "on"}).status_code
        == 403
    )
    assert (
        client.post(edit_url("maintenance_mode"), {"value": "on", "version": 0}).status_code == 403
    )
    services.config_set(key="maintenance_mode", value=True, author="a")
    change = AppConfigurationChange.objects.get()
    assert client.post(f"{HISTORY}{change.pk}/revert/").status_code == 403
    assert config_get("maintenance_mode") is True
    parent = UserFactory()
    client.force_login(parent)
    assert client.get(f"{BASE}emergency/").status_code == 302  # to the admin login


def test_rows_of_another_environment_are_read_only(admin_client):
    row = services.config_set(
        key="maintenance_mode", value=True, author="a", environment="production"
    )
    response = admin_client.get(f"{BASE}{row.pk}/change/")
    assert response.status_code == 200 and 'name="_save"' not in response.content.decode()


def _csv_index() -> int:
    from django.contrib.admin import site

    formats = AppConfigurationAdmin(AppConfiguration, site).get_import_formats()
    return next(i for i, f in enumerate(formats) if f is CSV)


def test_export_leaves_secrets_out(admin_client):
    services.config_set(key="max_stories_in_flight", value=8, author="a")
    services.config_set(key="alerts_webhook_url", value="https://hooks.example.com/zz", author="a")
    services.config_set(key="maintenance_mode", value=False, author="a", environment="staging")
    response = admin_client.post(
        f"{BASE}export/",
        {"format": str(_csv_index()), "resource": "", "export_items": [], **_export_fields()},
    )
    assert response.status_code == 200, response.content[:500]
    text = b"".join(response).decode() if response.streaming else response.content.decode()
    assert "max_stories_in_flight" in text and "8" in text
    assert "hooks.example.com" not in text and "alerts_webhook_url" not in text
    assert "maintenance_mode" not in text  # staging's row stays in staging


def _export_fields():
    return {
        "appconfigurationresource_config_key": "on",
        "appconfigurationresource_config_value": "on",
        "appconfigurationresource_is_active": "on",
    }


def _import(admin_client, csv_text):
    upload = io.BytesIO(csv_text.encode())
    upload.name = "settings.csv"
    return admin_client.post(
        f"{BASE}import/", {"format": str(_csv_index()), "import_file": upload, "resource": ""}
    )


def test_import_validates_every_row_through_the_registry_and_stores_nothing_on_error(admin_client):
    response = _import(
        admin_client,
        "config_key,config_value,is_active\n"
        "max_stories_in_flight,12,1\n"
        'usage_limits,"{""gold"": {}}",1\n'
        "turbo_mode,true,1\n",
    )
    page = response.content.decode()
    assert "usage_limits: unknown field(s) gold" in page
    assert "turbo_mode: no such runtime setting is declared" in page
    assert "confirm_form" not in response.context or not response.context.get("confirm_form")
    assert not AppConfiguration.objects.exists() and not AppConfigurationChange.objects.exists()


def test_a_valid_import_applies_through_the_services_with_history(admin_client):
    services.config_set(key="maintenance_mode", value=True, author="a")
    response = _import(
        admin_client,
        "config_key,config_value,is_active\n"
        "max_stories_in_flight,12,1\n"
        '"feature_flags.background_music","{""rollout_percentage"": 25}",1\n'
        "maintenance_mode,true,0\n",
    )
    confirm = response.context["confirm_form"]
    assert not AppConfiguration.objects.filter(config_key="max_stories_in_flight").exists()
    response = admin_client.post(f"{BASE}process_import/", confirm.initial)
    assert response.status_code == 302
    assert config_get("max_stories_in_flight") == 12
    assert config_get("feature_flags.background_music")["rollout_percentage"] == 25
    assert config_get("maintenance_mode") is False  # is_active 0: back to the default
    imported = AppConfigurationChange.objects.filter(action=ChangeAction.IMPORT)
    assert sorted(imported.values_list("config_key", flat=True)) == [
        "feature_flags.background_music",
        "maintenance_mode",
        "max_stories_in_flight",
    ]
    assert set(imported.values_list("author", flat=True)) == {"admin"}


def test_the_settings_list_renders_with_its_links_and_import_export(admin_client):
    response = admin_client.get(BASE)
    assert response.status_code == 200  # its template used to extend itself (a 500)
    html = response.content.decode()
    assert "Runtime settings" in html and "Emergency panel" in html and "History" in html
    assert f"{BASE}import/" in html and f"{BASE}export/" in html
