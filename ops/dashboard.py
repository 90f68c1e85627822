"""What the dashboard pages show: selector results, their charts and the links behind them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.utils import timezone

from ai_providers.types import Operation
from stories.models import StoryStatus

from . import links, selectors
from .charts import (
    ALARM,
    Bar,
    BarChart,
    BarRow,
    Marker,
    colour_for,
    dollars,
    safe_svg,
    stacked_bars_svg,
)
from .selectors import DateRange

RANGE_CHOICES = (("today", "Today"), ("7d", "7 days"), ("30d", "30 days"), ("custom", "Custom"))
STATUS_COLOURS = {
    StoryStatus.QUEUED: "#9aa5b1",
    StoryStatus.PROCESSING: "#56B4E9",
    StoryStatus.READY: "#009E73",
    StoryStatus.FAILED: "#D55E00",
}
P50, P95 = "#0072B2", "#a9cce3"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def _spend_charts(period: DateRange, spend: selectors.DailySpend) -> dict[str, Any]:
    by_operation = stacked_bars_svg(
        days=spend.days,
        series=spend.by_operation,
        link=lambda name, day: links.ledger(day=day, operation_type=name),
        label="Spend per day by operation",
    )
    by_vendor = stacked_bars_svg(
        days=spend.days,
        series=spend.by_vendor,
        link=lambda name, day: links.ledger(day=day, vendor=name),
        label="Spend per day by vendor",
    )
    days = [
        {"day": day, "cost": spend.day_totals.get(day, Decimal(0)), "url": links.ledger(day=day)}
        for day in spend.days
    ]
    return {
        "spend_by_operation_svg": safe_svg(by_operation),  # built and escaped in charts.py
        "spend_by_vendor_svg": safe_svg(by_vendor),
        "spend_days": days,
    }


def _cost_chart(period: DateRange, costs: selectors.StoryCosts) -> str:
    url = links.stories(period, status=StoryStatus.READY.value)
    rows = []
    for name, value in (("median", costs.median), ("p95", costs.p95), ("mean", costs.mean)):
        if value is None:
            continue
        colour = ALARM if value > costs.target else "#009E73"
        rows.append(
            BarRow(
                name,
                [Bar(float(value), colour, f"{name} cost per story: ${value}", url)],
                note=dollars(value),
                url=url,
            )
        )
    chart = BarChart(
        "Cost per story against the target",
        rows,
        scale_max=max([float(costs.target) * 2] + [b.value * 1.1 for r in rows for b in r.bars]),
        markers=[Marker(float(costs.target), f"target ${costs.target}")],
        tick_format=dollars,
        label_width=80,
    )
    return chart.svg("costs")


def _latency_chart(period: DateRange, performance: list[selectors.CallPerformance]) -> str:
    rows = []
    for perf in performance:
        url = links.ledger(
            period,
            vendor=perf.vendor,
            operation_type=perf.operation,
            success=True,
            order="-6",  # list_display column 6, processing_time_ms: slowest first
        )
        bars = []
        if perf.p95_ms is not None:
            bars.append(Bar(perf.p95_ms, P95, f"p95 {_ms(perf.p95_ms)}", url))
        if perf.p50_ms is not None:
            bars.append(Bar(perf.p50_ms, P50, f"p50 {_ms(perf.p50_ms)}", url))
        rows.append(
            BarRow(
                perf.vendor,
                bars,
                note=f"{_ms(perf.p50_ms)} / {_ms(perf.p95_ms)}",
                url=url,
                sub=perf.operation,
            )
        )
    return BarChart(
        "Latency p50 (dark) and p95 (light) of successful calls",
        rows,
        tick_format=lambda v: _ms(v),
        row_height=32,
        width=620,
        label_width=150,
    ).svg("latency")


def _funnel_chart(period: DateRange, funnel: selectors.StoryFunnel) -> str:
    rows = [
        BarRow(
            stage.replace("_", " "),
            [
                Bar(
                    count,
                    colour_for(0),
                    f"{count} of {funnel.total} stories finished {stage}",
                    links.stories(period, reached=stage),
                )
            ],
            note=f"{count}",
            url=links.stories(period, reached=stage),
        )
        for stage, count in funnel.reached
    ]
    return BarChart(
        "Stage funnel: stories that finished each stage",
        rows,
        scale_max=max(1, funnel.total),
        label_width=110,
        row_height=22,
    ).svg("funnel")


def _status_chart(period: DateRange, funnel: selectors.StoryFunnel) -> str:
    rows = [
        BarRow(
            status,
            [
                Bar(
                    count,
                    STATUS_COLOURS.get(status, colour_for(0)),
                    f"{count} {status}",
                    links.stories(period, status=status),
                )
            ],
            note=str(count),
            url=links.stories(period, status=status),
        )
        for status, count in funnel.by_status.items()
    ]
    return BarChart(
        "Stories by status", rows, scale_max=max(1, funnel.total), label_width=90, row_height=22
    ).svg("status")


def _in_flight_chart(capacity: selectors.InFlight) -> str:
    limit = capacity.limit
    colour = ALARM if limit and capacity.in_flight >= limit else "#0072B2"
    row = BarRow(
        "in flight",
        [Bar(capacity.in_flight, colour, f"{capacity.in_flight} in flight", links.in_flight())],
        note=f"{capacity.in_flight}" + (f" of {limit}" if limit else " (no cap)"),
        url=links.in_flight(),
    )
    markers = [Marker(limit, f"max {limit}")] if limit else []
    scale = max(limit or 0, capacity.in_flight, 1) * 1.25
    return BarChart(
        "Stories in flight against max_stories_in_flight",
        [row],
        scale_max=scale,
        markers=markers,
        tick_format=lambda v: f"{v:.0f}",
        label_width=80,
        row_height=30,
    ).svg("inflight")


def _performance_rows(period: DateRange, performance: list[selectors.CallPerformance]):
    rows = []
    for perf in performance:
        base = {"vendor": perf.vendor, "operation_type": perf.operation}
        rows.append(
            {
                "perf": perf,
                "calls_url": links.ledger(period, **base),
                "failed_url": links.ledger(period, **base, success=False),
                "fallback_url": links.ledger(period, **base, fallback=True),
                "latency_url": links.ledger(period, **base, success=True, order="-6"),
                "error_rate": _pct(perf.error_rate),
                "fallback_rate": _pct(perf.fallback_rate),
                "p50": _ms(perf.p50_ms),
                "p95": _ms(perf.p95_ms),
            }
        )
    return rows


def period_context(period: DateRange) -> dict[str, Any]:
    return {
        "period": period,
        "range_key": period.key,
        "period_qs": urlencode(period.query()),
    }


def dashboard_context(period: DateRange) -> dict[str, Any]:
    now = timezone.now()
    ledger = selectors.ledger_summary(period, now=now)
    spend = selectors.spend_per_day(period, summary=ledger)
    costs = selectors.story_costs(period)
    performance = selectors.call_performance(period, summary=ledger)
    funnel = selectors.story_funnel(period)
    stuck_count, stuck = selectors.stuck_stories(now=now)
    capacity = selectors.in_flight_capacity()
    queue = selectors.queue_state(now=now)
    alerts = selectors.alerts_summary(period, now=now)
    families = selectors.top_families(period, summary=ledger)
    total_calls = sum(p.calls for p in performance)
    total_failures = sum(p.failures for p in performance)
    return {
        **period_context(period),
        "title": "Operations",
        "page": "dashboard",
        "spend": spend,
        "ledger": ledger,
        **_spend_charts(period, spend),
        "ledger_url": links.ledger(period),
        "failed_calls_url": links.ledger(period, success=False),
        "total_calls": total_calls,
        "total_failures": total_failures,
        "overall_error_rate": _pct(total_failures / total_calls if total_calls else None),
        "costs": costs,
        "costs_svg": safe_svg(_cost_chart(period, costs)),
        "ready_url": links.stories(period, status=StoryStatus.READY.value),
        "performance": _performance_rows(period, performance),
        "latency_svg": safe_svg(_latency_chart(period, performance)),
        "funnel": funnel,
        "stories_url": links.stories(period),
        "status_svg": safe_svg(_status_chart(period, funnel)),
        "funnel_svg": safe_svg(_funnel_chart(period, funnel)),
        "failure_codes": [
            {"code": code, "count": n, "url": links.stories(period, failure_code=code)}
            for code, n in funnel.failure_codes
        ],
        "failed_stories": [
            {"story": s, "url": links.story(s.id)} for s in selectors.recent_failed(period)
        ],
        "stuck_count": stuck_count,
        "stuck_url": links.stories(stuck="yes"),
        "stuck_stories": [{"story": s, "url": links.story(s.id)} for s in stuck],
        "capacity": capacity,
        "in_flight_url": links.in_flight(),
        "in_flight_svg": safe_svg(_in_flight_chart(capacity)),
        "remote_config_url": links.remote_config(),
        "queue": queue,
        "queued_url": links.stories(status=StoryStatus.QUEUED.value),
        "alerts_open": [{"alert": a, "url": links.alerts(kind=a.kind)} for a in alerts.open],
        "alerts_fired": [
            {"kind": kind, "label": label, "count": n, "url": links.alerts(period, kind=kind)}
            for kind, label, n in alerts.fired_in_range
        ],
        "alerts_url": links.alerts(period),
        "families": [
            {
                "family": f,
                # A family with calls but no usage account yet (none is made before the
                # first reservation) has only its ledger rows to show.
                "account_url": links.account(f.user_id)
                if f.tier
                else links.ledger(period, user=f.user_id),
                "ledger_url": links.ledger(period, user=f.user_id),
            }
            for f in families
        ],
    }


def vendors_context(period: DateRange) -> dict[str, Any]:
    operations = []
    for comparison in selectors.vendor_comparison(period):
        rows = _performance_rows(period, comparison.vendors)
        cheapest = min((p.cost_per_call for p in comparison.vendors), default=None)
        for row in rows:
            outcome = comparison.outcomes.get(row["perf"].vendor)
            row["outcome"] = outcome
            row["completion"] = _pct(outcome.completion_rate) if outcome else "—"
            row["success"] = _pct(outcome.success_rate) if outcome else "—"
            row["rating"] = f"{outcome.mean_rating:.2f}" if outcome and outcome.mean_rating else "—"
            row["cheapest"] = row["perf"].cost_per_call == cheapest
        operations.append(
            {
                "operation": comparison.operation,
                "rows": rows,
                "with_outcomes": comparison.operation == Operation.STORY_GENERATION.value,
                "latency_svg": safe_svg(_latency_chart(period, comparison.vendors)),
            }
        )
    return {
        **period_context(period),
        "title": "Vendor comparison",
        "page": "vendors",
        "operations": operations,
    }
