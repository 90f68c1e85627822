import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q


class PrimaryMetric(models.TextChoices):
    USER_RATING = "user_rating"
    COMPLETION_RATE = "completion_rate"
    COST_EFFICIENCY = "cost_efficiency"


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

    class Meta:
        db_table = "prompt_experiments"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_sample_size__gte=1), name="experiment_min_sample_positive"
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
