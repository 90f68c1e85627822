"""Fresh reads: every process sees a saved value on its very next read, reads in between cost
no query, and outages degrade to the last known values, then the defaults."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings

from remoteconfig import services
from remoteconfig.cache import ConfigStore, stamp_bump, store
from remoteconfig.models import AppConfiguration
from remoteconfig.selectors import config_flag, config_get, config_value, provider_enabled

ROOT = Path(__file__).resolve().parents[2]
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a database a second process can open"
)


@pytest.mark.django_db(transaction=True)
def test_reads_between_changes_cost_no_query(django_assert_num_queries):
    services.config_set(key="max_stories_in_flight", value=7, author="ops")
    assert config_get("max_stories_in_flight") == 7  # loads the copy once
    with django_assert_num_queries(0):
        for _ in range(50):
            assert config_get("max_stories_in_flight") == 7
            assert config_flag("ai_services_enabled", True) is True
            assert provider_enabled("openai") == (True, "")


@pytest.mark.django_db(transaction=True)
def test_two_stores_on_one_shared_cache_see_each_others_saves_on_the_next_read():
    """Two independent in-process copies, as two web processes would hold, sharing only the
    Django cache and the database."""
    other = ConfigStore()
    env = settings.MIRA_ENVIRONMENT
    assert "max_stories_in_flight" not in other.snapshot(env).values
    services.config_set(key="max_stories_in_flight", value=3, author="ops")
    assert other.snapshot(env).values["max_stories_in_flight"] == 3
    loads = other.loads
    other.snapshot(env)
    assert other.loads == loads  # unchanged stamp: served from its copy
    services.config_set(key="max_stories_in_flight", value=4, author="ops")
    assert other.snapshot(env).values["max_stories_in_flight"] == 4
    services.config_reset(key="max_stories_in_flight", author="ops")
    assert "max_stories_in_flight" not in other.snapshot(env).values


CHILD = """
import json, sys
import django
django.setup()
from remoteconfig.cache import store
from remoteconfig.selectors import config_get
for line in sys.stdin:
    print(json.dumps({"value": config_get(line.strip()), "loads": store.loads}), flush=True)
"""


@on_postgres
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="two processes share Redis only")
@pytest.mark.django_db(transaction=True)
def test_a_value_saved_here_is_seen_by_another_process_on_its_very_next_read():
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mira.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "MIRA_ENVIRONMENT": settings.MIRA_ENVIRONMENT,
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )

    def child_reads(key: str) -> dict:
        child.stdin.write(key + "\n")
        child.stdin.flush()
        return json.loads(child.stdout.readline())

    try:
        services.config_set(key="max_stories_in_flight", value=11, author="ops")
        first = child_reads("max_stories_in_flight")
        assert first["value"] == 11
        again = child_reads("max_stories_in_flight")
        assert again == {"value": 11, "loads": first["loads"]}  # cached in the child
        services.config_set(key="max_stories_in_flight", value=12, author="ops")
        assert child_reads("max_stories_in_flight")["value"] == 12
        services.config_set(key="maintenance_mode", value=True, author="ops")
        assert child_reads("maintenance_mode")["value"] is True
    finally:
        child.stdin.close()
        child.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_is_never_served():
    with pytest.raises(RuntimeError), transaction.atomic():
        services.config_set(key="maintenance_mode", value=True, author="ops")
        # Inside the transaction its own write is visible ...
        assert config_get("maintenance_mode") is True
        raise RuntimeError("abort")
    # ... and after the rollback nobody keeps it.
    assert config_get("maintenance_mode") is False
    assert ConfigStore().snapshot(settings.MIRA_ENVIRONMENT).values.get("maintenance_mode") is None


@pytest.mark.django_db
def test_rows_written_outside_the_services_are_seen_too(settings):
    # The ORM save signal announces the change (other apps' tests and shells do this).
    assert config_flag("ai_services_enabled", True) is True
    AppConfiguration.objects.create(
        config_key="ai_services_enabled", config_value=False, environment=settings.MIRA_ENVIRONMENT
    )
    assert config_flag("ai_services_enabled", True) is False


@pytest.mark.django_db
def test_an_invalid_stored_row_falls_back_to_the_default_and_is_logged(settings, caplog):
    AppConfiguration.objects.create(
        config_key="max_stories_in_flight",
        config_value="lots",
        environment=settings.MIRA_ENVIRONMENT,
    )
    with caplog.at_level(logging.ERROR, logger="remoteconfig.cache"):
        assert config_get("max_stories_in_flight") is None
    assert "stored runtime setting is invalid" in caplog.text


@pytest.mark.django_db
def test_config_value_contract_keeps_the_callers_default():
    assert config_value("usage_limits", None) is None
    assert config_value("usage_limits") == {}
    assert config_value("not.declared", "fallback") == "fallback"
    services.config_set(key="usage_limits", value={"free": {"daily_cost_limit": "3"}}, author="ops")
    assert config_value("usage_limits", None) == {"free": {"daily_cost_limit": "3.00"}}
    # Callers get a copy: changing it does not change what the next caller reads.
    config_value("usage_limits")["free"]["daily_cost_limit"] = "999.00"
    assert config_get("usage_limits") == {"free": {"daily_cost_limit": "3.00"}}


@pytest.fixture
def unreachable_database():
    """Point the default connection at a port nothing listens on, then put it back."""
    saved = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_database_down_serves_the_last_known_values_then_the_defaults(caplog, request):
    services.config_set(key="max_stories_in_flight", value=9, author="ops")
    services.config_set(key="maintenance_mode", value=True, author="ops")
    assert config_get("max_stories_in_flight") == 9
    fresh = ConfigStore()  # a process that never reached the database
    env = settings.MIRA_ENVIRONMENT
    stamp_bump(env)  # as if someone changed a value: every process must try to reload
    with caplog.at_level(logging.WARNING, logger="remoteconfig.cache"):
        request.getfixturevalue("unreachable_database")
        assert config_get("max_stories_in_flight") == 9
        assert config_get("maintenance_mode") is True
        assert store.snapshot(env).source == "last_known"
        defaults = fresh.snapshot(env)
        assert defaults.source == "defaults" and defaults.values == {}
        assert config_get("rate_limits") == {"story_requests_per_minute": None}  # declared default
    assert "serving the last known values" in caplog.text
    assert "serving file defaults" in caplog.text


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_after_an_outage_the_next_read_goes_to_the_database_again(request):
    services.config_set(key="max_stories_in_flight", value=9, author="ops")
    assert config_get("max_stories_in_flight") == 9
    env = settings.MIRA_ENVIRONMENT
    stamp_bump(env)
    saved = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        assert store.snapshot(env).source == "last_known"
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved
    assert store.snapshot(env).source == "database"


@pytest.mark.django_db(transaction=True)
def test_cache_down_reads_the_database_every_time_and_is_never_stale(caplog):
    dead = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=dead), caplog.at_level(logging.WARNING):
        services.config_set(key="max_stories_in_flight", value=1, author="ops")
        assert config_get("max_stories_in_flight") == 1
        services.config_set(key="max_stories_in_flight", value=2, author="ops")
        assert config_get("max_stories_in_flight") == 2
    assert "shared cache unreachable" in caplog.text
    assert "could not announce" in caplog.text
