"""How long the Operations dashboard takes to render over 1 million AIOperation rows.

PostgreSQL only (``DATABASE_URL``): seeds ``BENCH_DASHBOARD_ROWS`` ledger rows (default
1,000,000) spread over the last 30 days, 200 families and 20,000 stories with one SQL
``generate_series`` each, backfills the daily rollup of the ledger (``ops_rollup --days 31``,
timed), then renders the dashboard for today, 7 and 30 days and the vendor
comparison for 30 days through Django's test client (templates, charts and all), and prints
the median of ``BENCH_DASHBOARD_RUNS`` renders. The rollup covers up to a few minutes ago; the
newer rows are read live from the ledger (as in production). The seeded rows are deleted afterwards (and those days
rolled up again) unless ``BENCH_DASHBOARD_KEEP=1``; kept rows are reused by the next run.
"""

from __future__ import annotations

import os
import statistics
import time
from decimal import Decimal

ROWS = int(os.environ.get("BENCH_DASHBOARD_ROWS", "1000000"))
RUNS = int(os.environ.get("BENCH_DASHBOARD_RUNS", "5"))
FAMILIES = 200
STORIES = 20000
PREFIX = "bench-dashboard-"
ROLLUP_DAYS = 31  # the seeded rows reach back 30 days from now: 31 UTC days with today


def _seed() -> list:
    from django.db import connection

    from accounts.models import User
    from stories.models import KidProfile, Stage, Story

    users = list(
        User.objects.filter(username__startswith=PREFIX).exclude(username=f"{PREFIX}admin")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM ai_operations o JOIN accounts_user u ON u.id = o.user_id "
            "WHERE u.username LIKE %s",
            [PREFIX + "%"],
        )
        (existing,) = cursor.fetchone()
    if len(users) == FAMILIES and existing >= ROWS:
        print(f"reusing {existing:,} seeded ledger rows")
        return users
    _cleanup()
    started = time.perf_counter()
    users = User.objects.bulk_create(
        [User(username=f"{PREFIX}{i}", password="!") for i in range(FAMILIES)]  # no login
    )
    kids = KidProfile.objects.bulk_create([KidProfile(parent=u, name="Mia", age=5) for u in users])
    ids = [str(u.pk) for u in users]
    # Stories through the ORM (every column gets its model default), dated by SQL below.
    full = [stage.value for stage in Stage]
    Story.objects.bulk_create(
        [
            Story(
                owner=users[i % FAMILIES],
                kid=kids[i % FAMILIES],
                input_kind="text",
                input_text="a boat",
                status="failed" if i % 20 == 0 else "processing" if i % 97 == 0 else "ready",
                completed_stages=full[:2] if i % 20 == 0 else full,
                failure_code="content_unsafe" if i % 20 == 0 else "",
                total_cost_usd=Decimal(100 + (i * 37) % 600) / 1000,
            )
            for i in range(STORIES)
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE stories_story SET created_at = now() - random() * interval '30 days' "
            "WHERE owner_id = ANY(%s::uuid[])",
            [ids],
        )
        # Operations, vendors and outcomes in realistic proportions: 3% failures, 2% fallback
        # hops, latency by operation, cents per call.
        cursor.execute(
            """
            INSERT INTO ai_operations (id, user_id, operation_type, vendor, model_used,
                cost_usd, processing_time_ms, success, error_message, error_code,
                prompt_version, stage, attempt, metadata, created_at)
            SELECT gen_random_uuid(),
                   (%(users)s::uuid[])[1 + (i %% %(families)s)],
                   (ARRAY['story_generation','text_to_speech','image_generation',
                          'content_safety','image_recognition','transcription'])[1 + (i %% 6)],
                   (ARRAY['openai','anthropic','google','local'])[1 + ((i / 7) %% 4)],
                   'model-' || (i %% 3),
                   round((random() * 0.05)::numeric, 6),
                   (200 + random() * 4000 * (1 + (i %% 6)))::int,
                   (i %% 33) <> 0,
                   CASE WHEN (i %% 33) = 0 THEN 'vendor error' ELSE '' END,
                   CASE WHEN (i %% 33) = 0 THEN 'server_error' ELSE '' END,
                   '1.0', '', 1,
                   jsonb_build_object('hop', CASE WHEN (i %% 50) = 0 THEN 2 ELSE 1 END),
                   now() - (random() * interval '30 days')
            FROM generate_series(1, %(rows)s) AS i
            """,
            {"users": ids, "families": FAMILIES, "rows": ROWS},
        )
        cursor.execute("ANALYZE ai_operations")
        cursor.execute("ANALYZE stories_story")
    print(
        f"seeded {ROWS:,} ledger rows and {STORIES:,} stories in {time.perf_counter() - started:.1f} s"
    )
    return users


def _cleanup() -> None:
    from django.db import connection

    from accounts.models import User

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM ai_operations WHERE user_id IN "
            "(SELECT id FROM accounts_user WHERE username LIKE %s)",
            [PREFIX + "%"],
        )
        cursor.execute(
            "DELETE FROM stories_story WHERE owner_id IN "
            "(SELECT id FROM accounts_user WHERE username LIKE %s)",
            [PREFIX + "%"],
        )
    User.objects.filter(username__startswith=PREFIX).delete()
    _rollup(quiet=True)  # the rollup must not keep counting the rows just deleted


