from django.contrib import admin

from .models import AppConfiguration


@admin.register(AppConfiguration)
class AppConfigurationAdmin(admin.ModelAdmin):
    list_display = (
        "config_key",
        "environment",
        "config_value",
        "version",
        "is_active",
        "created_by",
        "updated_at",
    )
    list_filter = ("environment", "is_active")
    search_fields = ("config_key", "created_by")
    readonly_fields = ("id", "created_at", "updated_at")
