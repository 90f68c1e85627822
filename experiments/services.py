"""Writes: experiments and their validation, sticky assignment, exposures and outcomes,
the scheduled evaluation, stopping, and promotion of a winner through prompts_app."""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from mira.vocabulary import AGE_GROUPS, STORY_TYPES
from prompts_app.documents import key_for_prompt_type
from prompts_app.errors import PromptError
from prompts_app.models import VersionStatus
from prompts_app.selectors import prompt_list, prompt_versions
from prompts_app.services import prompt_publish, prompt_validate

from . import statistics as st
from .analysis import GUARDRAILS, Analysis, analyse
from .assignment import bucket_for, group_for_bucket
from .errors import ExperimentConflict, ExperimentInvalid
from .models import (
    CONTROL,
    ExperimentAssignment,
    PrimaryMetric,
    PromptAnalytics,
    PromptExperiment,
    variant_group,
)
from .selectors import (
    assignment_periods,
    experiment_group_data,
    experiment_plan,
    experiments_active,
    in_segment,
)
from .types import CURRENT, PromptChoice

logger = logging.getLogger(__name__)

MAX_VARIANTS = 4
# The sequential test's plug-in variance is unreliable on a handful of users.
MIN_SAMPLE_FLOOR = 30

# Fields that define what is being compared; once families are assigned, changing them
# would mix two different experiments in one result.
DESIGN_FIELDS = ("prompt_type", "control_version", "variant_versions", "primary_metric")
EDITABLE_FIELDS = (
    "experiment_name",
    "prompt_type",
    "control_version",
    "variant_versions",
    "traffic_split",
    "primary_metric",
    "success_threshold",
    "minimum_sample_size",
    "start_date",
    "end_date",
    "segments",
    "auto_promote",
    "alpha",
    "guardrail_margins",
    "is_active",
)


# --- validation ---------------------------------------------------------------------------------


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _check_versions(data: dict[str, Any], errors: dict[str, list[str]]) -> None:
    key = key_for_prompt_type(data["prompt_type"])
    prompt = prompt_list().filter(key=key).first()
    if prompt is None:
        errors.setdefault("prompt_type", []).append(
            f"No prompt {key!r} is stored (run manage.py sync_prompts)."
        )
        return
    wanted = [data["control_version"], *data["variant_versions"]]
    found = {v.version: v for v in prompt_versions(prompt).filter(version__in=wanted)}
    control = found.get(data["control_version"])
    if control is None:
        errors.setdefault("control_version", []).append(
            f"{key} has no version {data['control_version']!r}."
        )
    elif control.status != VersionStatus.PUBLISHED:
        errors.setdefault("control_version", []).append(
            f"v{control.version} is {control.status}; the control must be a published version "
            "(what families get today)."
        )
    for label in data["variant_versions"]:
        version = found.get(label)
        if version is None:
            errors.setdefault("variant_versions", []).append(f"{key} has no version {label!r}.")
            continue
        # prompts_app's "published" means "the current version", which a variant cannot be
        # without serving everyone; what a publish guarantees is that the version passes
        # validation, so run exactly that check before any family sees the variant.
        issues = prompt_validate(key=key, content=version.content)
        if issues:
            errors.setdefault("variant_versions", []).append(
                f"v{label} does not pass validation: " + "; ".join(str(i) for i in issues[:3])
            )


