from django.contrib import admin
from django.utils.html import format_html

from .access import signed_url
from .models import KidProfile, ParentPreferences, Story, StoryStatus


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
