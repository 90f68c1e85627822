"""Project-wide fixtures. CI runs on PostgreSQL only; this refuses to pretend otherwise."""

import os

import pytest
from django.conf import settings


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if os.environ.get("CI") == "true" and "postgresql" not in engine:
        raise pytest.UsageError(f"CI must run on PostgreSQL (DATABASE_URL), not {engine}")


@pytest.fixture(autouse=True)
def _fresh_ai_config():
    """Each test sees the config file as it is now (tests may point at another one)."""
    from ai_providers.config import reset_config
    from ai_providers.registry import reset_registry

    reset_config()
    reset_registry()
    yield
    reset_config()
    reset_registry()


@pytest.fixture
def parent(db):
    from stories.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def api(parent):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(parent)
    return client
