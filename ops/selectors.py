"""Reads behind the Operations dashboard, the vendor comparison and ``/metrics``.

Ledger figures (``ai_operations``, millions of rows) come from the daily rollup
(``models.LedgerRollup``, ``models.FamilyRollup``) for complete days and from one live GROUP BY
over the ledger for the rest (today, days not rolled up yet): ``ledger_summary``. Latency
percentiles come from merged histograms (``ops.rollup``). Story figures are aggregated in the
database, their percentiles by PostgreSQL's ``percentile_cont``; on SQLite (offline
development) those are computed in Python.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.postgres.fields import ArrayField
from django.db import connection, transaction
from django.db.models import Aggregate, Avg, Count, FloatField, Min, Q, Sum
from django.utils import timezone

from ai_providers.models import AIOperation
from ai_providers.types import Operation
from experiments.models import PromptAnalytics
from remoteconfig.selectors import config_get
from stories.models import Stage, Story, StoryStatus
from usage.models import (
    AlertEvent,
    AlertState,
    ReservationKind,
    ReservationState,
    UsageAccount,
    UsageReservation,
)

from .errors import InvalidDateRange
from .models import FamilyRollup, LedgerDay, LedgerRollup
from .rollup import (
    DAY,
    Interval,
    LedgerGroup,
    day_start,
    family_groups,
    family_totals,
    histogram_add,
    histogram_quantile,
    intervals_filter,
    intervals_merge,
    ledger_groups,
)

SUM_PLACES = Decimal("0.0001")
COST_PER_STORY_TARGET = Decimal("0.50")  # spec section 8: average cost per story < $0.50
RANGES = {"today": 1, "7d": 7, "30d": 30}
MAX_CUSTOM_DAYS = 366
IN_FLIGHT = (StoryStatus.QUEUED, StoryStatus.PROCESSING)


class Percentiles(Aggregate):
    """PostgreSQL's ordered-set ``percentile_cont(ARRAY[...]) WITHIN GROUP (ORDER BY expr)``:
    several percentiles from one sort."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(ARRAY[%(fractions)s]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = ArrayField(FloatField())

    def __init__(self, expression: str, fractions: tuple[float, ...], **extra: Any) -> None:
        if not fractions or not all(0 <= f <= 1 for f in fractions):
            raise ValueError("fractions must be between 0 and 1")
        listed = ", ".join(f"{float(f):.4f}::float8" for f in fractions)
        super().__init__(expression, fractions=listed, **extra)


