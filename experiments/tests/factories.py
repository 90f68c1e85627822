from __future__ import annotations

import uuid
from decimal import Decimal

import numpy as np
from django.contrib.auth import get_user_model

from experiments.models import PromptAnalytics, PromptExperiment
from experiments.services import assignment_get_or_create, experiment_create

RATING_PROBABILITIES = [0.05, 0.10, 0.20, 0.35, 0.30]


def make_experiment(**overrides) -> PromptExperiment:
    """An experiment on the real prompt tree's versions (call ``prompts_sync`` first)."""
    fields = {
        "experiment_name": "lean refrain",
        "prompt_type": "story_generation",
        "control_version": "1.2",
        "variant_versions": ["1.3-lean"],
        "traffic_split": {"control": 50, "variant_a": 50},
        "primary_metric": "user_rating",
        "minimum_sample_size": 100,
    }
    fields.update(overrides)
    return experiment_create(actor_name="tester", **fields)


def make_users(count: int, prefix: str = "sim") -> list:
    User = get_user_model()
    tag = uuid.uuid4().hex[:6]
    return User.objects.bulk_create(
        [User(username=f"{prefix}-{tag}-{i}") for i in range(count)], batch_size=1000
    )


def simulate_outcomes(
    experiment: PromptExperiment,
    users: list,
    *,
    seed: int = 1,
    rating_shift: dict[str, float] | None = None,
    failure: dict[str, float] | None = None,
    stories_per_user: int = 1,
) -> None:
    """Assign ``users`` through the service, then write one finished, rated exposure per
    story as the pipeline and the rating endpoint would."""
    rng = np.random.default_rng(seed)
    rows = []
    for user in users:
        group = assignment_get_or_create(experiment=experiment, user_id=user.pk).group
        for _ in range(stories_per_user):
            stars = int(rng.choice(np.arange(1, 6), p=RATING_PROBABILITIES))
            stars = int(np.clip(round(stars + (rating_shift or {}).get(group, 0.0)), 1, 5))
            ok = rng.random() >= (failure or {}).get(group, 0.02)
            rows.append(
                PromptAnalytics(
                    prompt_type=experiment.prompt_type,
                    prompt_version=experiment.groups[group],
                    user=user,
                    story_id=uuid.uuid4(),
                    experiment=experiment,
                    experiment_group=group,
                    user_age_group="4-6",
                    story_type="adventure",
                    user_rating=stars if ok else None,
                    completed=bool(rng.random() < 0.6) if ok else None,
                    cost_usd=Decimal(str(round(float(rng.gamma(4.0, 0.0125)), 6))),
                    success=ok,
                    safety_rejected=False,
                    processing_time_ms=int(rng.integers(2000, 9000)),
                )
            )
    PromptAnalytics.objects.bulk_create(rows, batch_size=1000)
