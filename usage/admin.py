"""The ops console for usage: accounts with their limits and abuse history, reservations,
events and alerts. Every change to an account goes through a service, which records who
made it (``UsageEvent.actor``) and when."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet

from . import services
from .config import TIERS
from .models import AlertEvent, UsageAccount, UsageEvent, UsageReservation


class UsageEventInline(admin.TabularInline):
    model = UsageEvent
    fk_name = "account"
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "detail", "actor", "story_id")
    readonly_fields = fields
    ordering = ("-created_at",)
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


def _each(modeladmin, request, queryset: QuerySet, action, done: str) -> None:
    count = 0
    for account in queryset:
        try:
            action(account)
        except ValueError as exc:
            modeladmin.message_user(request, f"{account.user}: {exc}", messages.ERROR)
        else:
            count += 1
    if count:
        modeladmin.message_user(request, f"{done}: {count} account(s).", messages.SUCCESS)


@admin.action(description="Unblock (and clear warnings)")
def unblock(modeladmin, request, queryset):
    _each(
        modeladmin,
        request,
        queryset.filter(is_blocked=True),
        lambda a: services.account_unblock(user_id=a.user_id, actor=request.user),
        "Unblocked",
    )


@admin.action(description="Block (reason: 'blocked by ops after review')")
def block(modeladmin, request, queryset):
    _each(
        modeladmin,
        request,
        queryset,
        lambda a: services.account_block(
            user_id=a.user_id, reason="blocked by ops after review", actor=request.user
        ),
        "Blocked",
    )


@admin.action(description="Reset today's and this month's counters and warnings")
def reset_counters(modeladmin, request, queryset):
    _each(
        modeladmin,
        request,
        queryset,
        lambda a: services.account_counters_reset(user_id=a.user_id, actor=request.user),
        "Counters reset",
    )


@admin.action(description="Reset limits to the tier's")
def reset_limits(modeladmin, request, queryset):
    _each(
        modeladmin,
        request,
        queryset,
        lambda a: services.account_limits_reset(user_id=a.user_id, actor=request.user),
        "Limits reset",
    )


def _tier_action(tier: str):
    def change(modeladmin, request, queryset):
        _each(
            modeladmin,
            request,
            queryset,
            lambda a: services.account_tier_change(
                user_id=a.user_id, tier=tier, actor=request.user
            ),
            f"Moved to {tier}",
        )

    change.__name__ = f"tier_{tier}"
    return admin.action(description=f"Change tier to {tier}")(change)


@admin.register(UsageAccount)
class UsageAccountAdmin(admin.ModelAdmin):
    # Spend beside its limit in one column each, so the costs fit a 1,440 px window next to
    # the filters; every field is on the change page.
    list_display = (
        "user",
        "current_tier",
        "spend_today",
        "spend_this_month",
        "operations_used",
        "reserved",
        "is_blocked",
        "warning_count",
        "last_call",
    )
    list_filter = ("current_tier", "is_blocked", "custom_limits")
    search_fields = ("user__username", "user__email", "block_reason")

    @admin.display(description="today (USD / limit)", ordering="daily_cost_usd")
    def spend_today(self, obj: UsageAccount) -> str:
        return f"{obj.daily_cost_usd} / {obj.daily_cost_limit}"

    @admin.display(description="this month (USD / limit)", ordering="monthly_cost_usd")
    def spend_this_month(self, obj: UsageAccount) -> str:
        return f"{obj.monthly_cost_usd} / {obj.monthly_cost_limit}"

    @admin.display(description="reserved", ordering="reserved_cost_usd")
    def reserved(self, obj: UsageAccount) -> str:
        return f"{obj.reserved_cost_usd:.4f}"

    @admin.display(description="last call", ordering="last_operation_date")
    def last_call(self, obj: UsageAccount) -> str:
        when = obj.last_operation_date
        return when.strftime("%Y-%m-%d %H:%M") if when else "—"

    @admin.display(description="ops (day / month)", ordering="daily_operations")
    def operations_used(self, obj: UsageAccount) -> str:
        return f"{obj.daily_operations} / {obj.monthly_operations}"

    list_select_related = ("user",)
    raw_id_fields = ("user",)
    actions = [unblock, block, reset_counters, reset_limits, *(_tier_action(t) for t in TIERS)]
    inlines = [UsageEventInline]
    # Limits, tier and the block are edited here but saved through services (save_model).
    editable_through_services = (
        "current_tier",
        "daily_cost_limit",
        "monthly_cost_limit",
        "daily_operations_limit",
        "monthly_operations_limit",
        "is_blocked",
        "block_reason",
    )
    fieldsets = (
        (None, {"fields": ("user", "current_tier", "is_blocked", "block_reason")}),
        (
            "Limits (editing one makes them this family's own until reset to the tier)",
            {
                "fields": (
                    "daily_cost_limit",
                    "monthly_cost_limit",
                    "daily_operations_limit",
                    "monthly_operations_limit",
                    "custom_limits",
                )
            },
        ),
        (
            "Spend",
            {
                "fields": (
                    ("daily_cost_usd", "daily_operations", "daily_reset_date"),
                    ("monthly_cost_usd", "monthly_operations", "monthly_reset_date"),
                    ("reserved_cost_usd", "reserved_operations", "open_story_holds"),
                    ("total_lifetime_cost", "total_lifetime_operations"),
                    ("first_operation_date", "last_operation_date"),
                )
            },
        ),
        (
            "Abuse detection",
            {
                "fields": (
                    "warning_count",
                    "last_warning_date",
                    "trailing_median_daily_cost",
                    "cost_spike_flagged_on",
                )
            },
        ),
        (None, {"fields": ("created_at", "updated_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        every = [f.name for f in UsageAccount._meta.fields]
        editable = set(self.editable_through_services)
        if obj is None:
            editable.add("user")
        return [name for name in every if name not in editable]

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        changed = set(form.changed_data)
        user_id, actor = obj.user_id, request.user
        if "current_tier" in changed:
            services.account_tier_change(user_id=user_id, tier=obj.current_tier, actor=actor)
        limits = {name: getattr(obj, name) for name in services.LIMIT_FIELDS if name in changed}
        if limits:
            services.account_limits_adjust(user_id=user_id, actor=actor, **limits)
        if "is_blocked" in changed or ("block_reason" in changed and obj.is_blocked):
            if obj.is_blocked:
                services.account_block(
                    user_id=user_id, reason=obj.block_reason or "blocked by ops", actor=actor
                )
            else:
                services.account_unblock(user_id=user_id, actor=actor)
        obj.refresh_from_db()


@admin.register(UsageReservation)
class UsageReservationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "account",
        "kind",
        "purpose",
        "amount_usd",
        "remaining_usd",
        "drawn_usd",
        "settled_usd",
        "state",
        "created_at",
        "expires_at",
        "closed_at",
    )
    list_filter = ("state", "kind", "purpose")
    search_fields = ("id", "story_id", "account__user__username")
    list_select_related = ("account__user",)
    readonly_fields = [f.name for f in UsageReservation._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # deleting one would leave its amount reserved on the account


@admin.register(UsageEvent)
class UsageEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "account", "kind", "detail", "actor")
    list_filter = ("kind",)
    search_fields = ("account__user__username", "detail", "story_id")
    list_select_related = ("account__user", "actor")
    readonly_fields = [f.name for f in UsageEvent._meta.fields]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AlertEvent)
class AlertEventAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "message",
        "value",
        "threshold",
        "emailed",
        "webhook_status",
    )
    list_filter = ("kind", "emailed")
    search_fields = ("key", "message")
    readonly_fields = [f.name for f in AlertEvent._meta.fields]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
