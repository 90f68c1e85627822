"""A real ``qcluster`` subprocess is SIGKILLed (its whole process tree) while stories are in
each pipeline stage in turn, and restarted; every story must still end ``ready`` (or
``failed`` with a code), no stage that had finished is paid for again, and nothing stays
reserved. Once with the ORM broker, once with the Redis broker.

The vendor is the fake server, every OpenAI endpoint answering after a delay so each stage
lasts long enough to be caught. Leases are short (4 s) so the test stays bounded; recovery
comes from the reaper thread of the restarted workers (both brokers), the broker's own
redelivery (ORM) and the scheduled reaper.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.tasks import async_task

from ai_providers.models import AIOperation
from ai_providers.tests.fakevendor import VENDOR_VARIABLES, Slow, vendor_environment
from mira.testing import subprocess_env
from stories.apps import schedules_register
from stories.models import Stage, Story, StoryStatus
from stories.services import story_request
from stories.tests.factories import KidFactory, drawing_bytes
from usage.models import ReservationState, UsageAccount, UsageReservation
from usage.services import account_tier_change
from usage.tests.factories import needs_postgres

ROOT = Path(settings.BASE_DIR)
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.postgres,
    needs_postgres,
]

STORIES = 8
VENDOR_DELAY = 1.2  # seconds every OpenAI call takes
TARGETS = (
    Stage.ANALYSE_INPUT,
    Stage.GENERATE_STORY,
    Stage.CHECK_SAFETY,
    Stage.NARRATE,
    Stage.TIME_WORDS,
    Stage.PAINT_COVER,
)
FINISH_WITHIN = 150  # seconds after the last kill


class Cluster:
    """``manage.py qcluster`` in its own session, so the whole tree can be killed at once."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.process = env, log, None

    def start(self) -> None:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        # Every process of the tree is gone before the next one starts.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.process = None


def _in_stage(stage: Stage, status: str, current: str, done: list[str]) -> bool:
    if status != StoryStatus.PROCESSING or stage.value in done:
        return False
    if stage == Stage.PAINT_COVER:
        # The cover runs beside narration, which may own ``current_stage``.
        return Stage.CHECK_SAFETY.value in done
    return current == stage.value


def _snapshot() -> dict[uuid.UUID, tuple[str, str, list[str]]]:
    return {
        s.pk: (s.status, s.current_stage, list(s.completed_stages)) for s in Story.objects.all()
    }


