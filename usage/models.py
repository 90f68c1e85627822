import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from .windows import current_windows


class Tier(models.TextChoices):
    FREE = "free"
    PREMIUM = "premium"
    ENTERPRISE = "enterprise"


def _today():
    return current_windows().day


def _month_start():
    return current_windows().month


class UsageAccount(models.Model):
    """A family's spend and limits (the spec's ``user_usage_tracking``), one row per user.

    ``reserved_*`` hold the worst-case cost of calls in flight and what is left of the
    estimates of stories in flight, so concurrent requests are checked against
    spent + reserved and cannot overshoot a limit together. The four limit columns are the
    limits in force: copied from the tier (file, then remote config) under the account lock,
    unless ops adjusted them for this family (``custom_limits``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="usage_account",
    )
    current_tier = models.CharField(max_length=20, choices=Tier.choices, default=Tier.FREE)

    daily_cost_usd = models.DecimalField(max_digits=14, decimal_places=6, default=Decimal("0"))
    daily_operations = models.IntegerField(default=0)
    daily_reset_date = models.DateField(default=_today)

    monthly_cost_usd = models.DecimalField(max_digits=14, decimal_places=6, default=Decimal("0"))
    monthly_operations = models.IntegerField(default=0)
    monthly_reset_date = models.DateField(default=_month_start)

    daily_cost_limit = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("5.00"))
    monthly_cost_limit = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("20.00")
    )
    daily_operations_limit = models.IntegerField(default=50)
    monthly_operations_limit = models.IntegerField(default=500)
    custom_limits = models.BooleanField(
        default=False,
        help_text="Ops set this family's limits by hand; tier changes and remote config "
        "leave them alone until they are reset to the tier.",
    )

    # Spend of calls in flight, at worst-case cost, 6 places like the ledger, plus what is
    # left of open story holds.
    reserved_cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal("0"))
    reserved_operations = models.IntegerField(default=0)
    open_story_holds = models.IntegerField(default=0)

    is_blocked = models.BooleanField(default=False)
    block_reason = models.TextField(blank=True, default="")
    # Warnings since the last quiet spell (see abuse.py); ops can reset it.
    warning_count = models.IntegerField(default=0)
    last_warning_date = models.DateTimeField(null=True, blank=True)
    # Median daily spend of the family's recent active days, refreshed at each day rollover.
    trailing_median_daily_cost = models.DecimalField(
        max_digits=14, decimal_places=6, default=Decimal("0")
    )
    cost_spike_flagged_on = models.DateField(null=True, blank=True)

    # Sums keep the ledger's 6 places: at fewer, each settle rounds, and a call cheaper than
    # half the last place (a short judge call) would never count against the family's limit.
    total_lifetime_cost = models.DecimalField(max_digits=16, decimal_places=6, default=Decimal("0"))
    total_lifetime_operations = models.IntegerField(default=0)
    first_operation_date = models.DateTimeField(null=True, blank=True)
    last_operation_date = models.DateTimeField(null=True, blank=True)

    updated_at = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "user_usage_tracking"
        constraints = [
            models.CheckConstraint(
                condition=Q(daily_cost_usd__gte=0)
                & Q(monthly_cost_usd__gte=0)
                & Q(total_lifetime_cost__gte=0)
                & Q(reserved_cost_usd__gte=0),
                name="usage_costs_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(daily_operations__gte=0)
                & Q(monthly_operations__gte=0)
                & Q(reserved_operations__gte=0)
                & Q(open_story_holds__gte=0),
                name="usage_operations_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(daily_cost_limit__gte=0)
                & Q(monthly_cost_limit__gte=0)
                & Q(daily_operations_limit__gte=0)
                & Q(monthly_operations_limit__gte=0),
                name="usage_limits_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["current_tier"], name="usage_tier_idx"),
            models.Index(fields=["is_blocked"], name="usage_blocked_idx"),
            models.Index(fields=["daily_reset_date"], name="usage_daily_reset_idx"),
        ]

    def __str__(self) -> str:
        return f"usage of {self.user_id} ({self.current_tier})"


class UsageDay(models.Model):
    """One finished day of a family's spend, archived when the daily window rolls over; the
    trailing median for cost-spike detection is computed from these."""

    account = models.ForeignKey(UsageAccount, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    cost_usd = models.DecimalField(max_digits=14, decimal_places=6)
    operations = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="usage_day_unique"),
        ]
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day}: ${self.cost_usd}"


class ReservationState(models.TextChoices):
    OPEN = "open"
    SETTLED = "settled"
    RELEASED = "released"
    EXPIRED = "expired"


class ReservationKind(models.TextChoices):
    CALL = "call"  # one AI call's worst case and one operation
    STORY = "story"  # a whole story's estimate; its calls draw from it


class UsageReservation(models.Model):
    """Budget held until settled or released: one AI call at its worst case, or a story's
    estimated total. A call made while the family has a story hold draws what it can from the
    hold (``hold``, ``drawn_*``), so a story's money is never held twice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: ``reservation_account_kind`` starts with the account. Every call
    # writes a row here and settles it (an update that moves its state, so every index of the
    # table gets a new entry), so each index the table does without is work saved per call.
    account = models.ForeignKey(
        UsageAccount, on_delete=models.CASCADE, related_name="reservations", db_index=False
    )
    kind = models.CharField(
        max_length=10, choices=ReservationKind.choices, default=ReservationKind.CALL
    )
    amount_usd = models.DecimalField(max_digits=12, decimal_places=6)
    operations = models.IntegerField(default=1)
    purpose = models.CharField(max_length=50, blank=True, default="")
    # Story holds: the story (a plain UUID: stories sit above this app) and what is left of
    # the estimate, which is the part counted in the account's ``reserved_*``. Calls made for
    # a story carry its id too, so the story's open calls can be found when its worker died.
    story_id = models.UUIDField(null=True, blank=True)
    # Calls: the logical operation this call is part of. Calls sharing a key count as one
    # operation against the limits (docs/usage.md, "Logical operations").
    operation_key = models.CharField(max_length=150, blank=True, default="")
    remaining_usd = models.DecimalField(
        max_digits=12, decimal_places=6, default=Decimal("0"), blank=True
    )
    remaining_operations = models.IntegerField(default=0, blank=True)
    # Calls: the story hold they drew from, and how much of their reservation came from it.
    # Indexed only where set (``reservation_hold``): most calls draw from no hold.
    hold = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="draws",
        db_index=False,
    )
    drawn_usd = models.DecimalField(
        max_digits=12, decimal_places=6, default=Decimal("0"), blank=True
    )
    drawn_operations = models.IntegerField(default=0, blank=True)

    state = models.CharField(
        max_length=10, choices=ReservationState.choices, default=ReservationState.OPEN
    )
    settled_usd = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    settled_operations = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_usd__gte=0)
                & Q(remaining_usd__gte=0)
                & Q(drawn_usd__gte=0)
                & Q(drawn_usd__lte=models.F("amount_usd")),
                name="reservation_amount_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(operations__gte=0)
                & Q(remaining_operations__gte=0)
                & Q(drawn_operations__gte=0),
                name="reservation_operations_non_negative",
            ),
            models.UniqueConstraint(
                fields=["story_id"],
                condition=Q(kind="story"),
                name="reservation_one_hold_per_story",
            ),
        ]
        indexes = [
            # What the reclaim job reads: open reservations by time-out. Closed rows (nearly
            # all of them) have no entry, and a settle adds none.
            models.Index(
                fields=["expires_at"],
                condition=Q(state="open"),
                name="reservation_open_expires",
            ),
            models.Index(fields=["hold"], condition=Q(hold__isnull=False), name="reservation_hold"),
            models.Index(
                fields=["account", "operation_key"],
                condition=~Q(operation_key=""),
                name="reservation_operation_key",
            ),
            models.Index(
                fields=["story_id", "state"],
                condition=Q(kind="call", story_id__isnull=False),
                name="reservation_call_story",
            ),
            models.Index(
                fields=["account", "kind", "state", "created_at"], name="reservation_account_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount_usd} for {self.purpose or self.kind} ({self.state})"


class EventKind(models.TextChoices):
    BURST_THROTTLED = "burst_throttled", "Story requests throttled (burst)"
    WARNING = "warning", "Warning issued"
    AUTO_BLOCKED = "auto_blocked", "Blocked automatically"
    COST_SPIKE = "cost_spike", "Cost spike"
    SAFETY_REJECTION = "safety_rejection", "Story rejected by the safety check"
    RESERVATIONS_RECLAIMED = "reservations_reclaimed", "Stale reservations reclaimed"
    BLOCKED = "blocked", "Blocked by ops"
    UNBLOCKED = "unblocked", "Unblocked by ops"
    TIER_CHANGED = "tier_changed", "Tier changed"
    LIMITS_ADJUSTED = "limits_adjusted", "Limits adjusted"
    LIMITS_RESET = "limits_reset", "Limits reset to the tier"
    COUNTERS_RESET = "counters_reset", "Counters reset"


class UsageEvent(models.Model):
    """Every abuse decision and every ops action on an account, with who and when."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(UsageAccount, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    detail = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    story_id = models.UUIDField(null=True, blank=True)
    # Null for automatic decisions; the staff member for ops actions.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["account", "kind", "created_at"], name="usage_event_account_kind"),
            models.Index(fields=["kind", "created_at"], name="usage_event_kind_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.detail[:60]}"


class AlertKind(models.TextChoices):
    DAILY_COST = "daily_cost", "Daily total cost"
    USER_OVER_LIMIT = "user_over_limit", "A family above a multiple of its limit"
    VENDOR_BUDGET = "vendor_budget", "Vendor budget"
    ERROR_RATE = "error_rate", "Error rate"
    LATENCY = "latency", "Latency"
    SUCCESS_RATE = "success_rate", "Success rate"
    QUEUE_DEPTH = "queue_depth", "Queue depth"
    QUEUE_AGE = "queue_age", "Oldest queued story"


class AlertEvent(models.Model):
    """One alert that fired and was sent (or failed to send). Repeats of the same ``key``
    within the de-duplication window are not stored again; see ``AlertState``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=30, choices=AlertKind.choices)
    key = models.CharField(max_length=200)
    message = models.TextField()
    value = models.CharField(max_length=50)
    threshold = models.CharField(max_length=50)
    data = models.JSONField(default=dict, blank=True)
    emailed = models.BooleanField(default=False)
    webhook_status = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "created_at"], name="alert_kind_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message[:60]}"


class AlertState(models.Model):
    """When an alert ``key`` last fired: locked while deciding, so two evaluators running at
    once cannot both send the same alert."""

    key = models.CharField(max_length=200, primary_key=True)
    last_fired_at = models.DateTimeField(null=True, blank=True)
    suppressed = models.IntegerField(default=0)  # repeats swallowed since the last one sent

    def __str__(self) -> str:
        return self.key
