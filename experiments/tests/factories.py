"""Experiments, simulated families and their outcomes, for the experiments tests.

Who lands in which group is a hash of the experiment id and the user id, so a test that counts
groups (a split, a sample-ratio check, a winner) is only repeatable when both ids are. The
service and the user model make random ids; these factories fix both, so every run of a test
sees the same assignment.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import numpy as np
from django.contrib.auth import get_user_model

from experiments.models import PromptAnalytics, PromptExperiment
from experiments.services import assignment_get_or_create, experiment_create

RATING_PROBABILITIES = [0.05, 0.10, 0.20, 0.35, 0.30]


def make_experiment(**overrides) -> PromptExperiment:
    """An experiment on the real prompt tree's versions (call ``prompts_sync`` first), with
    an id fixed by its name and how many experiments the test made before it."""
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
    experiment = experiment_create(actor_name="tester", **fields)
    made_before = PromptExperiment.objects.exclude(pk=experiment.pk).count()
    fixed = uuid.uuid5(
        uuid.NAMESPACE_URL, f"mira-test-experiment:{fields['experiment_name']}:{made_before}"
    )
    PromptExperiment.objects.filter(pk=experiment.pk).update(id=fixed)
    return PromptExperiment.objects.get(pk=fixed)


def make_users(count: int, prefix: str = "sim") -> list:
    """``count`` users whose ids are fixed by ``prefix`` and how many of them the test has
    made already."""
    User = get_user_model()
    made = User.objects.filter(username__startswith=f"{prefix}-").count()
    return User.objects.bulk_create(
        [
            User(pk=uuid.uuid5(uuid.NAMESPACE_URL, f"mira-test-user:{name}"), username=name)
            for name in (f"{prefix}-{made + i}" for i in range(count))
        ],
        batch_size=1000,
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
