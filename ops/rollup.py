"""The ledger aggregated per (UTC day, operation, vendor) and per (UTC day, family): the shape
the daily rollup stores (``models.LedgerRollup``, ``models.FamilyRollup``) and the live
aggregate the dashboard reads for days the rollup does not hold yet (today, a day not yet
refreshed). One module so both are computed by the same query.

Latency is kept as a histogram of successful attempts over fixed, log-spaced bucket
boundaries (``LATENCY_BOUNDS``, integer milliseconds at powers of 2^(1/8), so each bucket is
at most ~9% wide and 1 ms wide below 12 ms). Histograms of several days or vendors merge by
adding counts; p50/p95 read from a merged histogram are within one bucket of the exact ones.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, F, Func, IntegerField, Q, Sum, Value, When
from django.db.models.functions import TruncDate

from ai_providers.models import AIOperation

# Bucket 0 is [0, LATENCY_BOUNDS[0]); bucket i is [LATENCY_BOUNDS[i-1], LATENCY_BOUNDS[i]);
# the last, len(LATENCY_BOUNDS), is everything from LATENCY_BOUNDS[-1] ms (about 17 minutes).
STEPS_PER_DOUBLING = 8
LATENCY_BOUNDS: tuple[int, ...] = tuple(
    sorted({math.ceil(2 ** (i / STEPS_PER_DOUBLING)) for i in range(20 * STEPS_PER_DOUBLING + 1)})
)
BUCKETS = len(LATENCY_BOUNDS) + 1


def bucket_of(ms: float) -> int:
    """The bucket a latency falls in (what the database computes per row)."""
    low, high = 0, len(LATENCY_BOUNDS)
    while low < high:  # first bound greater than ms
        middle = (low + high) // 2
        if LATENCY_BOUNDS[middle] <= ms:
            low = middle + 1
        else:
            high = middle
    return low


def bucket_range(index: int) -> tuple[int, int | None]:
    """[low, high) of a bucket in ms; high is None for the last, open-ended one."""
    low = 0 if index == 0 else LATENCY_BOUNDS[index - 1]
    high = LATENCY_BOUNDS[index] if index < len(LATENCY_BOUNDS) else None
    return low, high


def histogram_add(into: list[int], counts: Iterable[int]) -> list[int]:
    """Add ``counts`` to ``into`` bucket by bucket (stored histograms are trimmed after their
    last non-empty bucket, so they may be shorter than ``BUCKETS``)."""
    for index, count in enumerate(counts):
        if count:
            if index >= len(into):
                into.extend([0] * (index + 1 - len(into)))
            into[index] += count
    return into


def histogram_trim(counts: list[int]) -> list[int]:
    end = len(counts)
    while end and not counts[end - 1]:
        end -= 1
    return counts[:end]


def histogram_quantile(counts: list[int], fraction: float) -> float | None:
    """The ``fraction`` quantile of a histogram, ranked like ``percentile_cont`` (position
    ``fraction * (n - 1)``) and placed inside its bucket as if the bucket's values were spread
    evenly over the whole milliseconds it covers. None for an empty histogram."""
    total = sum(counts)
    if not total:
        return None
    rank = fraction * (total - 1)
    seen = 0
    for index, count in enumerate(counts):
        if not count:
            continue
        if rank < seen + count:
            low, high = bucket_range(index)
            if high is None:
                return float(low)
            within = (rank - seen + 0.5) / count
            return low + (high - 1 - low) * min(1.0, within)
        seen += count
    low, _ = bucket_range(len(counts) - 1)  # unreachable: rank < total
    return float(low)


@dataclass
class LedgerGroup:
    """One (day, operation, vendor) of the ledger: what a ``LedgerRollup`` row holds."""

    day: date
    operation: str
    vendor: str
    calls: int = 0
    failures: int = 0
    fallbacks: int = 0  # attempts with ``metadata.hop > 1``
    cost: Decimal = Decimal(0)
    latency: list[int] = field(default_factory=list)  # successful attempts per bucket


@dataclass
class FamilyGroup:
    day: date
    user_id: uuid.UUID | None  # None: rows anonymised when their family deleted its account
    calls: int = 0
    cost: Decimal = Decimal(0)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


DAY = timedelta(days=1)
Interval = tuple[datetime, datetime]  # [start, end) of ``created_at``


def intervals_merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with touching or overlapping intervals joined, empty ones dropped."""
    merged: list[list[datetime]] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def intervals_filter(intervals: Iterable[Interval]) -> Q:
    """``created_at`` within any of these intervals: one range per interval, so each is an
    index range scan on ``idx_cost_tracking (created_at, cost_usd)``."""
    where = Q(pk__in=[])  # matches nothing: no intervals, no rows
    for start, end in intervals_merge(intervals):
        where |= Q(created_at__gte=start, created_at__lt=end)
    return where


