from django.contrib import admin

from .models import UsageAccount, UsageReservation


@admin.register(UsageAccount)
class UsageAccountAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "current_tier",
        "daily_cost_usd",
        "daily_cost_limit",
        "monthly_cost_usd",
        "monthly_cost_limit",
        "daily_operations",
        "monthly_operations",
        "reserved_cost_usd",
        "is_blocked",
        "last_operation_date",
    )
    list_filter = ("current_tier", "is_blocked")
    search_fields = ("user__username", "user__email", "block_reason")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = (
        "reserved_cost_usd",
        "reserved_operations",
        "total_lifetime_cost",
        "total_lifetime_operations",
        "first_operation_date",
        "last_operation_date",
        "created_at",
        "updated_at",
    )


@admin.register(UsageReservation)
class UsageReservationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "account",
        "purpose",
        "amount_usd",
        "settled_usd",
        "state",
        "created_at",
        "closed_at",
    )
    list_filter = ("state", "purpose")
    search_fields = ("id", "account__user__username")
    readonly_fields = [f.name for f in UsageReservation._meta.fields]

    def has_add_permission(self, request):
        return False
