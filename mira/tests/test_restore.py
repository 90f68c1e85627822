"""The restore runbook (docs/deployment.md) end to end with the real tools: deploy/backup.sh
dumps the database (pg_dump) and packs the media, deploy/restore.sh drops a database, creates
it again and restores both (psql, pg_restore, tar); then Mira, started on the restored copy,
still serves the story: its read-along page and the narration, byte for byte.

Runs on a scratch database of its own, named after this session's test database."""

import hashlib
import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from mira.testing import current_test_database_url, subprocess_env
from stories import pipeline
from stories.models import InputKind, Story, StoryStatus
from stories.tests.factories import KidFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.slow]

READ_BACK = """
import django, hashlib, json, sys
django.setup()
from django.test import Client
from django.utils.html import escape
from stories.access import signed_url
from stories.models import Story
story = Story.objects.get(pk=sys.argv[1])
page = Client().get(signed_url("stories:read-along", story.id))
audio = Client().get(signed_url("stories:media", story.id, kind="audio"))
print(json.dumps({
    "page": page.status_code, "title_shown": escape(story.title) in page.content.decode(),
    "text": story.text, "audio": audio.status_code,
    "audio_sha": hashlib.sha256(b"".join(audio.streaming_content)).hexdigest(),
}))
"""


def run(command, env, **kwargs):
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, cwd=settings.BASE_DIR
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def scratch_database_url():
    if connection.vendor != "postgresql":
        pytest.skip("the restore runbook is for PostgreSQL")
    source = current_test_database_url()
    url = f"{source}_restore"
    yield url
    subprocess.run(
        ["psql", source.rsplit("/", 1)[0] + "/postgres", "-qc",
         f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'],
        capture_output=True, timeout=60,
    )  # fmt: skip


def test_dump_drop_restore_and_the_story_is_still_readable(
    scratch_database_url, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    kid = KidFactory(name="Ava")
    story = Story.objects.create(
        owner=kid.parent, kid=kid, input_kind=InputKind.TEXT, input_text="a paper boat on a pond"
    )
    story = pipeline.run(story.id)
    assert story.status == StoryStatus.READY
    narration = hashlib.sha256(story.audio.open("rb").read()).hexdigest()

    backups = tmp_path / "backups"
    live = subprocess_env({"MEDIA_ROOT": str(settings.MEDIA_ROOT)})
    dump, media = run(["bash", "deploy/backup.sh", str(backups)], live).split()

    restored_media = tmp_path / "restored-media"
    target = subprocess_env(
        {"DATABASE_URL": scratch_database_url, "MEDIA_ROOT": str(restored_media)}
    )
    # Twice: the second run drops the database the first one made (the runbook's "drop").
    for _ in range(2):
        assert "restored" in run(["bash", "deploy/restore.sh", dump, media], target)

    served = subprocess_env(
        {
            "DJANGO_ENV": "local",
            "DJANGO_SETTINGS_MODULE": "mira.settings.local",
            "DEBUG": "false",
            "DATABASE_URL": scratch_database_url,
            "MEDIA_ROOT": str(restored_media),
        }
    )
    seen = json.loads(
        run([sys.executable, "-c", READ_BACK, str(story.id)], served).splitlines()[-1]
    )
    assert seen["page"] == 200 and seen["title_shown"]
    assert seen["text"] == story.text
    assert seen["audio"] == 200 and seen["audio_sha"] == narration


def test_restore_refuses_an_unreadable_dump_before_dropping_anything(
    scratch_database_url, tmp_path
):
    server = scratch_database_url.rsplit("/", 1)[0] + "/postgres"
    name = scratch_database_url.rsplit("/", 1)[1]
    env = subprocess_env({"DATABASE_URL": scratch_database_url, "MEDIA_ROOT": str(tmp_path)})
    run(["psql", server, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], env)
    run(["psql", server, "-qc", f'CREATE DATABASE "{name}"'], env)
    run(["psql", scratch_database_url, "-qc", "CREATE TABLE still_here (x int)"], env)
    bad = tmp_path / "bad.dump"
    bad.write_bytes(b"not a dump")
    media = tmp_path / "media.tar.gz"
    subprocess.run(["tar", "-czf", str(media), "-T", "/dev/null"], check=True)
    result = subprocess.run(
        ["bash", "deploy/restore.sh", str(bad), str(media)],
        env=env, capture_output=True, text=True, timeout=60, cwd=settings.BASE_DIR,
    )  # fmt: skip
    assert result.returncode != 0
    # The database was not dropped: its table is still there.
    assert "0" in run(
        ["psql", scratch_database_url, "-Atc", "SELECT count(*) FROM still_here"], env
    )
