"""The boot-time warm-up (mira/warmup.py): a worker that ran it answers its first story POST
without loading anything the warm-up loads, and a step that fails does not stop the boot.

``transaction=True``: the runtime settings' copy is kept process-wide only outside a
transaction, as in production.
"""

import logging
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_q.brokers import get_broker
from django_q.conf import Conf
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mira import config_file
from mira.warmup import warm_up
from remoteconfig.cache import store
from stories import services
from stories.serializers import StoryInputSerializer, StorySerializer
from stories.tests.factories import KidFactory
from usage.config import usage_settings

pytestmark = pytest.mark.django_db(transaction=True)

SERIALIZERS = (StoryInputSerializer, StorySerializer)


def _forget_everything():
    """A process as it is before its first request (as far as the warm-up is concerned)."""
    config_file.reset_config_document()
    store.clear()
    services._broker.cache_clear()
    for cls in SERIALIZERS:
        if "_field_templates" in cls.__dict__:
            del cls._field_templates


def test_after_the_warm_up_a_first_story_post_loads_nothing_again(monkeypatch):
    kid = KidFactory()
    token = Token.objects.create(user=kid.parent)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    monkeypatch.setattr(Conf, "SYNC", False)  # queued as in production, not run in-process
    _forget_everything()
    try:
        warm_up()
        document = config_file.config_document()
        usage = usage_settings()
        loads = store.loads
        brokers = services._broker.cache_info().misses
        templates = {cls: cls.__dict__["_field_templates"] for cls in SERIALIZERS}
        assert loads >= 1 and brokers == 1

        response = client.post(
            "/api/v1/stories/",
            {"kid": str(kid.id), "text": "a dragon who is afraid of the dark"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )

        assert response.status_code == 202, response.content
        assert config_file.config_document() is document  # the file was not read again
        assert usage_settings() is usage  # nor its usage sections parsed again
        assert store.loads == loads  # the runtime settings were not loaded again
        assert services._broker.cache_info().misses == brokers  # nor a broker built
        for cls in SERIALIZERS:  # nor the serializers' fields
            assert cls.__dict__["_field_templates"] is templates[cls]
    finally:
        get_broker().purge_queue()


def test_a_failing_step_is_logged_and_the_others_still_run(settings, tmp_path, caplog):
    _forget_everything()
    settings.MIRA_AI_PROVIDERS_FILE = tmp_path / "missing.yaml"
    try:
        with caplog.at_level(logging.WARNING, logger="mira.warmup"):
            warm_up()  # does not raise
        assert any("_configuration_file" in r.getMessage() for r in caplog.records)
        for cls in SERIALIZERS:
            assert cls.__dict__.get("_field_templates")
    finally:
        config_file.reset_config_document()


def test_the_worker_cluster_preloads_the_safety_classifiers_before_it_forks():
    from ai_providers.content_rules import lexicons
    from ai_providers.content_rules import model as safety_model
    from mira.warmup import pipeline_preload
    from stories.apps import running_command

    assert running_command(["/srv/mira/manage.py", "qcluster"]) == "qcluster"
    assert running_command(["/venv/bin/django-admin", "qcluster", "--run-once"]) == "qcluster"
    assert running_command(["/venv/lib/python3.11/site-packages/django/__main__.py", "qcluster"])
    assert running_command(["/venv/bin/gunicorn", "mira.wsgi"]) == ""
    assert running_command(["manage.py"]) == ""
    _forget_everything()
    safety_model.reset()
    lexicons.reset_lexicons()
    loads = store.loads
    try:
        with CaptureQueriesContext(connection) as queries:
            pipeline_preload()
        assert safety_model._model is not None
        assert lexicons._cache and lexicons.matchers.cache_info().currsize  # rules compiled
        assert config_file._document is not None
        # Nothing a forked worker must not share: no query, no runtime settings (a connection
        # and a stamp-watching thread), no broker.
        assert [q["sql"] for q in queries] == [] and store.loads == loads
        assert services._broker.cache_info().currsize == 0
    finally:
        config_file.reset_config_document()