def _rollup(*, quiet: bool = False) -> None:
    from ops.services import rollup_refresh

    started = time.perf_counter()
    days = rollup_refresh(days=ROLLUP_DAYS)
    rows = sum(d.ledger_rows for d in days)
    if not quiet:
        print(
            f"rolled up {len(days)} days ({rows:,} ledger rows) in "
            f"{time.perf_counter() - started:.1f} s"
        )


def _tail() -> None:
    """The live part of every page: the ledger rows newer than the rollup's reach, at most
    the schedule's interval plus the grace (10 minutes by default). The seeded rows are older
    than that by the time pages render, so this times a 15-minute window of them instead."""
    from datetime import timedelta

    from django.db.models import Max

    from ai_providers.models import AIOperation
    from ops.rollup import family_groups, intervals_filter, ledger_groups

    newest = AIOperation.objects.aggregate(m=Max("created_at"))["m"]
    window = (newest - timedelta(minutes=15), newest + timedelta(microseconds=1))
    where = intervals_filter([window])
    rows = AIOperation.objects.filter(where).count()
    samples = []
    for _ in range(RUNS + 1):
        started = time.perf_counter()
        ledger_groups(where)
        family_groups(where)
        samples.append((time.perf_counter() - started) * 1000)
    print(
        f"{'live tail, 15 minutes':<28} median {statistics.median(samples[1:]):7.0f} ms"
        f"   max {max(samples[1:]):7.0f} ms   ({rows:,} ledger rows, n={RUNS})"
    )


def _render(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return elapsed


def main() -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User

    if connection.vendor != "postgresql":
        print("skipped: the dashboard bench needs PostgreSQL (DATABASE_URL)")
        return
    setup_test_environment()
    _seed()
    _rollup()
    admin, _ = User.objects.get_or_create(
        username=f"{PREFIX}admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(admin)
    try:
        _tail()
        for label, url in (
            ("dashboard, today", "/admin/operations/?range=today"),
            ("dashboard, 7 days", "/admin/operations/?range=7d"),
            ("dashboard, 30 days", "/admin/operations/?range=30d"),
            ("vendor comparison, 30 days", "/admin/operations/vendors/?range=30d"),
        ):
            _render(client, url)  # warm: plans, template compilation
            samples = [_render(client, url) for _ in range(RUNS)]
            print(
                f"{label:<28} median {statistics.median(samples):7.0f} ms"
                f"   max {max(samples):7.0f} ms   ({ROWS:,} ledger rows, n={RUNS})"
            )
    finally:
        if os.environ.get("BENCH_DASHBOARD_KEEP") != "1":
            _cleanup()
