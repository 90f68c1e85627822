"""From per-group summaries to results and a decision; pure, so simulations can call it.

``analyse`` compares every variant with the control on the primary metric (fixed-horizon
test and lift for reading, the mSPRT with Holm's correction for deciding) and on the three
guardrails, and says which variants breached a guardrail and which variant, if any, wins.
The definitions are in ``docs/experiments.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import statistics as st

# Each metric: is it a rate or a mean, and which direction is better.
MEAN, RATE = "mean", "rate"


@dataclass(frozen=True)
class MetricSpec:
    kind: str
    higher_is_better: bool
    label: str
    unit: str = ""
    # The values the metric can take (None: unbounded); charts never draw outside them.
    low: float | None = None
    high: float | None = None

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        if self.kind == RATE:
            return (0.0, 1.0)
        return (self.low, self.high)


METRICS: dict[str, MetricSpec] = {
    "user_rating": MetricSpec(MEAN, True, "Rating", "stars", low=1.0, high=5.0),
    "completion_rate": MetricSpec(RATE, True, "Completion rate"),
    "cost_per_story": MetricSpec(MEAN, False, "Cost per story", "USD", low=0.0),
    "failure_rate": MetricSpec(RATE, False, "Failure rate"),
    "safety_rejection_rate": MetricSpec(RATE, False, "Safety rejection rate"),
}
# The primary metric "cost_efficiency" is measured as cost per story (lower is better).
PRIMARY_SOURCE = {
    "user_rating": "user_rating",
    "completion_rate": "completion_rate",
    "cost_efficiency": "cost_per_story",
}
GUARDRAILS = ("safety_rejection_rate", "failure_rate", "cost_per_story")
# Rates in percentage points (absolute), cost in percent of the control's cost (relative).
DEFAULT_GUARDRAIL_MARGINS: dict[str, float] = {
    "safety_rejection_rate": 0.0,
    "failure_rate": 2.0,
    "cost_per_story": 10.0,
}
# The plug-in variance behind the sequential test needs some data before it means anything;
# below this many users in either arm a guardrail is reported but cannot stop a variant.
GUARDRAIL_MIN_USERS = 30


def guardrail_margins(custom: Mapping[str, Any] | None) -> dict[str, float]:
    margins = dict(DEFAULT_GUARDRAIL_MARGINS)
    for key, value in (custom or {}).items():
        margins[key] = float(value)
    return margins


@dataclass(frozen=True)
class Plan:
    groups: Mapping[str, str]  # group → version, control first
    primary_metric: str
    alpha: float
    minimum_sample_size: int  # users per arm with a primary-metric observation
    success_threshold: float | None = None  # minimum relative improvement, in percent
    guardrail_margins: Mapping[str, float] = field(default_factory=dict)
    stopped: frozenset[str] = frozenset()

    @property
    def control(self) -> str:
        return next(iter(self.groups))

    @property
    def variants(self) -> list[str]:
        return list(self.groups)[1:]

    @property
    def primary_source(self) -> str:
        return PRIMARY_SOURCE[self.primary_metric]


GroupData = Mapping[str, st.Summary]  # metric name → summary over users


@dataclass
class Analysis:
    groups: dict[str, dict[str, Any]]
    comparisons: dict[str, dict[str, Any]]
    srm: st.SRMResult
    breaches: dict[str, list[str]]  # variant → human-readable guardrail breaches
    winner: str | None
    reasons: list[str]

    def as_json(self) -> dict[str, Any]:
        return _clean(
            {
                "groups": self.groups,
                "comparisons": self.comparisons,
                "srm": {
                    "statistic": self.srm.statistic,
                    "df": self.srm.df,
                    "p_value": self.srm.p_value,
                    "flagged": self.srm.flagged,
                },
                "breaches": self.breaches,
                "winner": self.winner,
                "reasons": self.reasons,
            }
        )


def _clean(value: Any) -> Any:
    """JSON for PostgreSQL: NaN and infinities are not JSON, they become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _describe(summary: st.Summary) -> dict[str, Any]:
    low, high = st.interval(summary)
    described: dict[str, Any] = {"n": summary.n, "mean": summary.mean, "low": low, "high": high}
    if isinstance(summary, st.RateSummary):
        described["successes"] = summary.successes
    return described


def _sequential(
    control: st.Summary, variant: st.Summary, *, alpha: float, planned_n: float
) -> st.SequentialResult:
    return st.msprt(
        difference=variant.mean - control.mean,
        variance=st.difference_variance(control, variant),
        n=control.n + variant.n,
        planned_n=planned_n,
        alpha=alpha,
    )


