"""Simulated experiments at the statistics level (no database): users arrive in both arms,
the scheduled job looks every ``look_every`` users per arm, and the first look with a winner
or a breach decides, exactly as ``services.experiment_evaluate`` would."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from experiments import statistics as st
from experiments.analysis import Plan, analyse

RATING_PROBABILITIES = np.array([0.05, 0.10, 0.20, 0.35, 0.30])  # 1..5 stars, mean 3.75


@dataclass
class Arm:
    rating: np.ndarray
    completed: np.ndarray
    cost: np.ndarray
    failed: np.ndarray
    flagged: np.ndarray


def draw_arm(
    rng: np.random.Generator,
    n: int,
    *,
    rating_shift: float = 0.0,
    completion: float = 0.6,
    failure: float = 0.03,
    safety: float = 0.01,
    cost_mean: float = 0.05,
) -> Arm:
    stars = rng.choice(np.arange(1, 6), size=n, p=RATING_PROBABILITIES).astype(float)
    return Arm(
        rating=np.clip(stars + rating_shift, 1, 5),
        completed=rng.random(n) < completion,
        cost=rng.gamma(4.0, cost_mean / 4.0, size=n),
        failed=rng.random(n) < failure,
        flagged=rng.random(n) < safety,
    )


def group_data(arm: Arm, n: int) -> dict[str, st.Summary]:
    return {
        "user_rating": st.MeanSummary.of(arm.rating[:n]),
        "completion_rate": st.RateSummary(n, int(arm.completed[:n].sum())),
        "cost_per_story": st.MeanSummary.of(arm.cost[:n]),
        "failure_rate": st.RateSummary(n, int(arm.failed[:n].sum())),
        "safety_rejection_rate": st.RateSummary(n, int(arm.flagged[:n].sum())),
    }


def plan(primary_metric: str = "user_rating", *, minimum: int = 200, alpha: float = 0.05) -> Plan:
    return Plan(
        groups={"control": "1.2", "variant_a": "1.3"},
        primary_metric=primary_metric,
        alpha=alpha,
        minimum_sample_size=minimum,
    )


def run(
    control: Arm, variant: Arm, the_plan: Plan, *, max_n: int, look_every: int
) -> tuple[str | None, int, dict[str, list[str]]]:
    """(winner, users per arm at the decision, breaches) of one simulated experiment."""
    no_srm = st.SRMResult(0.0, 1, 1.0, False)
    for n in range(look_every, max_n + 1, look_every):
        analysis = analyse(
            the_plan,
            {"control": group_data(control, n), "variant_a": group_data(variant, n)},
            no_srm,
        )
        if analysis.breaches:
            return None, n, analysis.breaches
        if analysis.winner:
            return analysis.winner, n, {}
    return None, max_n, {}
