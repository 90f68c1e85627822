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
    from ai_providers.registry import PROVIDER_CLASSES, reset_registry
    from ai_providers.resilience import circuit_reset

    reset_config()
    reset_registry()
    circuit_reset(PROVIDER_CLASSES)  # circuit state lives in the (possibly shared) cache
    yield
    reset_config()
    reset_registry()


@pytest.fixture(scope="session")
def _fake_vendor_server():
    from ai_providers.tests.fakevendor import FakeVendor

    fake = FakeVendor().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_vendor(_fake_vendor_server):
    """The fake AI vendor on 127.0.0.1 (ai_providers/tests/fakevendor.py), scripts cleared."""
    _fake_vendor_server.reset()
    yield _fake_vendor_server
    _fake_vendor_server.reset()


@pytest.fixture(autouse=True)
def _fresh_prompt_caches():
    """Prompt versions a test stored are rolled back with its transaction; forget them."""
    from prompts_app.selectors import reset_prompt_caches

    reset_prompt_caches()
    yield
    reset_prompt_caches()


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