@contextmanager
def roomy_sorts() -> Iterator[None]:
    """Dashboard reads in one transaction with enough ``work_mem`` that grouping and sorting
    a month of the ledger stays in memory instead of spilling to disk."""
    with transaction.atomic():
        if _postgres():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")
        yield


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _quantile(values: list[float], fraction: float) -> float | None:
    """Linear interpolation like ``percentile_cont`` (the SQLite path)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _money(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(SUM_PLACES, rounding=ROUND_HALF_UP)


# --- the date range ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DateRange:
    """Whole UTC days: ``start`` is midnight of the first day, ``end`` midnight after the last."""

    key: str  # today | 7d | 30d | custom
    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def days(self) -> list[date]:
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=i) for i in range(count)]

    def query(self) -> dict[str, str]:
        if self.key == "custom":
            return {"range": "custom", "start": str(self.first_day), "end": str(self.last_day)}
        return {"range": self.key}


def date_range_parse(params: dict[str, str], *, now: datetime | None = None) -> DateRange:
    """``range`` = today | 7d | 30d (default 7d) | custom with ``start`` and ``end``
    (YYYY-MM-DD, both included). Raises ``InvalidDateRange`` naming the bad value."""
    today = (now or timezone.now()).astimezone(UTC).date()
    key = (params.get("range") or "7d").strip()
    if key in RANGES:
        return DateRange(key, today - timedelta(days=RANGES[key] - 1), today)
    if key != "custom":
        raise InvalidDateRange(
            f"range must be one of today, 7d, 30d or custom, not {key[:20]!r}.", field="range"
        )
    parsed = {}
    for name in ("start", "end"):
        raw = (params.get(name) or "").strip()
        if not raw:
            raise InvalidDateRange(f"A custom range needs {name} (YYYY-MM-DD).", field=name)
        try:
            parsed[name] = date.fromisoformat(raw)
        except ValueError:
            raise InvalidDateRange(
                f"{name} must be a date as YYYY-MM-DD, not {raw[:20]!r}.", field=name
            ) from None
    if parsed["end"] < parsed["start"]:
        raise InvalidDateRange("end must not be before start.", field="end")
    if parsed["start"] > today:
        raise InvalidDateRange("start must not be in the future.", field="start")
    if (parsed["end"] - parsed["start"]).days + 1 > MAX_CUSTOM_DAYS:
        raise InvalidDateRange(
            f"A custom range covers at most {MAX_CUSTOM_DAYS} days.", field="start"
        )
    return DateRange("custom", parsed["start"], parsed["end"])


# --- the ledger ----------------------------------------------------------------------------------


def _ledger(period: DateRange):
    return AIOperation.objects.filter(created_at__gte=period.start, created_at__lt=period.end)


@dataclass(frozen=True)
class LedgerSummary:
    """The ledger over a range per (day, operation, vendor): from the daily rollup as far as it
    goes (``LedgerDay.covered_until``), the rest (the last minutes of today, days not rolled up
    yet) aggregated live by the query the rollup is computed with, so the sum is exact."""

    groups: list[LedgerGroup]
    rolled_up: frozenset[date]  # days read (up to their covered_until) from the rollup
    live: tuple[Interval, ...]  # created_at intervals read from the ledger
    covered_until: datetime | None  # the newest covered_until of the rolled-up days
    not_rolled_up: tuple[date, ...]  # days of the range read wholly live


def ledger_summary(period: DateRange, *, now: datetime | None = None) -> LedgerSummary:
    now = now or timezone.now()
    markers = dict(
        LedgerDay.objects.filter(day__gte=period.first_day, day__lte=period.last_day).values_list(
            "day", "covered_until"
        )
    )
    groups = [
        LedgerGroup(
            day=r.day,
            operation=r.operation_type,
            vendor=r.vendor,
            calls=r.calls,
            failures=r.failures,
            fallbacks=r.fallbacks,
            cost=r.cost_usd,
            latency=list(r.latency_histogram),
        )
        for r in LedgerRollup.objects.filter(day__in=list(markers))
    ]
    live = intervals_merge(
        (markers.get(day, day_start(day)), min(day_start(day) + DAY, now)) for day in period.days
    )
    if live:
        groups += ledger_groups(intervals_filter(live))
    return LedgerSummary(
        groups=groups,
        rolled_up=frozenset(markers),
        live=tuple(live),
        covered_until=max(markers.values(), default=None),
        not_rolled_up=tuple(day for day in period.days if day not in markers),
    )


@dataclass(frozen=True)
class DailySpend:
    days: list[date]
    by_operation: dict[str, dict[date, Decimal]]  # series -> day -> cost
    by_vendor: dict[str, dict[date, Decimal]]
    day_totals: dict[date, Decimal]
    total: Decimal
    calls: int


def spend_per_day(period: DateRange, *, summary: LedgerSummary | None = None) -> DailySpend:
    """Both stacks and the totals from the (day, operation, vendor) groups."""
    summary = summary or ledger_summary(period)
    by_operation: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    by_vendor: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    day_totals: dict[date, Decimal] = defaultdict(Decimal)
    calls = 0
    for group in summary.groups:
        by_operation[group.operation][group.day] += group.cost
        by_vendor[group.vendor][group.day] += group.cost
        day_totals[group.day] += group.cost
        calls += group.calls
    return DailySpend(
        days=period.days,
        by_operation={k: dict(v) for k, v in sorted(by_operation.items())},
        by_vendor={k: dict(v) for k, v in sorted(by_vendor.items())},
        day_totals=dict(day_totals),
        total=sum(day_totals.values(), Decimal(0)),
        calls=calls,
    )


def ledger_total(period: DateRange) -> Decimal:
    """The ledger's plain sum over the range (what the per-day figures must add up to)."""
    return _ledger(period).aggregate(s=Sum("cost_usd"))["s"] or Decimal(0)


