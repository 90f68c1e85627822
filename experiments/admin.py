from django.contrib import admin

from .models import PromptAnalytics, PromptExperiment


@admin.register(PromptExperiment)
class PromptExperimentAdmin(admin.ModelAdmin):
    list_display = (
        "experiment_name",
        "prompt_type",
        "control_version",
        "primary_metric",
        "minimum_sample_size",
        "is_active",
        "winner_version",
        "start_date",
        "end_date",
    )
    list_filter = ("is_active", "prompt_type", "primary_metric")
    search_fields = ("experiment_name", "prompt_type", "created_by")
    readonly_fields = ("id", "created_at")


@admin.register(PromptAnalytics)
class PromptAnalyticsAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "prompt_type",
        "prompt_version",
        "experiment",
        "experiment_group",
        "user_age_group",
        "story_type",
        "user_rating",
        "completion_rate",
        "cost_usd",
        "success",
    )
    list_filter = (
        "prompt_type",
        "prompt_version",
        "experiment_group",
        "user_age_group",
        "story_type",
        "success",
    )
    search_fields = ("prompt_type", "prompt_version", "story_id", "user__username")
    raw_id_fields = ("user", "operation", "experiment")
    list_select_related = ("experiment",)
