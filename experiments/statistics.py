"""The statistics of prompt experiments: pure functions over summary numbers, no Django.

Distributions come from scipy (Student's t, the normal, chi-square, Wilson's interval); what
is written here is only the algebra on top of them. ``docs/experiments.md`` states every
definition, and ``tests/test_statistics.py`` checks each function against reference values
computed independently with mpmath.

Conventions: a *difference* is always ``variant - control``; ``variance_of_mean`` is the
variance of the estimator (``s² / n`` for a mean), not of one observation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


# --- summaries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeanSummary:
    """``n`` observations of a continuous metric: their mean and sample variance (ddof=1)."""

    n: int
    mean: float
    variance: float

    @classmethod
    def of(cls, values: Sequence[float] | np.ndarray) -> MeanSummary:
        data = np.asarray(values, dtype=float)
        n = int(data.size)
        if n == 0:
            return cls(0, math.nan, math.nan)
        return cls(n, float(data.mean()), float(data.var(ddof=1)) if n > 1 else math.nan)

    @property
    def variance_of_mean(self) -> float:
        return self.variance / self.n if self.n > 1 else math.nan


@dataclass(frozen=True)
class RateSummary:
    """``successes`` out of ``n`` independent yes/no observations."""

    n: int
    successes: int

    def __post_init__(self) -> None:
        if self.n < 0 or not 0 <= self.successes <= max(self.n, 0):
            raise ValueError(f"rate needs 0 <= successes <= n, got {self.successes}/{self.n}")

    @property
    def mean(self) -> float:
        return self.successes / self.n if self.n else math.nan

    @property
    def variance(self) -> float:
        """Variance of one Bernoulli observation at the observed rate."""
        p = self.mean
        return p * (1 - p)

    @property
    def variance_of_mean(self) -> float:
        return self.variance / self.n if self.n else math.nan


Summary = MeanSummary | RateSummary


# --- intervals for one group ----------------------------------------------------------------------


def mean_interval(s: MeanSummary, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Student's t interval: ``mean ± t(1-(1-c)/2, n-1) · s / √n``."""
    if s.n < 2:
        return (math.nan, math.nan)
    half = stats.t.ppf(0.5 + confidence / 2, s.n - 1) * math.sqrt(s.variance / s.n)
    return (s.mean - half, s.mean + half)