@dataclass(frozen=True)
class CallPerformance:
    vendor: str
    operation: str
    calls: int
    failures: int
    fallbacks: int  # attempts made on a provider after the first in the chain failed
    cost: Decimal
    p50_ms: float | None  # of successful attempts, from the latency histogram
    p95_ms: float | None

    @property
    def error_rate(self) -> float:
        return self.failures / self.calls if self.calls else 0.0

    @property
    def fallback_rate(self) -> float:
        return self.fallbacks / self.calls if self.calls else 0.0

    @property
    def cost_per_call(self) -> Decimal:
        if not self.calls:
            return Decimal(0)
        return (self.cost / self.calls).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def call_performance(
    period: DateRange, *, summary: LedgerSummary | None = None
) -> list[CallPerformance]:
    """Calls, failures, fallbacks, cost and p50/p95 latency per (vendor, operation): the days'
    groups added up, their latency histograms merged."""
    summary = summary or ledger_summary(period)
    merged: dict[tuple[str, str], LedgerGroup] = {}
    for group in summary.groups:
        key = (group.operation, group.vendor)
        total = merged.get(key)
        if total is None:
            total = merged[key] = LedgerGroup(period.first_day, group.operation, group.vendor)
        total.calls += group.calls
        total.failures += group.failures
        total.fallbacks += group.fallbacks
        total.cost += group.cost
        histogram_add(total.latency, group.latency)
    return [
        CallPerformance(
            vendor=total.vendor,
            operation=total.operation,
            calls=total.calls,
            failures=total.failures,
            fallbacks=total.fallbacks,
            cost=total.cost,
            p50_ms=histogram_quantile(total.latency, 0.5),
            p95_ms=histogram_quantile(total.latency, 0.95),
        )
        for _, total in sorted(merged.items())
    ]


@dataclass(frozen=True)
class FamilySpend:
    user_id: uuid.UUID
    username: str
    cost: Decimal
    calls: int
    tier: str
    daily_cost_limit: Decimal | None
    monthly_cost_limit: Decimal | None
    monthly_cost: Decimal | None
    warning_count: int
    is_blocked: bool


def top_families(
    period: DateRange, *, limit: int = 10, summary: LedgerSummary | None = None
) -> list[FamilySpend]:
    """The families that spent most: ``FamilyRollup`` for the rolled-up days, the ledger for
    the others (the same days as ``summary``)."""
    summary = summary or ledger_summary(period)
    totals: dict[uuid.UUID | None, list] = defaultdict(lambda: [Decimal(0), 0])
    rolled = (
        FamilyRollup.objects.filter(day__in=list(summary.rolled_up))
        .values("user_id")
        .annotate(cost=Sum("cost_usd"), calls=Sum("calls"))
        .order_by()
    )
    for row in rolled:
        totals[row["user_id"]][0] += row["cost"] or Decimal(0)
        totals[row["user_id"]][1] += row["calls"]
    if summary.live:
        live = family_groups(intervals_filter(summary.live))
        for user_id, (cost, calls) in family_totals(live).items():
            totals[user_id][0] += cost
            totals[user_id][1] += calls
    # Highest spend first; ties by id (None, anonymised rows, after the families).
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1][0], kv[0] is None, str(kv[0])))
    rows = [{"user_id": u, "cost": c, "calls": n} for u, (c, n) in ranked[:limit]]
    ids = [r["user_id"] for r in rows]
    accounts = UsageAccount.objects.in_bulk(ids)
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    found = []
    for row in rows:
        account = accounts.get(row["user_id"])
        found.append(
            FamilySpend(
                user_id=row["user_id"],
                username=names.get(row["user_id"], str(row["user_id"])),
                cost=_money(row["cost"]),
                calls=row["calls"],
                tier=account.current_tier if account else "",
                daily_cost_limit=account.daily_cost_limit if account else None,
                monthly_cost_limit=account.monthly_cost_limit if account else None,
                monthly_cost=account.monthly_cost_usd if account else None,
                warning_count=account.warning_count if account else 0,
                is_blocked=account.is_blocked if account else False,
            )
        )
    return found


# --- stories -----------------------------------------------------------------------------------


def _stories(period: DateRange):
    return Story.objects.filter(created_at__gte=period.start, created_at__lt=period.end)


@dataclass(frozen=True)
class StoryCosts:
    stories: int  # ready stories in the range
    median: Decimal | None
    p95: Decimal | None
    mean: Decimal | None
    over_target: int
    target: Decimal = COST_PER_STORY_TARGET


def story_costs(period: DateRange) -> StoryCosts:
    """Cost per finished story (``Story.total_cost_usd``, summed from its ledger rows)."""
    ready = _stories(period).filter(status=StoryStatus.READY, total_cost_usd__isnull=False)
    aggregates: dict[str, Any] = {
        "n": Count("id"),
        "mean": Avg("total_cost_usd"),
        "over": Count("id", filter=Q(total_cost_usd__gt=COST_PER_STORY_TARGET)),
    }
    if _postgres():
        aggregates["pct"] = Percentiles("total_cost_usd", (0.5, 0.95))
    row = ready.aggregate(**aggregates)
    if _postgres():
        row["median"], row["p95"] = row["pct"] or (None, None)
    else:
        costs = [float(c) for c in ready.values_list("total_cost_usd", flat=True)]
        row["median"], row["p95"] = _quantile(costs, 0.5), _quantile(costs, 0.95)

    def money(value: Any) -> Decimal | None:
        return None if value is None else _money(Decimal(str(value)))

    return StoryCosts(
        stories=row["n"],
        median=money(row["median"]),
        p95=money(row["p95"]),
        mean=money(row["mean"]),
        over_target=row["over"],
    )


