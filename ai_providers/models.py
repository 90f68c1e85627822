import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from .types import Operation


class AIOperation(models.Model):
    """One attempt at one AI call (the spec's ``ai_operations``): the cost ledger.

    Failed attempts and fallback hops get rows of their own, so what a story really cost,
    and what each vendor really did, can be read back from here alone.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Null once the family deleted its account: the row stays, anonymised, for accounting
    # (what was spent with which vendor); see ``services.operations_anonymise``.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ai_operations",
        db_index=False,  # ``idx_user_operations`` starts with the user
    )
    operation_type = models.CharField(
        max_length=50, choices=[(o.value, o.value) for o in Operation]
    )
    vendor = models.CharField(max_length=50)
    model_used = models.CharField(max_length=100, blank=True, default="")
    input_size = models.IntegerField(null=True, blank=True)  # tokens, characters, bytes, seconds
    output_size = models.IntegerField(null=True, blank=True)
    cost_usd = models.DecimalField(max_digits=10, decimal_places=6, default=Decimal("0"))
    processing_time_ms = models.IntegerField()
    success = models.BooleanField(default=True)
    error_message = models.TextField(blank=True, default="")
    error_code = models.CharField(max_length=50, blank=True, default="")
    prompt_version = models.CharField(max_length=20, blank=True, default="")
    session_id = models.UUIDField(null=True, blank=True)
    # The story this call worked for; a plain UUID because stories sit above this app. Indexed
    # where set (``ai_operation_story``): calls outside a story add no index entry.
    story_id = models.UUIDField(null=True, blank=True)
    stage = models.CharField(max_length=30, blank=True, default="")
    attempt = models.PositiveSmallIntegerField(default=1)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ai_operations"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost_usd__gte=0), name="ai_operation_cost_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(processing_time_ms__gte=0), name="ai_operation_time_non_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "created_at"], name="idx_user_operations"),
            models.Index(fields=["created_at", "cost_usd"], name="idx_cost_tracking"),
            models.Index(
                fields=["vendor", "operation_type", "success"], name="idx_vendor_performance"
            ),
            models.Index(
                fields=["story_id"],
                condition=Q(story_id__isnull=False),
                name="ai_operation_story",
            ),
        ]

    def __str__(self) -> str:
        outcome = "ok" if self.success else "failed"
        return f"{self.operation_type} via {self.vendor}/{self.model_used} ({outcome})"
