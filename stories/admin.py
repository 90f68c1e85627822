from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from .access import signed_url
from .models import KidProfile, ParentPreferences, Stage, Story, StoryStatus


class ReachedStageFilter(admin.SimpleListFilter):
    """Stories that finished a stage (the Operations dashboard's funnel links here)."""

    title = "finished stage"
    parameter_name = "reached"

    def lookups(self, request, model_admin):
        return Stage.choices

    def queryset(self, request, queryset):
        if self.value() in Stage.values:
            return queryset.filter(completed_stages__contains=[self.value()])
        return queryset


class StuckFilter(admin.SimpleListFilter):
    """Queued or processing with no change for ``MIRA_OPS_STUCK_MINUTES``."""

    title = "stuck"
    parameter_name = "stuck"

    def lookups(self, request, model_admin):
        return [("yes", "Stuck")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            since = timezone.now() - timedelta(minutes=int(settings.MIRA_OPS_STUCK_MINUTES))
            return queryset.filter(
                status__in=(StoryStatus.QUEUED, StoryStatus.PROCESSING), updated_at__lt=since
            )
        return queryset


@admin.register(KidProfile)
class KidProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "age", "reading_level", "parent", "created_at")
    list_filter = ("age", "reading_level")
    search_fields = ("name", "parent__username", "parent__email", "id")
    raw_id_fields = ("parent",)
    readonly_fields = ("id", "created_at", "updated_at")


@admin.register(ParentPreferences)
class ParentPreferencesAdmin(admin.ModelAdmin):
    list_display = ("parent", "language", "educational_focus", "keep_audio_input", "updated_at")
    list_filter = ("language", "keep_audio_input")
    search_fields = ("parent__username", "parent__email")
    raw_id_fields = ("parent",)


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "kid",
        "owner",
        "status",
        "current_stage",
        "story_type",
        "story_length",
        "input_kind",
        "total_cost_usd",
        "total_processing_time_ms",
        "prompt_version",
        "created_at",
    )
    list_filter = (
        "status",
        StuckFilter,
        ReachedStageFilter,
        "failure_code",
        "story_type",
        "story_length",
        "input_kind",
        "language",
        "prompt_version",
        "created_at",
    )
    search_fields = ("id", "title", "kid__name", "owner__username", "owner__email", "failure_code")
    date_hierarchy = "created_at"
    raw_id_fields = ("owner", "kid")
    list_select_related = ("kid", "owner")
    readonly_fields = (
        "id",
        "read_along_link",
        "completed_stages",
        "stage_outputs",
        "attempts",
        "generation_metadata",
        "word_timestamps",
        "total_cost_usd",
        "cost_breakdown",
        "total_processing_time_ms",
        "processing_breakdown",
        "created_at",
        "updated_at",
        "started_at",
        "finished_at",
    )

    @admin.display(description="Read-along page")
    def read_along_link(self, story: Story) -> str:
        if story.status != StoryStatus.READY:
            return "—"
        return format_html(
            '<a href="{}" target="_blank">open</a>', signed_url("stories:read-along", story.id)
        )