@dataclass(frozen=True)
class StoryFunnel:
    total: int
    by_status: dict[str, int]
    reached: list[tuple[str, int]]  # stage -> stories that completed it, in pipeline order
    failure_codes: list[tuple[str, int]]


def story_funnel(period: DateRange) -> StoryFunnel:
    stories = _stories(period)
    aggregates: dict[str, Any] = {"total": Count("id")}
    for status in StoryStatus:
        aggregates[f"s_{status.value}"] = Count("id", filter=Q(status=status))
    if _postgres():
        for stage in Stage:
            aggregates[f"r_{stage.value}"] = Count(
                "id", filter=Q(completed_stages__contains=[stage.value])
            )
    row = stories.aggregate(**aggregates)
    if not _postgres():  # SQLite has no JSON containment: count the stage lists in Python
        reached = Counter(
            stage for stages in stories.values_list("completed_stages", flat=True)
            for stage in set(stages or ())
        )  # fmt: skip
        row.update({f"r_{s.value}": reached[s.value] for s in Stage})
    codes = (
        stories.filter(status=StoryStatus.FAILED)
        .values("failure_code")
        .annotate(n=Count("id"))
        .order_by("-n", "failure_code")
    )
    return StoryFunnel(
        total=row["total"],
        by_status={s.value: row[f"s_{s.value}"] for s in StoryStatus},
        reached=[(s.value, row[f"r_{s.value}"]) for s in Stage],
        failure_codes=[(r["failure_code"] or "(none)", r["n"]) for r in codes],
    )


def stuck_before(*, now: datetime | None = None) -> datetime:
    """Stories queued or processing with no change since this moment are "stuck"."""
    return (now or timezone.now()) - timedelta(minutes=int(settings.MIRA_OPS_STUCK_MINUTES))


def stuck_stories(*, now: datetime | None = None, limit: int = 10) -> tuple[int, list[Story]]:
    stuck = Story.objects.filter(status__in=IN_FLIGHT, updated_at__lt=stuck_before(now=now))
    rows = list(
        stuck.select_related("kid").only(
            "id", "status", "current_stage", "attempts", "updated_at", "created_at", "kid__name"
        )[:limit]
    )
    return stuck.count(), rows


def recent_failed(period: DateRange, *, limit: int = 10) -> list[Story]:
    return list(
        _stories(period)
        .filter(status=StoryStatus.FAILED)
        .only("id", "failure_code", "failure_detail", "current_stage", "finished_at", "created_at")
        .order_by("-created_at")[:limit]
    )


def stories_by_status() -> dict[str, int]:
    rows = Story.objects.values("status").annotate(n=Count("id")).order_by()
    counts = {s.value: 0 for s in StoryStatus}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


@dataclass(frozen=True)
class InFlight:
    in_flight: int
    limit: int | None  # ``max_stories_in_flight``; None: no cap

    @property
    def share(self) -> float | None:
        if not self.limit:
            return None
        return self.in_flight / self.limit


def in_flight_capacity() -> InFlight:
    return InFlight(
        in_flight=Story.objects.filter(status__in=IN_FLIGHT).count(),
        limit=config_get("max_stories_in_flight"),
    )


@dataclass(frozen=True)
class QueueState:
    broker_depth: int | None  # None: the broker could not be asked
    queued_stories: int
    oldest_queued_seconds: float


def broker_queue_depth() -> int | None:
    from django_q.brokers import get_broker

    try:
        return int(get_broker().queue_size())
    except Exception:  # a broker that is down has no depth to report; readyz says why
        return None


def queue_state(*, now: datetime | None = None) -> QueueState:
    now = now or timezone.now()
    queued = Story.objects.filter(status=StoryStatus.QUEUED).aggregate(
        n=Count("id"), oldest=Min("created_at")
    )
    oldest = queued["oldest"]
    return QueueState(
        broker_depth=broker_queue_depth(),
        queued_stories=queued["n"],
        oldest_queued_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
    )


