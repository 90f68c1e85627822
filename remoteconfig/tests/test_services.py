"""Writes: validation, history, optimistic concurrency, reset and revert."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from remoteconfig import services
from remoteconfig.errors import ConfigConflict, ConfigValueInvalid, UnknownConfigKey
from remoteconfig.models import AppConfiguration, AppConfigurationChange, ChangeAction
from remoteconfig.selectors import config_get, config_value
from stories.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_change_is_stored_with_its_author_and_recorded_in_history(settings):
    ops = UserFactory(username="ops-anna")
    row = services.config_set(
        key="max_stories_in_flight", value=25, author=ops, reason="launch day"
    )
    assert (row.config_value, row.version, row.is_active) == (25, 1, True)
    assert (row.created_by, row.updated_by, row.environment) == (
        "ops-anna",
        "ops-anna",
        settings.MIRA_ENVIRONMENT,
    )
    services.config_set(key="max_stories_in_flight", value=40, author=ops, reason="more room")
    changes = list(AppConfigurationChange.objects.order_by("version"))
    assert [(c.old_active, c.old_value, c.new_value, c.version) for c in changes] == [
        (False, None, 25, 1),
        (True, 25, 40, 2),
    ]
    assert changes[1].author == "ops-anna" and changes[1].author_id == ops.pk
    assert changes[1].reason == "more room" and changes[1].action == ChangeAction.SET
    assert config_get("max_stories_in_flight") == 40


def test_setting_the_same_value_again_records_nothing():
    services.config_set(key="maintenance_mode", value=True, author="ops")
    row = services.config_set(key="maintenance_mode", value=True, author="ops")
    assert row.version == 1 and AppConfigurationChange.objects.count() == 1


def test_an_invalid_value_is_refused_and_the_stored_one_kept():
    services.config_set(key="max_stories_in_flight", value=10, author="ops")
    with pytest.raises(ConfigValueInvalid, match=r"^max_stories_in_flight: must be at least 0"):
        services.config_set(key="max_stories_in_flight", value=-5, author="ops")
    with pytest.raises(UnknownConfigKey, match=r"^turbo_mode"):
        services.config_set(key="turbo_mode", value=True, author="ops")
    with pytest.raises(ConfigValueInvalid, match="reason is at most 500"):
        services.config_set(key="max_stories_in_flight", value=11, author="ops", reason="x" * 501)
    assert config_get("max_stories_in_flight") == 10
    assert AppConfigurationChange.objects.count() == 1
    assert not AppConfiguration.objects.filter(config_key="turbo_mode").exists()


def test_null_is_a_value_of_its_own():
    services.config_set(key="max_stories_in_flight", value=5, author="ops")
    services.config_set(key="max_stories_in_flight", value=None, author="ops")
    row = AppConfiguration.objects.get(config_key="max_stories_in_flight")
    assert row.is_active and row.config_value is None and row.version == 2
    assert config_value("max_stories_in_flight", 99) is None


def test_a_stale_editor_cannot_overwrite_a_colleagues_change():
    row = services.config_set(key="max_stories_in_flight", value=10, author="anna")
    services.config_set(key="max_stories_in_flight", value=20, author="ben", expected_version=1)
    with pytest.raises(ConfigConflict, match="changed by ben since you opened it"):
        services.config_set(
            key="max_stories_in_flight", value=30, author="anna", expected_version=row.version
        )
    assert config_get("max_stories_in_flight") == 20


def test_reset_goes_back_to_the_default_and_keeps_the_row():
    services.config_set(key="ai_services_enabled", value=False, author="ops")
    assert config_get("ai_services_enabled") is False
    services.config_reset(key="ai_services_enabled", author="ops", reason="incident over")
    assert config_get("ai_services_enabled") is True
    row = AppConfiguration.objects.get(config_key="ai_services_enabled")
    assert row.is_active is False and row.version == 2
    last = AppConfigurationChange.objects.get(version=2)
    assert (last.action, last.old_value, last.new_active) == (ChangeAction.RESET, False, False)
    assert services.config_reset(key="maintenance_mode", author="ops") is None


def test_revert_restores_the_previous_value_and_is_itself_recorded():
    services.config_set(key="rate_limits", value={"story_requests_per_minute": 5}, author="a")
    services.config_set(key="rate_limits", value={"story_requests_per_minute": 1}, author="b")
    latest = AppConfigurationChange.objects.get(version=2)
    services.config_revert(change_id=latest.id, author="c")
    assert config_get("rate_limits") == {"story_requests_per_minute": 5}
    revert = AppConfigurationChange.objects.get(version=3)
    assert revert.action == ChangeAction.REVERT and revert.reverts == latest.id
    assert "revert of the change made by b" in revert.reason


def test_reverting_a_first_change_goes_back_to_the_default():
    services.config_set(key="maintenance_mode", value=True, author="a")
    services.config_revert(change_id=AppConfigurationChange.objects.get().id, author="b")
    assert config_get("maintenance_mode") is False
    assert AppConfiguration.objects.get(config_key="maintenance_mode").is_active is False


def test_only_the_latest_change_of_a_key_can_be_reverted():
    services.config_set(key="max_stories_in_flight", value=1, author="a")
    services.config_set(key="max_stories_in_flight", value=2, author="a")
    first = AppConfigurationChange.objects.get(version=1)
    with pytest.raises(ConfigConflict, match="revert the newest change first"):
        services.config_revert(change_id=first.id, author="b")
    assert config_get("max_stories_in_flight") == 2


def test_history_is_immutable():
    services.config_set(key="maintenance_mode", value=True, author="a")
    change = AppConfigurationChange.objects.get()
    change.reason = "rewritten"
    with pytest.raises(ValidationError, match="immutable"):
        change.save()
    with pytest.raises(ValidationError, match="immutable"):
        change.delete()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_rewrite_history_even_in_bulk():
    services.config_set(key="maintenance_mode", value=True, author="a")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AppConfigurationChange.objects.update(reason="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AppConfigurationChange.objects.all().delete()
    assert AppConfigurationChange.objects.get().reason == ""


def test_other_environments_are_independent(settings):
    services.config_set(key="maintenance_mode", value=True, author="a", environment="staging")
    assert config_get("maintenance_mode") is False
    settings.MIRA_ENVIRONMENT = "staging"
    assert config_get("maintenance_mode") is True
