import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Tier(models.TextChoices):
    FREE = "free"
    PREMIUM = "premium"
    ENTERPRISE = "enterprise"


def _today():
    return timezone.now().date()


def _month_start():
    return timezone.now().date().replace(day=1)


class UsageAccount(models.Model):
    """A family's spend and limits (the spec's ``user_usage_tracking``), one row per user.

    ``reserved_*`` hold the worst-case cost of calls in flight, so concurrent requests are
    checked against spent + reserved and cannot overshoot a limit together.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="usage_account",
    )
    current_tier = models.CharField(max_length=20, choices=Tier.choices, default=Tier.FREE)

    daily_cost_usd = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("0"))
    daily_operations = models.IntegerField(default=0)
    daily_reset_date = models.DateField(default=_today)

    monthly_cost_usd = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("0"))
    monthly_operations = models.IntegerField(default=0)
    monthly_reset_date = models.DateField(default=_month_start)

    daily_cost_limit = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("5.00"))
    monthly_cost_limit = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("20.00")
    )
    daily_operations_limit = models.IntegerField(default=50)
    monthly_operations_limit = models.IntegerField(default=500)

    # Spend of calls in flight, at worst-case cost, 6 places like the ledger.
    reserved_cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal("0"))
    reserved_operations = models.IntegerField(default=0)

    is_blocked = models.BooleanField(default=False)
    block_reason = models.TextField(blank=True, default="")
    warning_count = models.IntegerField(default=0)
    last_warning_date = models.DateTimeField(null=True, blank=True)

    # Sums keep 4 places (the spec's 2 would round sub-cent calls away).
    total_lifetime_cost = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
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
                & Q(reserved_operations__gte=0),
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
        ]

    def __str__(self) -> str:
        return f"usage of {self.user_id} ({self.current_tier})"


class ReservationState(models.TextChoices):
    OPEN = "open"
    SETTLED = "settled"
    RELEASED = "released"
    EXPIRED = "expired"


class UsageReservation(models.Model):
    """Budget held for one call in flight, at its worst-case cost, until settled or released."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(UsageAccount, on_delete=models.CASCADE, related_name="reservations")
    amount_usd = models.DecimalField(max_digits=12, decimal_places=6)
    operations = models.IntegerField(default=1)
    purpose = models.CharField(max_length=50, blank=True, default="")
    state = models.CharField(
        max_length=10, choices=ReservationState.choices, default=ReservationState.OPEN
    )
    settled_usd = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_usd__gte=0), name="reservation_amount_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(operations__gte=0), name="reservation_operations_non_negative"
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="reservation_state_created")]

    def __str__(self) -> str:
        return f"{self.amount_usd} for {self.purpose or 'a call'} ({self.state})"
