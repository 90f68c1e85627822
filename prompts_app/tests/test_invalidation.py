"""Publishing reaches every process on its next render, through the shared cache stamp."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from prompts_app import cache as stamp_cache
from prompts_app.models import PromptVersion
from prompts_app.selectors import prompt_current
from prompts_app.services import prompt_publish

from .helpers import sync

needs_redis = pytest.mark.skipif(
    not settings.REDIS_URL, reason="needs REDIS_URL: the stamp is shared through Redis"
)
pytestmark = [pytest.mark.django_db(transaction=True), needs_redis]

WORKER = textwrap.dedent(
    """
    import sys
    import django
    django.setup()
    from prompts_app.rendering import prompt_render
    ctx = {"kid_age": 5, "kid_interests": "owls"}
    for line in sys.stdin:
        print(prompt_render("image_recognition", ctx).version, flush=True)
    """
)


def test_a_publish_reaches_another_process_on_its_next_render():
    sync()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mira.settings.test",
        # The worker talks to this test's database (pytest-django's test_<name>).
        "DATABASE_URL": f"postgres://{settings.DATABASES['default']['USER'] or 'postgres'}@"
        f"{settings.DATABASES['default']['HOST']}:{settings.DATABASES['default']['PORT']}/"
        f"{connection.settings_dict['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER],
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:

        def render_there() -> str:
            worker.stdin.write("render\n")
            worker.stdin.flush()
            return worker.stdout.readline().strip()

        assert render_there() == "1.1"
        assert render_there() == "1.1"  # memoised under the same stamp
        prompt_publish(
            version=PromptVersion.objects.get(
                prompt__key="system/image_recognition", version="1.0"
            ),
            actor_name="tester",
        )
        assert render_there() == "1.0"
    finally:
        worker.stdin.close()
        worker.wait(timeout=30)


def test_two_cache_clients_on_the_same_redis_see_the_new_stamp():
    sync()
    other = RedisCache(
        settings.REDIS_URL, {"KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", "")}
    )
    key = stamp_cache.stamp_key(settings.MIRA_ENVIRONMENT)
    before = stamp_cache.current_stamp(settings.MIRA_ENVIRONMENT)
    assert other.get(key) == before
    assert prompt_current("system/image_recognition").version == "1.1"

    prompt_publish(
        version=PromptVersion.objects.get(prompt__key="system/image_recognition", version="1.0"),
        actor_name="tester",
    )

    after = other.get(key)
    assert after and after != before
    # A process that memoised 1.1 under the old stamp reloads: simulate by re-seeding the memo.
    stamp_cache.memo_put(settings.MIRA_ENVIRONMENT, "system/image_recognition", before, "stale")
    assert prompt_current("system/image_recognition").version == "1.0"


def test_the_stamp_moves_only_when_the_transaction_commits():
    from django.db import transaction

    sync()
    key = stamp_cache.stamp_key(settings.MIRA_ENVIRONMENT)
    before = stamp_cache.current_stamp(settings.MIRA_ENVIRONMENT)
    with pytest.raises(RuntimeError), transaction.atomic():
        prompt_publish(
            version=PromptVersion.objects.get(
                prompt__key="system/image_recognition", version="1.0"
            ),
            actor_name="tester",
        )
        raise RuntimeError("the request failed after publishing")
    from django.core.cache import cache

    assert cache.get(key) == before
    assert prompt_current("system/image_recognition").version == "1.1"
