import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q


class PrimaryMetric(models.TextChoices):
    USER_RATING = "user_rating", "User rating (mean stars, higher is better)"
    COMPLETION_RATE = "completion_rate", "Completion rate (listened to the end, higher is better)"
    COST_EFFICIENCY = "cost_efficiency", "Cost efficiency (USD per story, lower is better)"


CONTROL = "control"


def variant_group(index: int) -> str:
    """Group name of the ``index``-th variant version: variant_a, variant_b, ..."""
    return f"variant_{chr(ord('a') + index)}"


class PromptExperiment(models.Model):
    """An A/B test of prompt versions (the spec's ``prompt_experiments``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    experiment_name = models.CharField(max_length=100)
    prompt_type = models.CharField(max_length=50)
    control_version = models.CharField(max_length=20, blank=True, default="")
    variant_versions = models.JSONField(default=list, blank=True)  # ["1.3", "1.4"]
    traffic_split = models.JSONField(default=dict, blank=True)  # {"control": 50, "variant_a": 50}
    primary_metric = models.CharField(
        max_length=50, choices=PrimaryMetric.choices, default=PrimaryMetric.USER_RATING
    )
    success_threshold = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    minimum_sample_size = models.IntegerField(default=100)
    is_active = models.BooleanField(default=True)
    start_date = models.DateTimeField(null=True, blank=True)
    end_date = models.DateTimeField(null=True, blank=True)
    results = models.JSONField(null=True, blank=True)
    winner_version = models.CharField(max_length=20, blank=True, default="")
    created_by = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    # Beyond the spec's columns.
    segments = models.JSONField(
        default=dict,
        blank=True,
        help_text='Who takes part: {"age_groups": ["4-6"], "story_types": ["bedtime"]}; an '
        "empty or missing list means everyone. Stories outside get the current version.",
    )
    auto_promote = models.BooleanField(
        default=False, help_text="Publish the winning version as soon as one is declared."
    )
    alpha = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.050"),
        help_text="Family-wise false-winner rate (all variants together, any number of looks).",
    )
    guardrail_margins = models.JSONField(
        default=dict,
        blank=True,
        help_text="How much worse a variant may be before it is stopped: "
        '{"safety_rejection_rate": 0.0, "failure_rate": 2.0} in percentage points, '
        '{"cost_per_story": 10.0} in percent. Missing keys take the defaults.',
    )
    stopped_variants = models.JSONField(
        default=dict, blank=True, help_text='{"variant_a": {"at": ..., "reason": ...}}'
    )
    # Assignments remember the split they were made under, so the sample-ratio check
    # compares each period's users with that period's split.
    split_epoch = models.PositiveIntegerField(default=0)
    split_history = models.JSONField(default=list, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=300, blank=True, default="")
    promoted_at = models.DateTimeField(null=True, blank=True)
    promoted_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        db_table = "prompt_experiments"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_sample_size__gte=1), name="experiment_min_sample_positive"
            ),
            models.CheckConstraint(
                condition=Q(alpha__gt=0, alpha__lte=Decimal("0.2")), name="experiment_alpha_range"
            ),
            # At most one running experiment per prompt type: assignment must be unambiguous.
            models.UniqueConstraint(
                fields=["prompt_type"],
                condition=Q(is_active=True),
                name="one_active_experiment_per_prompt_type",
            ),
        ]
        indexes = [models.Index(fields=["prompt_type", "is_active"], name="experiment_type_active")]

    def __str__(self) -> str:
        return self.experiment_name

    @property
    def groups(self) -> dict[str, str]:
        """Group name → prompt version, control first."""
        found = {CONTROL: self.control_version}
        for index, version in enumerate(self.variant_versions or []):
            found[variant_group(index)] = version
        return found

    @property
    def variant_groups(self) -> list[str]:
        return [g for g in self.groups if g != CONTROL]


class ExperimentAssignment(models.Model):
    """A user's group in an experiment, fixed at their first eligible story for the
    experiment's whole life (a later split change moves nobody)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    experiment = models.ForeignKey(
        PromptExperiment, on_delete=models.CASCADE, related_name="assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="experiment_assignments"
    )
    group = models.CharField(max_length=20)
    bucket = models.PositiveIntegerField()
    split_epoch = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["experiment", "user"], name="one_assignment_per_user"),
        ]
        indexes = [
            models.Index(fields=["experiment", "split_epoch", "group"], name="assignment_counts"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group}"


class PromptAnalytics(models.Model):
    """One prompt use and how it went (the spec's ``prompt_analytics``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    prompt_type = models.CharField(max_length=50)
    prompt_version = models.CharField(max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prompt_analytics"
    )
    operation = models.ForeignKey(
        "ai_providers.AIOperation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="prompt_analytics",
    )
    story_id = models.UUIDField(null=True, blank=True, db_index=True)

    user_rating = models.IntegerField(null=True, blank=True)
    completion_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    processing_time_ms = models.IntegerField(null=True, blank=True)
    cost_usd = models.DecimalField(max_digits=10, decimal_places=6, default=Decimal("0"))
    success = models.BooleanField(null=True, blank=True)

    experiment = models.ForeignKey(
        PromptExperiment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="analytics",
    )
    experiment_group = models.CharField(max_length=20, blank=True, default="")

    user_age_group = models.CharField(max_length=10, blank=True, default="")
    story_type = models.CharField(max_length=30, blank=True, default="")

    # Beyond the spec: what the outcome endpoints and the guardrails need. ``success`` stays
    # null while the story is being made.
    completed = models.BooleanField(
        null=True, blank=True, help_text="Listened to the end (null: never played)."
    )
    safety_rejected = models.BooleanField(
        null=True, blank=True, help_text="The content-safety check flagged the generated text."
    )
    failure_code = models.CharField(max_length=50, blank=True, default="")
    finished_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "prompt_analytics"
        verbose_name_plural = "prompt analytics"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user_rating__isnull=True) | Q(user_rating__gte=1, user_rating__lte=5),
                name="prompt_analytics_rating_1_5",
            ),
            models.CheckConstraint(
                condition=Q(completion_rate__isnull=True)
                | Q(completion_rate__gte=0, completion_rate__lte=100),
                name="prompt_analytics_completion_0_100",
            ),
            models.CheckConstraint(
                condition=Q(cost_usd__gte=0), name="prompt_analytics_cost_non_negative"
            ),
            # One exposure per story and prompt in an experiment: a retried pipeline stage
            # must not count a story twice.
            models.UniqueConstraint(
                fields=["experiment", "story_id", "prompt_type"],
                condition=Q(experiment__isnull=False, story_id__isnull=False),
                name="prompt_analytics_one_exposure_per_story",
            ),
        ]
        indexes = [
            models.Index(
                fields=["prompt_type", "prompt_version", "created_at"],
                name="idx_prompt_performance",
            ),
            models.Index(fields=["experiment", "experiment_group"], name="idx_ab_testing"),
        ]

    def __str__(self) -> str:
        return f"{self.prompt_type} v{self.prompt_version}"