class _WidthBucket(Func):
    """PostgreSQL's ``width_bucket(ms, ARRAY[bounds])``: the bucket index by binary search.
    The bounds are this module's constants, written into the SQL as integer literals."""

    template = (
        "width_bucket(%(expressions)s, ARRAY["
        + ",".join(str(b) for b in LATENCY_BOUNDS)
        + "]::integer[])"
    )
    output_field = IntegerField()


def _bucket_expression(*, ladder: bool | None = None):
    if ladder is None:
        ladder = connection.vendor != "postgresql"
    if not ladder:
        bucket = _WidthBucket(F("processing_time_ms"))
    else:  # SQLite (offline development): the same buckets as a CASE ladder
        bucket = Case(
            *[
                When(processing_time_ms__lt=bound, then=Value(index))
                for index, bound in enumerate(LATENCY_BOUNDS)
            ],
            default=Value(len(LATENCY_BOUNDS)),
            output_field=IntegerField(),
        )
    # Failed attempts have no latency worth ranking: they fall in no bucket.
    return Case(When(success=True, then=bucket), default=Value(None), output_field=IntegerField())


def ledger_groups_query(where: Q, *, ladder: bool | None = None):
    """One GROUP BY (day, operation, vendor, latency bucket) over the ledger rows matching
    ``where``. ``ladder`` forces the portable CASE form of the bucket (default: SQLite only)."""
    return (
        AIOperation.objects.filter(where)
        .annotate(day=TruncDate("created_at", tzinfo=UTC), bucket=_bucket_expression(ladder=ladder))
        .values("day", "operation_type", "vendor", "bucket")
        .annotate(
            calls=Count("id"),
            failures=Count("id", filter=Q(success=False)),
            fallbacks=Count("id", filter=Q(metadata__hop__gt=1)),
            cost=Sum("cost_usd"),
        )
        .order_by()
    )


def ledger_groups(where: Q, *, ladder: bool | None = None) -> list[LedgerGroup]:
    """The ledger rows matching ``where`` per (UTC day, operation, vendor), with latency
    histograms of the successful ones."""
    rows = ledger_groups_query(where, ladder=ladder)
    groups: dict[tuple[date, str, str], LedgerGroup] = {}
    for row in rows:
        key = (row["day"], row["operation_type"], row["vendor"])
        group = groups.get(key)
        if group is None:
            group = groups[key] = LedgerGroup(*key)
        group.calls += row["calls"]
        group.failures += row["failures"]
        group.fallbacks += row["fallbacks"]
        group.cost += row["cost"] or Decimal(0)
        if row["bucket"] is not None:
            counts = [0] * (row["bucket"] + 1)
            counts[row["bucket"]] = row["calls"] - row["failures"]
            histogram_add(group.latency, counts)
    return sorted(groups.values(), key=lambda g: (g.day, g.operation, g.vendor))


def family_groups_query(where: Q):
    return (
        AIOperation.objects.filter(where)
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day", "user_id")
        .annotate(calls=Count("id"), cost=Sum("cost_usd"))
        .order_by()
    )


def family_groups(where: Q) -> list[FamilyGroup]:
    """The ledger rows matching ``where`` per (UTC day, family)."""
    rows = family_groups_query(where)
    return [FamilyGroup(r["day"], r["user_id"], r["calls"], r["cost"] or Decimal(0)) for r in rows]


def family_totals(groups: Iterable[FamilyGroup]) -> dict[uuid.UUID | None, tuple[Decimal, int]]:
    totals: dict[uuid.UUID | None, list] = defaultdict(lambda: [Decimal(0), 0])
    for group in groups:
        totals[group.user_id][0] += group.cost
        totals[group.user_id][1] += group.calls
    return {user: (cost, calls) for user, (cost, calls) in totals.items()}