@pytest.mark.parametrize("broker", ["orm", "redis"])
def test_sigkill_in_every_stage_still_ends_every_story(broker, fake_vendor, tmp_path, parent):
    if broker == "redis" and not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    # The cluster name is also the salt django-q2 signs tasks with: the worker's must match.
    name = settings.Q_CLUSTER["name"]
    queue = ORM(list_key=name) if broker == "orm" else Redis(list_key=name)
    queue.purge_queue()
    vendor = vendor_environment(fake_vendor, tmp_path)
    env = subprocess_env(
        {
            "DJANGO_ENV": "local",  # a real worker: no synchronous tasks
            "DEBUG": "false",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "OPENAI_API_KEY": vendor["OPENAI_API_KEY"],
            "OPENAI_BASE_URL": vendor["OPENAI_BASE_URL"],
            "Q_BROKER": broker,
            "Q_WORKERS": "2",
            "Q_TIMEOUT": "60",
            "Q_RETRY": "70",
            "Q_GUARD_CYCLE": "0.1",
            # Up to six kills may hit one story; a story out of attempts fails with a code.
            "Q_MAX_ATTEMPTS": "4",
            "MIRA_PIPELINE_LEASE_SECONDS": "4",
            "MIRA_PIPELINE_HEARTBEAT_SECONDS": "0.5",
            "MIRA_PIPELINE_REAP_EVERY_SECONDS": "1",
            "MIRA_PIPELINE_QUEUED_GRACE_SECONDS": "8",
            "MIRA_AI_RETRY_BASE_DELAY": "0.01",
            "MIRA_AI_RETRY_MAX_DELAY": "0.05",
        },
        drop=VENDOR_VARIABLES,
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)  # pytest's (the test settings) would win
    if broker == "orm":
        env.pop("REDIS_URL", None)
    for endpoint in ("openai.chat", "openai.moderations", "openai.speech"):
        fake_vendor.always(endpoint, Slow(VENDOR_DELAY))
    fake_vendor.always("openai.transcription", Slow(VENDOR_DELAY))
    fake_vendor.always("openai.images", Slow(VENDOR_DELAY))
    schedules_register()  # the test database was flushed since migrate registered it

    kid = KidFactory(parent=parent, name="Mia", age=5)
    account_tier_change(user_id=parent.pk, tier="premium", actor=None)  # a paid cover too
    ids = []

    def submit() -> uuid.UUID:
        story, _ = story_request(
            owner=parent, kid_id=kid.id, drawing=drawing_bytes(), enqueue=False
        )
        async_task("stories.tasks.run_pipeline", str(story.id), broker=queue, sync=False)
        ids.append(story.id)
        assert Path(story.drawing.path).exists()
        return story.id

    for _ in range(STORIES):
        submit()

    cluster = Cluster(env, tmp_path / "qcluster.log")
    kills: list[dict] = []
    # story -> stage -> the first kill that found it finished
    finished_at_kill: dict[uuid.UUID, dict[str, object]] = {i: {} for i in ids}
    started = time.monotonic()
    cluster.start()
    try:
        for target in TARGETS:
            hit = None
            # On a busy machine every story may be past this stage before its turn comes:
            # then a fresh story is asked for, so every stage is really hit.
            for _try in range(2):
                wait_until = time.monotonic() + 40
                while time.monotonic() < wait_until and hit is None:
                    for story_id, (status, stage, done) in _snapshot().items():
                        if _in_stage(target, status, stage, done):
                            hit = story_id
                            break
                    else:
                        time.sleep(0.05)
                if hit is not None:
                    break
                print("KILL TEST missed", target.value, _snapshot())
                finished_at_kill[submit()] = {}
            if hit is None:
                continue
            cluster.kill()
            kill_time, killed_at = time.monotonic(), timezone.now()
            snapshot = _snapshot()
            for story_id, (_, _, done) in snapshot.items():
                for stage_value in done:
                    finished_at_kill[story_id].setdefault(stage_value, killed_at)
            in_flight = [s for s, (st, _, _) in snapshot.items() if st == StoryStatus.PROCESSING]
            kills.append(
                {"stage": target.value, "at": kill_time, "story": hit, "processing": in_flight}
            )
            cluster.start()

        last_kill = kills[-1]["at"] if kills else time.monotonic()
        end_by = time.monotonic() + FINISH_WITHIN
        ended_at: dict[uuid.UUID, float] = {}
        while time.monotonic() < end_by and len(ended_at) < len(ids):
            for story_id, (status, _, _) in _snapshot().items():
                if status in (StoryStatus.READY, StoryStatus.FAILED) and story_id not in ended_at:
                    ended_at[story_id] = time.monotonic()
            time.sleep(0.2)
    finally:
        cluster.kill()
        if broker == "redis":
            queue.delete_queue()

    stories = {s.pk: s for s in Story.objects.all()}
    stuck = {i: (s.status, s.current_stage) for i, s in stories.items() if i not in ended_at}
    assert not stuck, f"stories still in flight: {stuck}; log: {cluster.log.read_text()[-3000:]}"
    for story in stories.values():
        assert story.status == StoryStatus.READY or story.failure_code, story.pk
    ready = [s for s in stories.values() if s.status == StoryStatus.READY]

    # No finished stage was paid for again: nothing was called for a stage of a story after
    # a kill that found the stage finished (a stage's own rewrites happen before it finishes).
    for story_id, finished in finished_at_kill.items():
        for stage_value, killed_at in finished.items():
            again = AIOperation.objects.filter(
                story_id=story_id, stage=stage_value, created_at__gt=killed_at
            )
            assert not again.exists(), (story_id, stage_value, list(again.values("id", "vendor")))

    assert not UsageReservation.objects.filter(state=ReservationState.OPEN).exists()
    account = UsageAccount.objects.get(user=parent)
    assert account.reserved_operations == 0 and account.reserved_cost_usd == 0
    assert account.open_story_holds == 0
    assert not Story.objects.filter(
        status__in=(StoryStatus.QUEUED, StoryStatus.PROCESSING)
    ).exists()

    killed = {k["story"] for k in kills} | {s for k in kills for s in k["processing"]}
    recover = [ended_at[s] - max(k["at"] for k in kills if s in k["processing"]) for s in killed]
    figures = {
        "broker": broker,
        "stories": len(ids),
        "ready": len(ready),
        "failed": {s.failure_code for s in stories.values() if s.status == StoryStatus.FAILED},
        "kills": len(kills),
        "stages_hit": [k["stage"] for k in kills],
        "stories_interrupted": len(killed),
        "max_seconds_kill_to_end": round(max(recover), 1) if recover else None,
        "seconds_last_kill_to_all_ended": round(max(ended_at.values()) - last_kill, 1),
        "seconds_total": round(time.monotonic() - started, 1),
        "attempts": sorted(s.attempts for s in stories.values()),
        "stage_ms_max": {
            stage.value: max(
                (s.generation_metadata.get("stages_ms", {}).get(stage.value, 0) for s in ready),
                default=0,
            )
            for stage in TARGETS
        },
    }
    print("KILL TEST", json.dumps(figures, default=list))
    assert len(kills) >= 5, figures  # the stages were really hit, not skipped