def rate_interval(s: RateSummary, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson's score interval (good coverage at small n and near 0 or 1, unlike Wald's):
    ``(p̂ + z²/2n ± z·√(p̂(1-p̂)/n + z²/4n²)) / (1 + z²/n)``. The same numbers as scipy's
    ``binomtest(...).proportion_ci(method="wilson")``, without computing the exact test."""
    if s.n == 0:
        return (math.nan, math.nan)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    n, p = s.n, s.mean
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def interval(s: Summary, confidence: float = CONFIDENCE) -> tuple[float, float]:
    return (
        rate_interval(s, confidence) if isinstance(s, RateSummary) else mean_interval(s, confidence)
    )


# --- fixed-horizon tests of variant against control --------------------------------------------


@dataclass(frozen=True)
class TestResult:
    difference: float  # variant - control
    standard_error: float
    statistic: float
    p_value: float  # two-sided
    df: float | None = None  # Welch-Satterthwaite degrees of freedom (t-test only)


def welch_test(control: MeanSummary, variant: MeanSummary) -> TestResult:
    """Welch's unequal-variance t-test, ``t = (m₁ - m₀) / √(s₁²/n₁ + s₀²/n₀)`` with the
    Welch-Satterthwaite degrees of freedom."""
    if control.n < 2 or variant.n < 2:
        return TestResult(variant.mean - control.mean, math.nan, math.nan, math.nan, None)
    v0, v1 = control.variance / control.n, variant.variance / variant.n
    se = math.sqrt(v0 + v1)
    diff = variant.mean - control.mean
    if se == 0:
        return TestResult(diff, 0.0, math.nan, math.nan, None)
    df = (v0 + v1) ** 2 / (v0**2 / (control.n - 1) + v1**2 / (variant.n - 1))
    result = stats.ttest_ind_from_stats(
        variant.mean,
        math.sqrt(variant.variance),
        variant.n,
        control.mean,
        math.sqrt(control.variance),
        control.n,
        equal_var=False,
    )
    return TestResult(diff, se, float(result.statistic), float(result.pvalue), df)


def two_proportion_test(control: RateSummary, variant: RateSummary) -> TestResult:
    """The pooled two-proportion z-test, ``z = (p₁ - p₀) / √(p̄(1-p̄)(1/n₁ + 1/n₀))`` with
    ``p̄ = (x₁ + x₀) / (n₁ + n₀)``; two-sided p from the standard normal."""
    diff = variant.mean - control.mean
    if control.n == 0 or variant.n == 0:
        return TestResult(diff, math.nan, math.nan, math.nan)
    pooled = (control.successes + variant.successes) / (control.n + variant.n)
    se = math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / variant.n))
    if se == 0:
        return TestResult(diff, 0.0, math.nan, math.nan)
    z = diff / se
    return TestResult(diff, se, z, float(2 * stats.norm.sf(abs(z))))


def fixed_horizon_test(control: Summary, variant: Summary) -> TestResult:
    if isinstance(control, RateSummary) and isinstance(variant, RateSummary):
        return two_proportion_test(control, variant)
    return welch_test(control, variant)


@dataclass(frozen=True)
class Lift:
    estimate: float  # variant / control - 1
    low: float
    high: float
    standard_error: float


def relative_lift(control: Summary, variant: Summary, confidence: float = CONFIDENCE) -> Lift:
    """``variant / control - 1`` with a delta-method interval (Deng, Knoblich & Lu, 2018):
    ``Var(m₁/m₀) ≈ Var(m₁)/m₀² + m₁² Var(m₀)/m₀⁴`` for independent groups, then
    ``lift ± z · √Var``. Undefined (NaN) when the control mean is 0."""
    m0, m1 = control.mean, variant.mean
    v0, v1 = control.variance_of_mean, variant.variance_of_mean
    if not m0 or math.isnan(m0) or math.isnan(m1) or math.isnan(v0) or math.isnan(v1):
        return Lift(math.nan, math.nan, math.nan, math.nan)
    se = math.sqrt(v1 / m0**2 + m1**2 * v0 / m0**4)
    z = stats.norm.ppf(0.5 + confidence / 2)
    lift = m1 / m0 - 1
    return Lift(lift, lift - z * se, lift + z * se, se)


# --- sample-ratio mismatch ----------------------------------------------------------------------

SRM_P_THRESHOLD = 0.001


@dataclass(frozen=True)
class SRMResult:
    statistic: float
    df: int
    p_value: float
    flagged: bool


def srm_test(
    periods: Sequence[tuple[Mapping[str, int], Mapping[str, float]]],
    threshold: float = SRM_P_THRESHOLD,
) -> SRMResult:
    """Pearson's chi-square goodness of fit of assigned counts against the planned split.

    ``periods`` is ``[(observed counts by group, planned split by group), ...]``: one entry
    per traffic split the experiment ran with (users are assigned under the split in force
    at the time). Independent periods' statistics and degrees of freedom add up, so one
    p-value covers the whole run. Periods with no users contribute nothing."""
    total_stat, total_df = 0.0, 0
    for observed, split in periods:
        groups = list(split)
        counts = np.array([observed.get(g, 0) for g in groups], dtype=float)
        n = counts.sum()
        if n == 0 or len(groups) < 2:
            continue
        weights = np.array([float(split[g]) for g in groups])
        expected = n * weights / weights.sum()
        result = stats.chisquare(counts, expected)
        total_stat += float(result.statistic)
        total_df += len(groups) - 1
    if total_df == 0:
        return SRMResult(0.0, 0, 1.0, False)
    p = float(stats.chi2.sf(total_stat, total_df))
    return SRMResult(total_stat, total_df, p, p < threshold)


# --- multiple comparisons -------------------------------------------------------------------------


def holm_adjust(p_values: Mapping[str, float]) -> dict[str, float]:
    """Holm's step-down adjusted p-values: sort ascending, multiply the i-th (from 0) by
    ``m - i``, take the running maximum, cap at 1. Reject where adjusted ≤ alpha; this controls
    the family-wise error rate for any dependence between the tests. NaN stays NaN."""
    valid = sorted(((p, k) for k, p in p_values.items() if not math.isnan(p)))
    m = len(valid)
    adjusted: dict[str, float] = {k: math.nan for k, p in p_values.items() if math.isnan(p)}
    running = 0.0
    for i, (p, key) in enumerate(valid):
        running = max(running, min(1.0, (m - i) * p))
        adjusted[key] = running
    return adjusted


# --- the sequential (peeking-safe) test ----------------------------------------------------------


@dataclass(frozen=True)
class SequentialResult:
    """A mixture sequential probability ratio test of ``difference = 0`` (two-sided)."""

    log_likelihood_ratio: float  # log Λ
    p_value: float  # always-valid: min(1, 1/Λ)
    low: float  # always-valid (1-alpha) interval for the difference
    high: float
    mixing_variance: float  # τ²


def msprt_tuning(alpha: float, planned_n: float) -> float:
    """ρ² that makes the normal-mixture boundary tightest at ``planned_n`` observations
    (Howard, Ramdas, McAuliffe & Sekhon 2021; GrowthBook's gbstats makes the same choice)."""
    log_term = -2 * math.log(alpha)
    return (log_term + math.log(log_term + 1)) / planned_n


def msprt(
    *,
    difference: float,
    variance: float,
    n: float,
    planned_n: float,
    alpha: float,
) -> SequentialResult:
    """Normal-mixture mSPRT (Johari, Koomen, Pekelis & Walsh 2017; 2022).

    With ``V`` the variance of the difference estimate θ̂ and mixing distribution
    ``N(0, τ²)`` over the true difference,
    ``Λ = √(V/(V+τ²)) · exp(τ² θ̂² / (2V(V+τ²)))``. Rejecting ``θ = 0`` the first time
    ``Λ ≥ 1/alpha`` keeps the type-I error at or below alpha however often one looks, so the
    scheduled job may evaluate every few minutes. ``τ² = ρ² · V · n``, i.e. ρ² times the
    per-observation variance of the difference, with ρ² from ``msprt_tuning``. The
    always-valid interval is every θ the test would not reject:
    ``θ̂ ± √(2V(V+τ²)/τ² · (log(1/alpha) + ½ log((V+τ²)/V)))``."""
    if not (variance > 0) or math.isnan(difference) or n <= 0:
        return SequentialResult(math.nan, math.nan, math.nan, math.nan, math.nan)
    tau2 = msprt_tuning(alpha, planned_n) * variance * n
    v = variance
    log_lr = 0.5 * math.log(v / (v + tau2)) + tau2 * difference**2 / (2 * v * (v + tau2))
    p = 1.0 if log_lr <= 0 else min(1.0, math.exp(-log_lr))
    half = math.sqrt(
        2 * v * (v + tau2) / tau2 * (math.log(1 / alpha) + 0.5 * math.log((v + tau2) / v))
    )
    return SequentialResult(log_lr, p, difference - half, difference + half, tau2)


def difference_variance(control: Summary, variant: Summary) -> float:
    """Unpooled variance of ``variant - control``: ``s₁²/n₁ + s₀²/n₀`` (``p(1-p)/n`` for rates)."""
    return variant.variance_of_mean + control.variance_of_mean
