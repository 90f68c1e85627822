"""The daily rollup of the ledger: its figures are the ledger's, refreshing is idempotent,
late rows are picked up, and whatever it does not hold is read live."""

import itertools
import math
import re
import statistics
import threading
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django_q.models import Schedule

from ai_providers.models import AIOperation
from ops import tasks
from ops.apps import schedules_register
from ops.models import FamilyRollup, LedgerDay, LedgerRollup
from ops.rollup import (
    BUCKETS,
    LATENCY_BOUNDS,
    bucket_of,
    bucket_range,
    family_groups_query,
    histogram_add,
    histogram_quantile,
    intervals_filter,
    ledger_groups,
    ledger_groups_query,
)
from ops.selectors import (
    DateRange,
    call_performance,
    ledger_summary,
    ledger_total,
    spend_per_day,
    top_families,
)
from ops.services import rollup_day_refresh, rollup_gaps_fill, rollup_refresh
from ops.tests.seed import ledger_row, ops_user
from stories.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OPERATIONS = ("story_generation", "text_to_speech", "image_generation")
VENDORS = ("openai", "anthropic", "google")


def _today():
    return datetime.now(UTC).date()


def _midnight(day):
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def seed_days(days_ago=(2, 3, 4, 5), per_day=60):
    """Deterministic calls on complete days: varied latencies, failures, fallback hops."""
    families = [UserFactory() for _ in range(3)]
    rows = []
    for back in days_ago:
        start = _midnight(_today() - timedelta(days=back))
        for n in range(per_day):
            failed = n % 7 == 0
            rows.append(
                ledger_row(
                    user=families[n % 3],
                    at=start + timedelta(minutes=23 * n + 1),  # spread over the day
                    operation=OPERATIONS[n % 3],
                    vendor=VENDORS[(n // 3) % 3],
                    cost="0" if failed else f"0.{(n * 7919 + back) % 9000 + 1000:04d}17",
                    ms=40 + (n * 7919 + back * 131) % 9000,
                    success=not failed,
                    hop=2 if n % 11 == 0 else 1,
                    code="server_error",
                )
            )
    return rows, families


def _period(first_back, last_back=0):
    today = _today()
    return DateRange(
        "custom", today - timedelta(days=first_back), today - timedelta(days=last_back)
    )


def _ledger_by_day():
    rows = (
        AIOperation.objects.annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day")
        .annotate(cost=Sum("cost_usd"), calls=Count("id"))
    )
    return {r["day"]: (r["cost"], r["calls"]) for r in rows}


def _exact(values, fraction):
    """``percentile_cont``: linear interpolation between the closest ranks."""
    index = {0.5: 49, 0.95: 94}[fraction]
    return statistics.quantiles(sorted(values), n=100, method="inclusive")[index]


def test_buckets_are_log_spaced_and_at_most_one_step_wide():
    assert LATENCY_BOUNDS[0] == 1 and len(LATENCY_BOUNDS) + 1 == BUCKETS
    assert list(LATENCY_BOUNDS) == sorted(set(LATENCY_BOUNDS))
    for low, high in itertools.pairwise(LATENCY_BOUNDS):
        # at most 2^(1/8) (9.05%) above the lower bound, rounded up to a whole millisecond
        assert high <= math.ceil(low * 2 ** (1 / 8))
    for ms in (0, 1, 2, 11, 12, 13, 999, 1000, 1024, 60_000, 10**7):
        low, high = bucket_range(bucket_of(ms))
        assert low <= ms and (high is None or ms < high)


def test_percentiles_of_merged_histograms_are_within_one_bucket():
    values = [30 + (i * 7919) % 12000 for i in range(997)]
    halves = [[0] * BUCKETS, [0] * BUCKETS]
    for i, ms in enumerate(values):
        halves[i % 2][bucket_of(ms)] += 1
    merged = histogram_add(list(halves[0]), halves[1])
    assert sum(merged) == len(values)
    for fraction in (0.5, 0.95):
        estimate = histogram_quantile(merged, fraction)
        assert abs(bucket_of(estimate) - bucket_of(_exact(values, fraction))) <= 1
    assert histogram_quantile([], 0.5) is None


def test_rollup_figures_equal_the_ledger():
    seed_days()
    refreshed = rollup_refresh(days=6)
    assert [m.day for m in refreshed] == [_today() - timedelta(days=b) for b in range(6)]
    ledger = _ledger_by_day()
    # Per day: the rollup's spend and calls are the ledger's.
    rolled = (
        LedgerRollup.objects.values("day")
        .annotate(cost=Sum("cost_usd"), calls=Sum("calls"))
        .order_by("day")
    )
    assert {r["day"]: (r["cost"], r["calls"]) for r in rolled} == ledger
    for marker in refreshed[2:]:  # complete days: covered to their midnight
        assert marker.covered_until == _midnight(marker.day + timedelta(days=1))
        assert marker.ledger_rows == ledger[marker.day][1]

    period = _period(5)
    summary = ledger_summary(period)
    assert summary.rolled_up == frozenset(period.days)
    assert summary.not_rolled_up == ()
    spend = spend_per_day(period, summary=summary)
    assert spend.total == ledger_total(period) == sum(c for c, _ in ledger.values())
    assert spend.day_totals == {day: cost for day, (cost, _) in ledger.items()}

    for perf in call_performance(period, summary=summary):
        rows = AIOperation.objects.filter(vendor=perf.vendor, operation_type=perf.operation)
        assert perf.calls == rows.count()
        assert perf.failures == rows.filter(success=False).count()
        assert perf.error_rate == rows.filter(success=False).count() / rows.count()
        assert perf.fallbacks == rows.filter(metadata__hop=2).count()
        assert perf.cost == rows.aggregate(s=Sum("cost_usd"))["s"]
        times = list(rows.filter(success=True).values_list("processing_time_ms", flat=True))
        assert len(times) > 10
        for fraction, estimate in ((0.5, perf.p50_ms), (0.95, perf.p95_ms)):
            assert abs(bucket_of(estimate) - bucket_of(_exact(times, fraction))) <= 1

    by_family = dict(
        AIOperation.objects.values("user_id")
        .annotate(cost=Sum("cost_usd"))
        .values_list("user_id", "cost")
    )
    families = top_families(period, summary=summary)
    assert {f.user_id: f.cost for f in families} == {
        u: c.quantize(Decimal("0.0001")) for u, c in by_family.items()
    }
    assert [f.cost for f in families] == sorted((f.cost for f in families), reverse=True)


def test_refresh_is_idempotent():
    seed_days(days_ago=(1, 2))

    def snapshot():
        return (
            list(LedgerRollup.objects.order_by("day", "operation_type", "vendor").values_list(
                "day", "operation_type", "vendor", "calls", "failures", "fallbacks",
                "cost_usd", "latency_histogram",
            )),
            sorted(FamilyRollup.objects.values_list("day", "user_id", "calls", "cost_usd")),
            list(LedgerDay.objects.order_by("day").values_list("day", "ledger_rows")),
        )  # fmt: skip

    rollup_refresh(days=3)
    first = snapshot()
    rollup_refresh(days=3)
    rollup_refresh(days=2)
    assert snapshot() == first
    assert len(first[0]) == LedgerRollup.objects.count() == 2 * 9  # 3 operations x 3 vendors


def test_a_late_settled_row_is_counted_by_the_next_refresh():
    _, families = seed_days(days_ago=(1,))
    yesterday = _today() - timedelta(days=1)
    # An hour into today: past the grace, whatever the clock says (right after midnight UTC,
    # yesterday's last minutes are still inside it and would not be counted yet).
    later = _midnight(_today()) + timedelta(hours=1)
    rollup_refresh(now=later)
    before = LedgerDay.objects.get(day=yesterday).ledger_rows
    # Written with a created_at before midnight, committed after the refresh ran.
    ledger_row(
        user=families[0], at=_midnight(_today()) - timedelta(seconds=2),
        operation="text_to_speech", vendor="google", cost="0.250000", ms=1800,
    )  # fmt: skip
    rollup_refresh(now=later)  # the schedule's run: today and yesterday
    assert LedgerDay.objects.get(day=yesterday).ledger_rows == before + 1
    period = _period(1, 1)
    assert spend_per_day(period).total == ledger_total(period)


def test_a_day_missing_from_the_rollup_is_read_live_and_exactly(client):
    seed_days(days_ago=(1, 2, 3))
    for back in (1, 3):
        rollup_day_refresh(day=_today() - timedelta(days=back))
    missing = _today() - timedelta(days=2)
    period = _period(6)
    summary = ledger_summary(period)
    assert missing in summary.not_rolled_up and missing not in summary.rolled_up
    ledger = _ledger_by_day()
    spend = spend_per_day(period, summary=summary)
    assert spend.day_totals == {day: cost for day, (cost, _) in ledger.items()}
    assert spend.total == ledger_total(period)
    # The page says where its figures come from and shows the same per-day sums.
    client.force_login(ops_user())
    html = client.get("/admin/operations/?range=7d").content.decode()
    assert "day(s) not rolled up yet live from the ledger" in html
    shown = [Decimal(c) for c in re.findall(r'data-cost="([0-9.]+)"', html)]
    assert len(shown) == 7
    assert sorted(c for c in shown if c) == sorted(cost for cost, _ in ledger.values())


def test_the_rollup_stops_short_of_recent_rows_and_the_rest_is_read_live(settings):
    settings.MIRA_OPS_ROLLUP_GRACE_MINUTES = 5
    family = UserFactory()
    day = _today() - timedelta(days=3)
    noon = _midnight(day) + timedelta(hours=12)
    for at, cost in (
        (noon - timedelta(hours=2), "0.100000"),  # rolled up
        (noon - timedelta(minutes=3), "0.020000"),  # within the grace: still live
        (noon + timedelta(hours=3), "0.003000"),  # after the refresh
    ):
        ledger_row(user=family, at=at, operation="story_generation", vendor="openai",
                   cost=cost, ms=900)  # fmt: skip
    marker = rollup_day_refresh(day=day, now=noon)  # as if refreshed at noon that day
    assert marker.covered_until == noon - timedelta(minutes=5)
    assert marker.ledger_rows == 1
    assert LedgerRollup.objects.get(day=day).cost_usd == Decimal("0.1")
    period = DateRange("custom", day, day)
    summary = ledger_summary(period)
    assert summary.live == ((marker.covered_until, _midnight(day + timedelta(days=1))),)
    assert spend_per_day(period, summary=summary).total == Decimal("0.123")
    assert [p.calls for p in call_performance(period, summary=summary)] == [3]
    assert top_families(period, summary=summary)[0].calls == 3


def test_the_live_tail_is_read_through_the_created_at_index():
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL plan")
    start = _midnight(_today()) + timedelta(hours=3)
    where = intervals_filter([(start, start + timedelta(minutes=15))])
    # The test table is tiny, where a sequential scan is cheapest: forbid it to see whether
    # the planner can serve the range from an index at all.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in (ledger_groups_query(where), family_groups_query(where)):
            assert "idx_cost_tracking" in query.explain()


def test_the_portable_bucket_ladder_agrees_with_width_bucket():
    if connection.vendor != "postgresql":
        pytest.skip("width_bucket is PostgreSQL's")
    seed_days(days_ago=(2,))
    ledger_row(user=UserFactory(), at=_midnight(_today()) - timedelta(days=2),
               operation="transcription", vendor="local", cost="0", ms=0)  # fmt: skip
    everything = Q(pk__isnull=False)
    assert ledger_groups(everything, ladder=True) == ledger_groups(everything, ladder=False)


def test_the_schedule_and_the_command_refresh_the_rollup():
    seed_days(days_ago=(1, 5))
    schedules_register()
    schedules_register()
    assert Schedule.objects.filter(func="ops.tasks.ledger_rollup").count() == 1
    assert "rows" in tasks.ledger_rollup()
    # today, yesterday and three gaps, newest first
    assert LedgerDay.objects.count() == 5
    rollup_gaps_fill(within=10, limit=50)
    assert LedgerDay.objects.count() == 10

    from io import StringIO

    out = StringIO()
    call_command("ops_rollup", "--days", "7", stdout=out)
    assert "rolled up 7 days (120 ledger rows)" in out.getvalue()
    assert LedgerRollup.objects.filter(day=_today() - timedelta(days=5)).exists()


@pytest.mark.django_db(transaction=True)
def test_overlapping_refreshes_of_a_day_leave_one_set_of_rows():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    seed_days(days_ago=(1,), per_day=30)
    day = _today() - timedelta(days=1)
    errors = []
    barrier = threading.Barrier(4)

    def refresh():
        try:
            barrier.wait()
            for _ in range(3):
                rollup_day_refresh(day=day)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    totals = defaultdict(int)
    for row in LedgerRollup.objects.filter(day=day):
        totals[(row.operation_type, row.vendor)] += 1
    assert totals and set(totals.values()) == {1}
    assert LedgerDay.objects.get(day=day).ledger_rows == 30
