from django.contrib import admin

from mira.admin import ReadOnlyAdminMixin

from .models import AIOperation


class FallbackFilter(admin.SimpleListFilter):
    """Attempts made on a provider after an earlier one in the chain failed (``hop`` > 1)."""

    title = "fallback"
    parameter_name = "fallback"

    def lookups(self, request, model_admin):
        return [("yes", "Fallback attempts"), ("no", "First-choice provider")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(metadata__hop__gt=1)
        if self.value() == "no":
            return queryset.exclude(metadata__hop__gt=1)
        return queryset


@admin.register(AIOperation)
class AIOperationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The ledger is append-only: ops read it, nobody edits it."""

    list_display = (
        "created_at",
        "operation_type",
        "vendor",
        "model_used",
        "success",
        "cost_usd",
        "processing_time_ms",
        "input_size",
        "output_size",
        "attempt",
        "prompt_version",
        "user",
    )
    list_filter = (
        "operation_type",
        "vendor",
        "success",
        FallbackFilter,
        "model_used",
        "created_at",
    )
    search_fields = (
        "id",
        "story_id",
        "user__username",
        "model_used",
        "error_message",
        "error_code",
    )
    date_hierarchy = "created_at"
    list_select_related = ("user",)
