"""Reads: active experiments, and an experiment's data summarised per user and group."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.db.models import Count, QuerySet

from . import statistics as st
from .analysis import GroupData, Plan, guardrail_margins
from .models import ExperimentAssignment, PromptAnalytics, PromptExperiment


def experiment_list() -> QuerySet[PromptExperiment]:
    return PromptExperiment.objects.all().order_by("-created_at")


def experiment_get(experiment_id: uuid.UUID) -> PromptExperiment:
    return PromptExperiment.objects.get(pk=experiment_id)


def experiment_active_for(prompt_type: str) -> PromptExperiment | None:
    """The running experiment on ``prompt_type`` (at most one: a constraint says so)."""
    return PromptExperiment.objects.filter(prompt_type=prompt_type, is_active=True).first()


def experiments_active() -> QuerySet[PromptExperiment]:
    return PromptExperiment.objects.filter(is_active=True).order_by("created_at")


def in_segment(experiment: PromptExperiment, *, age_group: str, story_type: str) -> bool:
    segments = experiment.segments or {}
    ages = segments.get("age_groups") or []
    types = segments.get("story_types") or []
    return (not ages or age_group in ages) and (not types or story_type in types)


def experiment_plan(experiment: PromptExperiment) -> Plan:
    return Plan(
        groups=experiment.groups,
        primary_metric=experiment.primary_metric,
        alpha=float(experiment.alpha),
        minimum_sample_size=experiment.minimum_sample_size,
        success_threshold=(
            float(experiment.success_threshold)
            if experiment.success_threshold is not None
            else None
        ),
        guardrail_margins=guardrail_margins(experiment.guardrail_margins),
        stopped=frozenset(experiment.stopped_variants or {}),
    )


def assignment_periods(
    experiment: PromptExperiment,
) -> list[tuple[dict[str, int], dict[str, float]]]:
    """Assigned users per group under each traffic split the experiment ran with."""
    splits = {int(entry["epoch"]): entry["split"] for entry in experiment.split_history or []}
    splits.setdefault(experiment.split_epoch, experiment.traffic_split)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        ExperimentAssignment.objects.filter(experiment=experiment)
        .values("split_epoch", "group")
        .annotate(n=Count("id"))
    ):
        counts[row["split_epoch"]][row["group"]] = row["n"]
    return [(counts.get(epoch, {}), splits[epoch]) for epoch in sorted(splits)]


def assignment_counts(experiment: PromptExperiment) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for observed, _split in assignment_periods(experiment):
        for group, n in observed.items():
            totals[group] += n
    return dict(totals)


def _user_level(rows: list[dict[str, Any]]) -> GroupData:
    """One observation per user (the unit of randomisation), so families that make many
    stories do not count as many independent observations. See docs/experiments.md."""
    by_user: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_user[row["user_id"]].append(row)
    ratings, costs = [], []
    played = completed = finished_users = failed_users = flagged_users = 0
    for user_rows in by_user.values():
        user_rows.sort(key=lambda r: r["created_at"])
        rated = [r["user_rating"] for r in user_rows if r["user_rating"] is not None]
        if rated:
            ratings.append(sum(rated) / len(rated))
        finished = [r for r in user_rows if r["success"] is not None]
        if finished:
            finished_users += 1
            costs.append(sum(float(r["cost_usd"]) for r in finished) / len(finished))
            failed_users += any(r["success"] is False for r in finished)
            flagged_users += any(r["safety_rejected"] for r in finished)
        first_played = next((r for r in user_rows if r["completed"] is not None), None)
        if first_played is not None:
            played += 1
            completed += bool(first_played["completed"])
    data: dict[str, st.Summary] = {
        "user_rating": st.MeanSummary.of(ratings),
        "completion_rate": st.RateSummary(played, completed),
        "cost_per_story": st.MeanSummary.of(costs),
        "failure_rate": st.RateSummary(finished_users, failed_users),
        "safety_rejection_rate": st.RateSummary(finished_users, flagged_users),
    }
    return data


def experiment_group_data(experiment: PromptExperiment) -> Mapping[str, GroupData]:
    """Per group, every metric summarised over users. Reads one row per exposure; an
    experiment is a few thousand families, well within one query and Python's reach."""
    rows: dict[str, list[dict[str, Any]]] = {group: [] for group in experiment.groups}
    for row in PromptAnalytics.objects.filter(
        experiment=experiment, experiment_group__in=list(experiment.groups)
    ).values(
        "user_id",
        "experiment_group",
        "created_at",
        "user_rating",
        "completed",
        "cost_usd",
        "success",
        "safety_rejected",
    ):
        rows[row["experiment_group"]].append(row)
    return {group: _user_level(group_rows) for group, group_rows in rows.items()}


def analytics_for_story(story_id: uuid.UUID) -> QuerySet[PromptAnalytics]:
    return PromptAnalytics.objects.filter(story_id=story_id, experiment__isnull=False)
