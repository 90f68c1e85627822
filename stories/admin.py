from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.db import connection
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
            if connection.vendor == "postgresql":
                return queryset.filter(completed_stages__contains=[self.value()])
            # SQLite (the embedded default) has no JSON containment: match the quoted name
            # in the list's JSON text (stage names are not substrings of each other's quotes).
            return queryset.filter(completed_stages__icontains=f'"{self.value()}"')
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
    # Compact columns (a short title, status with its stage, type with its length) so cost
    # and time stay inside a 1,440 px window next to the filters.
    list_display = (
        "short_title",
        "kid",
        "owner",
        "status_and_stage",
        "type_and_length",
        "total_cost_usd",
        "seconds",
        "prompt_version",
        "created",
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

    @admin.display(description="story", ordering="title")
    def short_title(self, obj: Story) -> str:
        text = str(obj)
        return text if len(text) <= 40 else text[:39] + "…"

    @admin.display(description="status", ordering="status")
    def status_and_stage(self, obj: Story) -> str:
        if obj.status in (StoryStatus.QUEUED, StoryStatus.PROCESSING) and obj.current_stage:
            return f"{obj.get_status_display()} ({obj.current_stage})"
        return obj.get_status_display()

    @admin.display(description="type", ordering="story_type")
    def type_and_length(self, obj: Story) -> str:
        return f"{obj.story_type}, {obj.story_length}"

    @admin.display(description="created", ordering="created_at")
    def created(self, obj: Story) -> str:
        return obj.created_at.strftime("%Y-%m-%d %H:%M")

    @admin.display(description="time (s)", ordering="total_processing_time_ms")
    def seconds(self, obj: Story) -> str:
        ms = obj.total_processing_time_ms
        return "—" if ms is None else f"{ms / 1000:.1f}"

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
