from django.contrib import admin

from .models import AIOperation


@admin.register(AIOperation)
class AIOperationAdmin(admin.ModelAdmin):
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
    list_filter = ("operation_type", "vendor", "success", "model_used", "created_at")
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