def experiment_validate(
    data: dict[str, Any], *, instance: PromptExperiment | None = None
) -> dict[str, list[str]]:
    """Every problem with ``data`` (a full experiment definition), by field."""
    errors: dict[str, list[str]] = {}

    def bad(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    name = str(data.get("experiment_name") or "").strip()
    if not name:
        bad("experiment_name", "Give the experiment a name.")
    elif len(name) > 100:
        bad("experiment_name", "At most 100 characters.")
    prompt_type = str(data.get("prompt_type") or "").strip()
    if not prompt_type:
        bad("prompt_type", "Name the prompt under test, e.g. story_generation.")
    control = str(data.get("control_version") or "").strip()
    if not control:
        bad("control_version", "Name the control version.")
    variants = data.get("variant_versions")
    if not isinstance(variants, list) or not variants:
        bad("variant_versions", 'A non-empty list of versions, e.g. ["1.3-lean"].')
        variants = []
    elif not all(isinstance(v, str) and v.strip() for v in variants):
        bad("variant_versions", "Every variant version must be a non-empty string.")
        variants = []
    else:
        variants = [v.strip() for v in variants]
        if len(set(variants)) != len(variants):
            bad("variant_versions", "A version appears twice.")
        if control in variants:
            bad("variant_versions", "The control version cannot also be a variant.")
        if len(variants) > MAX_VARIANTS:
            bad("variant_versions", f"At most {MAX_VARIANTS} variants.")

    groups = [CONTROL, *(variant_group(i) for i in range(len(variants)))]
    split = data.get("traffic_split")
    if not isinstance(split, dict):
        bad(
            "traffic_split", 'A mapping of group to percent, e.g. {"control": 50, "variant_a": 50}.'
        )
    elif variants:
        if list(split) != groups and set(split) != set(groups):
            bad("traffic_split", f"Give exactly these groups: {', '.join(groups)}.")
        else:
            values = [split[g] for g in groups]
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                bad("traffic_split", "Percentages must be whole numbers.")
            elif any(v < 1 for v in values):
                bad("traffic_split", "Every group needs at least 1%.")
            elif sum(values) != 100:
                bad("traffic_split", f"Percentages must sum to 100 (they sum to {sum(values)}).")

    if data.get("primary_metric") not in PrimaryMetric.values:
        bad("primary_metric", f"One of {', '.join(PrimaryMetric.values)}.")
    threshold = data.get("success_threshold")
    if threshold is not None and threshold != "":
        number = _number(threshold)
        if number is None or not Decimal(0) <= number <= Decimal(100):
            bad("success_threshold", "A minimum relative improvement in percent, 0 to 100.")
    minimum = data.get("minimum_sample_size")
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < MIN_SAMPLE_FLOOR:
        bad(
            "minimum_sample_size",
            f"A whole number of users per group, at least {MIN_SAMPLE_FLOOR}.",
        )
    alpha = _number(data.get("alpha", Decimal("0.05")))
    if alpha is None or not Decimal(0) < alpha <= Decimal("0.2"):
        bad("alpha", "Between 0 (exclusive) and 0.2.")
    margins = data.get("guardrail_margins") or {}
    if not isinstance(margins, dict):
        bad("guardrail_margins", "A mapping of guardrail to margin.")
    else:
        for key, value in margins.items():
            number = _number(value)
            if key not in GUARDRAILS:
                bad(
                    "guardrail_margins",
                    f"Unknown guardrail {key!r}; known: {', '.join(GUARDRAILS)}.",
                )
            elif number is None or number < 0 or number > 100:
                bad("guardrail_margins", f"{key}: a number from 0 to 100.")
    segments = data.get("segments") or {}
    if not isinstance(segments, dict):
        bad("segments", 'A mapping like {"age_groups": ["4-6"], "story_types": ["bedtime"]}.')
    else:
        allowed = {"age_groups": AGE_GROUPS, "story_types": STORY_TYPES}
        for key, value in segments.items():
            if key not in allowed:
                bad("segments", f"Unknown segment {key!r}; known: age_groups, story_types.")
            elif not isinstance(value, list) or any(v not in allowed[key] for v in value):
                bad("segments", f"{key}: a list of {', '.join(allowed[key])}.")
    start, end = data.get("start_date"), data.get("end_date")
    if start and end and end <= start:
        bad("end_date", "The end must come after the start.")

    if data.get("is_active", True) and prompt_type:
        others = PromptExperiment.objects.filter(prompt_type=prompt_type, is_active=True)
        if instance is not None and instance.pk:
            others = others.exclude(pk=instance.pk)
        running = others.first()
        if running is not None:
            bad("prompt_type", f"Experiment {running.experiment_name!r} is already running on it.")
    if instance is not None and instance.pk and instance.assignments.exists():
        for field in DESIGN_FIELDS:
            if field in data and data[field] != getattr(instance, field):
                bad(field, "Families are already assigned; start a new experiment instead.")
    if not errors:
        _check_versions(
            {"prompt_type": prompt_type, "control_version": control, "variant_versions": variants},
            errors,
        )
    return errors


def _normalised(data: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    data["experiment_name"] = str(data.get("experiment_name", "")).strip()
    data["prompt_type"] = str(data.get("prompt_type", "")).strip()
    data["control_version"] = str(data.get("control_version", "")).strip()
    data["variant_versions"] = [v.strip() for v in data.get("variant_versions") or []]
    split = data.get("traffic_split") or {}
    groups = [CONTROL, *(variant_group(i) for i in range(len(data["variant_versions"])))]
    data["traffic_split"] = {g: split[g] for g in groups if g in split}
    if data.get("success_threshold") in ("", None):
        data["success_threshold"] = None
    else:
        data["success_threshold"] = _number(data["success_threshold"])
    data["alpha"] = _number(data.get("alpha", Decimal("0.05")))
    data["guardrail_margins"] = {
        k: float(v) for k, v in (data.get("guardrail_margins") or {}).items()
    }
    data["segments"] = {k: list(v) for k, v in (data.get("segments") or {}).items() if v}
    return data


def experiment_create(*, actor_name: str = "", **fields: Any) -> PromptExperiment:
    """Validate and store a new experiment; raises ``ExperimentInvalid`` with every problem."""
    fields.setdefault("is_active", True)
    fields.setdefault("alpha", Decimal("0.05"))
    errors = experiment_validate(fields)
    if errors:
        raise ExperimentInvalid(errors)
    data = _normalised(fields)
    now = timezone.now()
    data.setdefault("start_date", now)
    data["start_date"] = data["start_date"] or now
    experiment = PromptExperiment(
        **data,
        created_by=(actor_name or "system")[:100],
        split_history=[{"epoch": 0, "split": data["traffic_split"], "since": now.isoformat()}],
    )
    try:
        with transaction.atomic():
            experiment.save()
    except IntegrityError:
        # Another experiment on this prompt type started between the check and the insert.
        raise ExperimentInvalid(
            {"prompt_type": ["Another experiment is already running on it."]}
        ) from None
    logger.info(
        "experiment created",
        extra={"experiment": str(experiment.pk), "prompt_type": experiment.prompt_type},
    )
    return experiment


def experiment_update(
    *, experiment: PromptExperiment, actor_name: str = "", **fields: Any
) -> PromptExperiment:
    """Change an experiment. A new traffic split applies to families not yet assigned;
    everyone assigned keeps their group."""
    with transaction.atomic():
        locked = PromptExperiment.objects.select_for_update().get(pk=experiment.pk)
        merged = {f: getattr(locked, f) for f in EDITABLE_FIELDS}
        merged.update(fields)
        errors = experiment_validate(merged, instance=locked)
        if errors:
            raise ExperimentInvalid(errors)
        data = _normalised(merged)
        split_changed = data["traffic_split"] != locked.traffic_split
        for name, value in data.items():
            setattr(locked, name, value)
        if split_changed:
            locked.split_epoch += 1
            locked.split_history = [
                *(locked.split_history or []),
                {
                    "epoch": locked.split_epoch,
                    "split": data["traffic_split"],
                    "since": timezone.now().isoformat(),
                    "by": actor_name,
                },
            ]
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise ExperimentInvalid(
                {"prompt_type": ["Another experiment is already running on it."]}
            ) from None
    return locked


# --- assignment and exposure --------------------------------------------------------------------


def _running(experiment: PromptExperiment) -> bool:
    now = timezone.now()
    if experiment.start_date and experiment.start_date > now:
        return False
    return not (experiment.end_date and experiment.end_date <= now)


def assignment_get_or_create(*, experiment: PromptExperiment, user_id: Any) -> ExperimentAssignment:
    """The user's group, made once from the hash and the split in force, then kept."""
    found = ExperimentAssignment.objects.filter(experiment=experiment, user_id=user_id).first()
    if found is not None:
        return found
    bucket = bucket_for(experiment.pk, user_id)
    # get_or_create retries the read on IntegrityError, so a family's two stories starting
    # at once end in one assignment.
    assignment, _ = ExperimentAssignment.objects.get_or_create(
        experiment=experiment,
        user_id=user_id,
        defaults={
            "group": group_for_bucket(bucket, experiment.traffic_split),
            "bucket": bucket,
            "split_epoch": experiment.split_epoch,
        },
    )
    return assignment


def prompt_choice_for(
    *, prompt_type: str, user_id: Any, age_group: str, story_type: str
) -> PromptChoice:
    """Which version of ``prompt_type`` this family's story renders. Outside a running
    experiment or its segment: the current version. In a stopped variant: the current version
    too, and the story is not part of the experiment any more."""
    experiment = PromptExperiment.objects.filter(prompt_type=prompt_type, is_active=True).first()
    if experiment is None or not _running(experiment):
        return CURRENT
    if not in_segment(experiment, age_group=age_group, story_type=story_type):
        return CURRENT
    assignment = assignment_get_or_create(experiment=experiment, user_id=user_id)
    if assignment.group in (experiment.stopped_variants or {}):
        return CURRENT
    version = experiment.groups.get(assignment.group)
    if version is None:  # a group the design no longer has; cannot happen after validation
        return CURRENT
    return PromptChoice(version=version, experiment_id=experiment.pk, group=assignment.group)


def exposure_open(
    *,
    choice: PromptChoice,
    prompt_type: str,
    user_id: Any,
    story_id: uuid.UUID,
    age_group: str,
    story_type: str,
) -> PromptAnalytics | None:
    """Record that ``story_id`` uses ``choice``'s version; idempotent per story."""
    if not choice.in_experiment:
        return None
    row, _ = PromptAnalytics.objects.get_or_create(
        experiment_id=choice.experiment_id,
        story_id=story_id,
        prompt_type=prompt_type,
        defaults={
            "prompt_version": choice.version,
            "user_id": user_id,
            "experiment_group": choice.group,
            "user_age_group": age_group,
            "story_type": story_type,
        },
    )
    return row


def exposure_close(
    *,
    story_id: uuid.UUID,
    success: bool,
    cost_usd: Decimal,
    processing_time_ms: int | None,
    failure_code: str = "",
    safety_rejected: bool = False,
    operation_id: uuid.UUID | None = None,
) -> int:
    """The story ended: record how. Returns the number of exposure rows updated."""
    return PromptAnalytics.objects.filter(story_id=story_id, experiment__isnull=False).update(
        success=success,
        cost_usd=max(Decimal(0), cost_usd or Decimal(0)),
        processing_time_ms=processing_time_ms,
        failure_code=failure_code[:50],
        safety_rejected=safety_rejected,
        operation_id=operation_id,
        finished_at=timezone.now(),
    )


def outcome_rating_record(*, story_id: uuid.UUID, rating: int) -> int:
    if not 1 <= rating <= 5:
        raise ValueError("rating must be 1 to 5")
    return PromptAnalytics.objects.filter(story_id=story_id, experiment__isnull=False).update(
        user_rating=rating
    )


def outcome_listening_record(
    *, story_id: uuid.UUID, completion_percent: Decimal, completed: bool
) -> int:
    """A listening session: the row keeps the furthest point reached, and ``completed``
    once any session reached the end."""
    percent = min(Decimal(100), max(Decimal(0), completion_percent)).quantize(Decimal("0.01"))
    updated = 0
    with transaction.atomic():
        # Two sessions reported at once must not lose the larger percentage.
        for row in PromptAnalytics.objects.select_for_update().filter(
            story_id=story_id, experiment__isnull=False
        ):
            row.completion_rate = max(row.completion_rate or Decimal(0), percent)
            row.completed = bool(row.completed) or completed
            row.save(update_fields=["completion_rate", "completed"])
            updated += 1
    return updated


# --- evaluation and decisions ---------------------------------------------------------------------


def experiment_analyse(experiment: PromptExperiment) -> Analysis:
    """Results as of now, without changing anything (the admin shows these live)."""
    srm = st.srm_test(assignment_periods(experiment))
    return analyse(experiment_plan(experiment), experiment_group_data(experiment), srm)


def _stop_variant(experiment: PromptExperiment, group: str, reason: str) -> None:
    experiment.stopped_variants = {
        **(experiment.stopped_variants or {}),
        group: {"at": timezone.now().isoformat(), "reason": reason},
    }
    logger.warning(
        "experiment variant stopped",
        extra={"experiment": str(experiment.pk), "group": group, "reason": reason},
    )


def _end(experiment: PromptExperiment, reason: str) -> None:
    experiment.is_active = False
    experiment.end_date = timezone.now()
    experiment.ended_reason = reason[:300]
    logger.info("experiment ended", extra={"experiment": str(experiment.pk), "reason": reason})


def experiment_evaluate(*, experiment_id: uuid.UUID) -> Analysis | None:
    """The scheduled decision step for one experiment. Guardrail breaches stop their variant;
    a winner (minimum sample, no SRM, sequential test met, guardrails held) ends the
    experiment and, with auto-promote, is published. Safe to run concurrently: the
    experiment row is locked for the whole step."""
    promote = False
    with transaction.atomic():
        experiment = PromptExperiment.objects.select_for_update().filter(pk=experiment_id).first()
        if experiment is None or not experiment.is_active:
            return None
        analysis = experiment_analyse(experiment)
        for group, reasons in analysis.breaches.items():
            _stop_variant(experiment, group, "guardrail: " + "; ".join(reasons))
        live = [g for g in experiment.variant_groups if g not in experiment.stopped_variants]
        results = analysis.as_json()
        results["evaluated_at"] = timezone.now().isoformat()
        if not live:
            _end(experiment, "every variant was stopped by a guardrail")
        elif analysis.winner:
            experiment.winner_version = experiment.groups[analysis.winner]
            _end(experiment, f"{analysis.winner} (v{experiment.winner_version}) won")
            promote = experiment.auto_promote
        elif experiment.end_date and experiment.end_date <= timezone.now():
            _end(experiment, "end date reached without a winner")
        experiment.results = results
        experiment.evaluated_at = timezone.now()
        experiment.save()
    if promote:
        try:
            experiment_promote(experiment=experiment, actor_name="experiments (auto-promote)")
        except (PromptError, ExperimentConflict) as exc:
            # The winner stays recorded; a person can promote it after fixing the cause.
            logger.error(
                "auto-promotion failed",
                extra={"experiment": str(experiment.pk), "error": str(exc)},
            )
            PromptExperiment.objects.filter(pk=experiment.pk).update(
                ended_reason=f"{experiment.ended_reason}; auto-promotion failed: {exc}"[:300]
            )
    return analysis


def experiments_evaluate_active() -> int:
    """Evaluate every active experiment; returns how many were evaluated."""
    count = 0
    for experiment_id in experiments_active().values_list("pk", flat=True):
        try:
            experiment_evaluate(experiment_id=experiment_id)
            count += 1
        except Exception:  # one broken experiment must not stop the others' guardrails
            logger.exception(
                "experiment evaluation failed", extra={"experiment": str(experiment_id)}
            )
    return count


def experiment_stop(*, experiment: PromptExperiment, actor_name: str, reason: str = "") -> None:
    with transaction.atomic():
        locked = PromptExperiment.objects.select_for_update().get(pk=experiment.pk)
        if not locked.is_active:
            raise ExperimentConflict("The experiment has already ended.")
        _end(locked, f"stopped by {actor_name}" + (f": {reason}" if reason else ""))
        locked.save()


def experiment_promote(
    *, experiment: PromptExperiment, actor: Any = None, actor_name: str = ""
) -> None:
    """Publish the declared winner through prompts_app (validated and recorded like any
    publish, with who and when)."""
    with transaction.atomic():
        locked = PromptExperiment.objects.select_for_update().get(pk=experiment.pk)
        if not locked.winner_version:
            raise ExperimentConflict("The experiment has no winner to promote.")
        if locked.promoted_at is not None:
            raise ExperimentConflict(f"v{locked.winner_version} was already promoted.")
        key = key_for_prompt_type(locked.prompt_type)
        prompt = prompt_list().filter(key=key).first()
        version = (
            prompt_versions(prompt).filter(version=locked.winner_version).first()
            if prompt
            else None
        )
        if version is None:
            raise ExperimentConflict(f"{key} has no version {locked.winner_version!r} any more.")
        name = actor_name or getattr(actor, "username", "") or "experiments"
        prompt_publish(
            version=version,
            actor=actor,
            actor_name=name,
            note=f"winner of experiment {locked.experiment_name!r} ({locked.primary_metric})",
        )
        locked.promoted_at = timezone.now()
        locked.promoted_by = name[:150]
        locked.save(update_fields=["promoted_at", "promoted_by"])
    experiment.promoted_at, experiment.promoted_by = locked.promoted_at, locked.promoted_by