def open_reservations() -> dict[str, tuple[int, Decimal]]:
    """Open reservations per kind: (count, dollars still held)."""
    found = {k.value: (0, Decimal(0)) for k in ReservationKind}
    rows = (
        UsageReservation.objects.filter(state=ReservationState.OPEN)
        .values("kind")
        .annotate(n=Count("id"), amount=Sum("amount_usd"), remaining=Sum("remaining_usd"))
        .order_by()
    )
    for row in rows:
        held = row["remaining"] if row["kind"] == ReservationKind.STORY else row["amount"]
        found[row["kind"]] = (row["n"], held or Decimal(0))
    return found


# --- alerts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenAlert:
    kind: str
    key: str
    message: str
    fired_at: datetime
    repeats: int  # crossings swallowed by de-duplication since it fired: still crossing


@dataclass(frozen=True)
class AlertsSummary:
    open: list[OpenAlert]
    fired_in_range: list[tuple[str, str, int]]  # (kind, label, count)


def open_alerts(*, now: datetime | None = None) -> list[OpenAlert]:
    """Alerts fired within the de-duplication window: the evaluator (every
    ``MIRA_ALERT_EVERY_MINUTES``) fires again after the window while a threshold stays crossed,
    so these are the ones in force. Read from the stored alerts, not re-evaluated per view."""
    since = (now or timezone.now()) - timedelta(minutes=int(settings.MIRA_ALERT_DEDUP_MINUTES))
    events = AlertEvent.objects.filter(created_at__gte=since).order_by("-created_at")[:50]
    latest: dict[str, AlertEvent] = {}
    for event in events:
        latest.setdefault(event.key, event)
    repeats = dict(AlertState.objects.filter(key__in=latest).values_list("key", "suppressed"))
    return [
        OpenAlert(e.kind, e.key, e.message, e.created_at, repeats.get(e.key, 0))
        for e in latest.values()
    ]


def alerts_summary(period: DateRange, *, now: datetime | None = None) -> AlertsSummary:
    fired = (
        AlertEvent.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
        .values("kind")
        .annotate(n=Count("id"))
        .order_by("-n", "kind")
    )
    labels = dict(AlertEvent._meta.get_field("kind").choices)
    return AlertsSummary(
        open=open_alerts(now=now),
        fired_in_range=[(r["kind"], labels.get(r["kind"], r["kind"]), r["n"]) for r in fired],
    )


# --- vendor comparison --------------------------------------------------------------------------


@dataclass(frozen=True)
class StoryOutcomes:
    """Experiment outcomes of the stories a vendor wrote (``prompt_analytics`` rows)."""

    uses: int
    rated: int
    mean_rating: float | None
    played: int
    completed: int
    finished: int
    succeeded: int

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.played if self.played else None

    @property
    def success_rate(self) -> float | None:
        return self.succeeded / self.finished if self.finished else None


def story_outcomes_by_vendor(period: DateRange) -> dict[str, StoryOutcomes]:
    rows = (
        PromptAnalytics.objects.filter(
            created_at__gte=period.start,
            created_at__lt=period.end,
            operation__operation_type=Operation.STORY_GENERATION.value,
        )
        .values("operation__vendor")
        .annotate(
            uses=Count("id"),
            rated=Count("user_rating"),
            mean_rating=Avg("user_rating"),
            played=Count("id", filter=Q(completed__isnull=False)),
            completed=Count("id", filter=Q(completed=True)),
            finished=Count("id", filter=Q(success__isnull=False)),
            succeeded=Count("id", filter=Q(success=True)),
        )
        .order_by("operation__vendor")
    )
    return {
        r["operation__vendor"]: StoryOutcomes(
            uses=r["uses"],
            rated=r["rated"],
            mean_rating=float(r["mean_rating"]) if r["mean_rating"] is not None else None,
            played=r["played"],
            completed=r["completed"],
            finished=r["finished"],
            succeeded=r["succeeded"],
        )
        for r in rows
    }


@dataclass(frozen=True)
class OperationComparison:
    operation: str
    vendors: list[CallPerformance]
    outcomes: dict[str, StoryOutcomes] = field(default_factory=dict)


def vendor_comparison(period: DateRange) -> list[OperationComparison]:
    """Per operation, its vendors side by side; story generation adds experiment outcomes."""
    grouped: dict[str, list[CallPerformance]] = defaultdict(list)
    for perf in call_performance(period):
        grouped[perf.operation].append(perf)
    outcomes = story_outcomes_by_vendor(period)
    found = []
    for operation in Operation:
        vendors = grouped.get(operation.value, [])
        if not vendors:
            continue
        extra = outcomes if operation == Operation.STORY_GENERATION else {}
        found.append(OperationComparison(operation.value, vendors, extra))
    return found