def analyse(plan: Plan, data: Mapping[str, GroupData], srm: st.SRMResult) -> Analysis:
    control = plan.control
    source = plan.primary_source
    spec = METRICS[source]
    planned_n = 2 * plan.minimum_sample_size
    margins = guardrail_margins(plan.guardrail_margins)

    groups = {
        name: {
            "version": version,
            "stopped": name in plan.stopped,
            "metrics": {m: _describe(s) for m, s in data[name].items()},
        }
        for name, version in plan.groups.items()
    }

    comparisons: dict[str, dict[str, Any]] = {}
    sequential_p: dict[str, float] = {}
    breaches: dict[str, list[str]] = {}
    c_data = data[control]
    for variant in plan.variants:
        v_data = data[variant]
        c, v = c_data[source], v_data[source]
        test = st.fixed_horizon_test(c, v)
        lift = st.relative_lift(c, v)
        seq = _sequential(c, v, alpha=plan.alpha, planned_n=planned_n)
        # A stopped variant can no longer win, but it stays in Holm's family: dropping it
        # would loosen the threshold for the others after the fact.
        sequential_p[variant] = 1.0 if variant in plan.stopped else seq.p_value
        comparisons[variant] = {
            "primary": {
                "metric": plan.primary_metric,
                "difference": test.difference,
                "standard_error": test.standard_error,
                "statistic": test.statistic,
                "df": test.df,
                "p_value": test.p_value,
                "lift": lift.estimate,
                "lift_low": lift.low,
                "lift_high": lift.high,
                "sequential_p": seq.p_value,
                "sequential_low": seq.low,
                "sequential_high": seq.high,
            },
            "guardrails": {},
        }
        for name in GUARDRAILS:
            g_spec = METRICS[name]
            gc, gv = c_data[name], v_data[name]
            g_seq = _sequential(gc, gv, alpha=plan.alpha, planned_n=planned_n)
            # "Worse" is up for all three guardrails; the margin in the metric's own units.
            if name == "cost_per_story":
                margin = margins[name] / 100 * gc.mean if gc.n else math.nan
            else:
                margin = margins[name] / 100
            worse_bound = g_seq.low if not g_spec.higher_is_better else -g_seq.high
            enough = min(gc.n, gv.n) >= GUARDRAIL_MIN_USERS
            breached = bool(enough and not math.isnan(worse_bound) and worse_bound > margin)
            comparisons[variant]["guardrails"][name] = {
                "difference": gv.mean - gc.mean,
                "low": g_seq.low,
                "high": g_seq.high,
                "margin": margin,
                "breached": breached,
            }
            if breached and variant not in plan.stopped:
                breaches.setdefault(variant, []).append(
                    f"{g_spec.label} worse than control by more than the margin "
                    f"(always-valid interval {g_seq.low:.4g} to {g_seq.high:.4g}, "
                    f"margin {margin:.4g})"
                )

    holm = st.holm_adjust(sequential_p)
    reasons: list[str] = []
    candidates: list[tuple[float, str]] = []
    if srm.flagged:
        reasons.append(
            f"sample ratio mismatch (chi-square p = {srm.p_value:.2g} < {st.SRM_P_THRESHOLD}): "
            "assignment or logging is broken, no winner can be trusted"
        )
    for variant in plan.variants:
        row = comparisons[variant]["primary"]
        row["sequential_p_holm"] = holm[variant]
        c, v = c_data[source], data[variant][source]
        signed = row["difference"] if spec.higher_is_better else -row["difference"]
        signed_lift = row["lift"] if spec.higher_is_better else -row["lift"]
        significant = not math.isnan(holm[variant]) and holm[variant] <= plan.alpha
        row["significant"] = significant
        why: list[str] = []
        if variant in plan.stopped:
            why.append("stopped")
        if variant in breaches:
            why.append("guardrail breached")
        if min(c.n, v.n) < plan.minimum_sample_size:
            why.append(
                f"minimum sample not reached ({min(c.n, v.n)} of {plan.minimum_sample_size})"
            )
        if not significant:
            why.append("not significant under the sequential test")
        elif not signed > 0:
            why.append("significantly worse than control")
        if plan.success_threshold is not None and not (
            signed_lift * 100 >= float(plan.success_threshold)
        ):
            why.append(f"lift below the success threshold of {plan.success_threshold}%")
        row["blocked_by"] = why
        if not why and not srm.flagged:
            candidates.append((signed_lift, variant))
    winner = max(candidates)[1] if candidates else None
    if winner:
        reasons.append(f"{winner} wins on {plan.primary_metric}")
    return Analysis(groups, comparisons, srm, breaches, winner, reasons)
