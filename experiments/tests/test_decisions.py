"""The decision rule under simulation, at the statistics level (see simulation.py)."""

import numpy as np
import pytest

from experiments import statistics as st
from experiments.analysis import Plan, analyse
from experiments.tests import simulation as sim

ALPHA = 0.05


def test_no_effect_false_winner_rate_stays_at_or_below_alpha_despite_peeking():
    """200 A/A experiments, each looked at 20 times (every 50 users per arm up to 1,000).
    The same looks with a naive fixed-horizon test are checked too: they exceed alpha, which
    shows this simulation can catch a rule that is not peeking-safe."""
    rng = np.random.default_rng(20261201)
    runs, looks = 200, range(50, 1001, 50)
    false_winners = naive_false_winners = 0
    for _ in range(runs):
        control, variant = sim.draw_arm(rng, 1000), sim.draw_arm(rng, 1000)
        winner, _n, _breaches = sim.run(
            control, variant, sim.plan(minimum=100, alpha=ALPHA), max_n=1000, look_every=50
        )
        false_winners += winner is not None
        naive_false_winners += any(
            st.welch_test(
                st.MeanSummary.of(control.rating[:n]), st.MeanSummary.of(variant.rating[:n])
            ).p_value
            < ALPHA
            for n in looks
        )
    assert false_winners / runs <= ALPHA
    assert naive_false_winners / runs > ALPHA


@pytest.mark.parametrize(
    ("metric", "variant_kwargs"),
    [
        ("user_rating", {"rating_shift": 0.3}),
        ("completion_rate", {"completion": 0.7}),
        ("cost_efficiency", {"cost_mean": 0.04}),
    ],
)
def test_a_true_effect_is_found_on_each_primary_metric(metric, variant_kwargs):
    rng = np.random.default_rng(7)
    found = 0
    for _ in range(20):
        control = sim.draw_arm(rng, 1500)
        variant = sim.draw_arm(rng, 1500, **variant_kwargs)
        winner, n, breaches = sim.run(
            control, variant, sim.plan(metric, minimum=200), max_n=1500, look_every=100
        )
        assert not breaches
        if winner:
            assert winner == "variant_a" and n >= 200
            found += 1
    assert found >= 16  # power of at least 80 % at these effect sizes


def test_a_worse_variant_never_wins():
    rng = np.random.default_rng(11)
    for _ in range(20):
        control = sim.draw_arm(rng, 1000)
        variant = sim.draw_arm(rng, 1000, rating_shift=-0.3)
        winner, _n, _b = sim.run(control, variant, sim.plan(), max_n=1000, look_every=100)
        assert winner is None


def test_a_less_safe_variant_is_stopped_even_if_it_is_rated_higher():
    rng = np.random.default_rng(3)
    control = sim.draw_arm(rng, 1000, safety=0.01)
    variant = sim.draw_arm(rng, 1000, safety=0.08, rating_shift=0.5)
    winner, n, breaches = sim.run(control, variant, sim.plan(), max_n=1000, look_every=50)
    assert winner is None
    assert "Safety rejection rate" in breaches["variant_a"][0]
    assert n <= 600  # stopped early, long before the end


@pytest.mark.parametrize(
    ("variant_kwargs", "guardrail"),
    [
        ({"failure": 0.15}, "Failure rate"),
        ({"cost_mean": 0.08}, "Cost per story"),
    ],
)
def test_failure_and_cost_guardrails_stop_a_variant(variant_kwargs, guardrail):
    rng = np.random.default_rng(5)
    control = sim.draw_arm(rng, 1000)
    variant = sim.draw_arm(rng, 1000, **variant_kwargs)
    _winner, _n, breaches = sim.run(control, variant, sim.plan(), max_n=1000, look_every=50)
    assert any(guardrail in text for text in breaches["variant_a"])


def test_guardrail_margin_tolerates_a_small_worsening():
    rng = np.random.default_rng(9)
    control = sim.draw_arm(rng, 3000, cost_mean=0.050)
    variant = sim.draw_arm(rng, 3000, cost_mean=0.052)  # 4 % dearer, margin 10 %
    _w, _n, breaches = sim.run(control, variant, sim.plan(), max_n=3000, look_every=500)
    assert not breaches


def _fixed(n: int, rating_mean_variant: float) -> dict:
    rng = np.random.default_rng(1)
    control = sim.draw_arm(rng, n)
    variant = sim.draw_arm(rng, n, rating_shift=rating_mean_variant)
    return {"control": sim.group_data(control, n), "variant_a": sim.group_data(variant, n)}


def test_no_winner_below_minimum_sample_or_with_srm_or_below_threshold():
    data = _fixed(600, 0.6)
    no_srm = st.SRMResult(0.0, 1, 1.0, False)
    assert analyse(sim.plan(minimum=200), data, no_srm).winner == "variant_a"

    blocked = analyse(sim.plan(minimum=700), data, no_srm)
    assert blocked.winner is None
    assert "minimum sample" in blocked.comparisons["variant_a"]["primary"]["blocked_by"][0]

    srm = st.SRMResult(30.0, 1, 1e-8, True)
    flagged = analyse(sim.plan(minimum=200), data, srm)
    assert flagged.winner is None and "sample ratio mismatch" in flagged.reasons[0]

    # A +0.6-star shift is about +16 %; demanding 50 % refuses it.
    strict = Plan(
        groups={"control": "1.2", "variant_a": "1.3"},
        primary_metric="user_rating",
        alpha=ALPHA,
        minimum_sample_size=200,
        success_threshold=50.0,
    )
    assert analyse(strict, data, no_srm).winner is None


def test_holm_across_variants_and_stopped_variants_cannot_win():
    rng = np.random.default_rng(2)
    arms = {
        "control": sim.draw_arm(rng, 800),
        "variant_a": sim.draw_arm(rng, 800, rating_shift=0.5),
        "variant_b": sim.draw_arm(rng, 800, rating_shift=0.2),
    }
    data = {g: sim.group_data(a, 800) for g, a in arms.items()}
    groups = {"control": "1.2", "variant_a": "1.3", "variant_b": "1.4"}
    no_srm = st.SRMResult(0.0, 2, 1.0, False)
    analysis = analyse(Plan(groups, "user_rating", ALPHA, 200), data, no_srm)
    assert analysis.winner == "variant_a"
    rows = {g: analysis.comparisons[g]["primary"] for g in ("variant_a", "variant_b")}
    raw = {g: r["sequential_p"] for g, r in rows.items()}
    assert {g: r["sequential_p_holm"] for g, r in rows.items()} == pytest.approx(
        st.holm_adjust(raw)
    )
    stopped = analyse(
        Plan(groups, "user_rating", ALPHA, 200, stopped=frozenset({"variant_a"})), data, no_srm
    )
    assert stopped.winner != "variant_a"
    assert "stopped" in stopped.comparisons["variant_a"]["primary"]["blocked_by"]
