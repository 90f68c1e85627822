"""The statistics against reference values computed independently.

Every expected number below was computed once by ``reference_values.py`` in this folder:
textbook formulas in 50-digit mpmath arithmetic (t CDF via the incomplete beta function,
chi-square via the incomplete gamma function, normal via erfc/erfinv), no scipy involved.
The Welch example is Wikipedia's worked example ("Welch's t-test", samples A1 and A2), whose
published t = -2.46 (sign: A1 - A2), df = 24.99, p = 0.021 agree to the digits it prints.
"""

import math

import pytest
from scipy import stats

from experiments import statistics as st
from experiments.tests.reference_values import A1, A2

TOL = 1e-6


def close(value, expected):
    return value == pytest.approx(expected, abs=TOL, rel=0)


def test_welch_matches_the_worked_example():
    control, variant = st.MeanSummary.of(A1), st.MeanSummary.of(A2)
    result = st.welch_test(control, variant)
    assert close(result.statistic, 2.4553563982860051)
    assert close(result.df, 24.988529290231414)
    assert close(result.p_value, 0.021378001462867032)
    assert close(result.difference, control.mean * 0 + variant.mean - control.mean)


def test_mean_interval_is_students_t():
    low, high = st.mean_interval(st.MeanSummary.of(A1))
    assert close(low, 19.266701652451243)
    assert close(high, 22.373298347548757)


def test_lift_of_means_by_the_delta_method():
    lift = st.relative_lift(st.MeanSummary.of(A1), st.MeanSummary.of(A2))
    assert close(lift.estimate, 0.10406660262568044)
    assert close(lift.low, 0.015081144021847813)
    assert close(lift.high, 0.19305206122951306)


def test_two_proportion_z_test_wilson_interval_and_lift():
    control, variant = st.RateSummary(1000, 120), st.RateSummary(1000, 150)
    result = st.two_proportion_test(control, variant)
    assert close(result.statistic, 1.9630498076223552)
    assert close(result.p_value, 0.049640386865368789)
    low, high = st.rate_interval(control)
    assert close(low, 0.10129926060130914)
    assert close(high, 0.14160907584771276)
    scipy_ci = stats.binomtest(120, 1000).proportion_ci(method="wilson")
    assert close(low, scipy_ci.low) and close(high, scipy_ci.high)
    lift = st.relative_lift(control, variant)
    assert close(lift.estimate, 0.25)
    assert close(lift.low, -0.02933784615649458)
    assert close(lift.high, 0.52933784615649458)


def test_msprt_statistic_p_value_and_always_valid_interval():
    control, variant = st.RateSummary(1000, 120), st.RateSummary(1000, 150)
    result = st.msprt(
        difference=variant.mean - control.mean,
        variance=st.difference_variance(control, variant),
        n=2000,
        planned_n=800,
        alpha=0.05,
    )
    assert close(result.log_likelihood_ratio, 0.31942281736027425)
    assert close(result.p_value, 0.7265682786695901)
    assert close(result.low, -0.017016828049262122)
    assert close(result.high, 0.077016828049262122)
    # Fixed-horizon p = 0.0496 would "win" at 0.05; the sequential test, which allows any
    # number of looks, is rightly more demanding.
    assert result.p_value > 0.05


def test_srm_chi_square_flags_only_the_skewed_set():
    fine = st.srm_test([({"control": 5120, "variant_a": 4880}, {"control": 50, "variant_a": 50})])
    assert close(fine.statistic, 5.76)
    assert close(fine.p_value, 0.016395071849192259)
    assert fine.df == 1 and not fine.flagged

    skewed = st.srm_test([({"control": 5300, "variant_a": 4700}, {"control": 50, "variant_a": 50})])
    assert close(skewed.statistic, 36.0)
    assert skewed.p_value == pytest.approx(1.9731752900753963e-9, rel=1e-6)
    assert skewed.flagged


def test_srm_adds_up_periods_with_different_splits():
    result = st.srm_test(
        [
            (
                {"control": 1020, "variant_a": 490, "variant_b": 490},
                {"control": 50, "variant_a": 25, "variant_b": 25},
            ),
            (
                {"control": 790, "variant_a": 110, "variant_b": 100},
                {"control": 80, "variant_a": 10, "variant_b": 10},
            ),
        ]
    )
    assert result.df == 4
    assert close(result.statistic, 1.925)
    assert close(result.p_value, 0.74955106675899974)
    assert not result.flagged


def test_holm_step_down_by_hand():
    # Sorted 0.01, 0.02, 0.04 (m = 3): 0.03, max(0.03, 0.04) = 0.04, max(0.04, 0.04) = 0.04.
    adjusted = st.holm_adjust({"variant_a": 0.04, "variant_b": 0.01, "variant_c": 0.02})
    assert adjusted == pytest.approx({"variant_a": 0.04, "variant_b": 0.03, "variant_c": 0.04})
    # Running maximum and the cap at 1.
    adjusted = st.holm_adjust({"a": 0.3, "b": 0.6, "c": 0.01})
    assert adjusted == pytest.approx({"c": 0.03, "a": 0.6, "b": 0.6})
    adjusted = st.holm_adjust({"a": 0.9, "b": float("nan")})
    assert adjusted["a"] == pytest.approx(0.9) and math.isnan(adjusted["b"])


def test_degenerate_inputs_give_nan_not_errors():
    empty = st.MeanSummary.of([])
    one = st.MeanSummary.of([4.0])
    assert math.isnan(st.welch_test(empty, one).p_value)
    assert all(math.isnan(x) for x in st.mean_interval(one))
    assert math.isnan(st.relative_lift(st.RateSummary(10, 0), st.RateSummary(10, 3)).estimate)
    assert math.isnan(
        st.msprt(difference=0.1, variance=0.0, n=10, planned_n=100, alpha=0.05).p_value
    )
    with pytest.raises(ValueError):
        st.RateSummary(10, 11)
