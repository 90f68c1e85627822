"""Ledger, story and account rows for dashboard tests and the dashboard bench."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group

from accounts.groups import OPS
from ai_providers.models import AIOperation
from stories.models import Story, StoryStatus
from stories.tests.factories import KidFactory, UserFactory
from usage.models import UsageAccount


def ops_user(**extra):
    user = UserFactory(is_staff=True, **extra)
    user.groups.add(Group.objects.get(name=OPS))
    return user


def ledger_row(*, user, at: datetime, operation: str, vendor: str, cost: str, ms: int,
               success: bool = True, hop: int = 1, story_id=None, code: str = "") -> AIOperation:  # fmt: skip
    row = AIOperation.objects.create(
        user=user,
        operation_type=operation,
        vendor=vendor,
        model_used=f"{vendor}-model",
        cost_usd=Decimal(cost),
        processing_time_ms=ms,
        success=success,
        error_code=code if not success else "",
        error_message="vendor said no" if not success else "",
        story_id=story_id,
        metadata={"hop": hop, "try": 1},
    )
    AIOperation.objects.filter(pk=row.pk).update(created_at=at)
    return row


def story_row(*, kid, at: datetime, status: str, cost: str | None = None, stages=(), code=""):
    story = Story.objects.create(
        owner=kid.parent,
        kid=kid,
        input_kind="text",
        input_text="a boat",
        status=status,
        completed_stages=list(stages),
        total_cost_usd=Decimal(cost) if cost is not None else None,
        failure_code=code,
    )
    Story.objects.filter(pk=story.pk).update(created_at=at, updated_at=at)
    return story


def seed_small(now: datetime | None = None) -> dict:
    """Three days of calls from two families over two vendors, with failures and fallbacks."""
    now = now or datetime.now(UTC)
    today = now.replace(hour=10, minute=0, second=0, microsecond=0)
    if today > now:
        # Before 10:00 UTC: halfway between midnight and now, so "today" stays today (five
        # minutes back would land in yesterday when the suite runs just after midnight).
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        today = midnight + (now - midnight) / 2
    kid_a, kid_b = KidFactory(name="Mia"), KidFactory(name="Leo")
    a, b = kid_a.parent, kid_b.parent
    UsageAccount.objects.create(user=a, warning_count=2)
    rows = []
    plan = [
        # (days ago, user, operation, vendor, cost, ms, success, hop)
        (0, a, "story_generation", "openai", "0.012000", 900, True, 1),
        (0, a, "story_generation", "openai", "0.000000", 300, False, 1),
        (0, a, "story_generation", "anthropic", "0.015000", 1200, True, 2),
        (0, b, "text_to_speech", "openai", "0.030000", 2000, True, 1),
        (1, b, "text_to_speech", "google", "0.020000", 1500, True, 1),
        (1, b, "image_generation", "openai", "0.040000", 8000, True, 1),
        (1, a, "image_generation", "openai", "0.000000", 100, False, 1),
        (2, a, "story_generation", "openai", "0.011000", 800, True, 1),
        (2, a, "story_generation", "openai", "0.013000", 1000, True, 1),
    ]
    for days_ago, user, op, vendor, cost, ms, success, hop in plan:
        rows.append(
            ledger_row(
                user=user, at=today - timedelta(days=days_ago), operation=op, vendor=vendor,
                cost=cost, ms=ms, success=success, hop=hop, code="" if success else "server_error",
            )
        )  # fmt: skip
    stories = [
        story_row(kid=kid_a, at=today, status=StoryStatus.READY, cost="0.2000",
                  stages=["analyse_input", "build_context", "generate_story", "check_safety",
                          "narrate", "time_words", "paint_cover", "store"]),
        story_row(kid=kid_a, at=today, status=StoryStatus.READY, cost="0.6000",
                  stages=["analyse_input", "build_context", "generate_story", "check_safety",
                          "narrate", "time_words", "paint_cover", "store"]),
        story_row(kid=kid_b, at=today - timedelta(days=1), status=StoryStatus.FAILED,
                  stages=["analyse_input", "build_context", "generate_story"],
                  code="content_unsafe"),
        story_row(kid=kid_b, at=today - timedelta(hours=2), status=StoryStatus.PROCESSING,
                  stages=["analyse_input"]),
    ]  # fmt: skip
    return {"rows": rows, "stories": stories, "families": (a, b)}


def seed_demo(now: datetime | None = None, days: int = 7) -> None:
    """A week of believable traffic for the screenshot and the browser test: four vendors,
    six operations, a few failures and fallbacks, stories in every state."""
    now = now or datetime.now(UTC)
    families = [KidFactory(name=name) for name in ("Mia", "Leo", "Ava", "Noah", "Zoe")]
    for index, kid in enumerate(families):
        UsageAccount.objects.create(user=kid.parent, warning_count=1 if index == 2 else 0)
    mix = [
        # operation, vendor, base cost, ms
        ("story_generation", "openai", "0.0120", 2400),
        ("story_generation", "anthropic", "0.0150", 2900),
        ("content_safety", "openai", "0.0004", 450),
        ("text_to_speech", "google", "0.0160", 1800),
        ("text_to_speech", "openai", "0.0210", 1500),
        ("image_generation", "openai", "0.0400", 9000),
        ("image_recognition", "google", "0.0015", 700),
        ("transcription", "local", "0", 1200),
    ]
    rows, times = [], []
    for day in range(days):
        for n in range(18 + (day * 7) % 11):
            operation, vendor, cost, ms = mix[(n + day) % len(mix)]
            kid = families[(n * 3 + day) % len(families)]
            at = now - timedelta(days=day, minutes=7 * n + 3)
            failed = (n + day) % 13 == 0
            scale = Decimal(90 + (n * 17 + day * 5) % 40) / 100
            rows.append(
                AIOperation(
                    user=kid.parent, operation_type=operation, vendor=vendor,
                    model_used=f"{vendor}-model",
                    cost_usd=Decimal(0) if failed else (Decimal(cost) * scale).quantize(
                        Decimal("0.000001")),
                    processing_time_ms=int(ms * float(scale)) if not failed else 300,
                    success=not failed, error_code="server_error" if failed else "",
                    metadata={"hop": 2 if vendor == "anthropic" and n % 3 == 0 else 1},
                )
            )  # fmt: skip
            times.append(at)
    # auto_now_add overwrites created_at on insert: date the rows afterwards.
    for row, at in zip(AIOperation.objects.bulk_create(rows), times, strict=True):
        AIOperation.objects.filter(pk=row.pk).update(created_at=at)
    full = ["analyse_input", "build_context", "generate_story", "check_safety", "narrate",
            "time_words", "paint_cover", "store"]  # fmt: skip
    for day in range(days):
        for n in range(4):
            kid = families[(n + day) % len(families)]
            at = now - timedelta(days=day, hours=n + 1)
            if (n + day) % 9 == 0:
                story_row(kid=kid, at=at, status=StoryStatus.FAILED, stages=full[:3],
                          code="content_unsafe" if day % 2 else "provider_unavailable")  # fmt: skip
            else:
                cost = Decimal("0.18") + Decimal((n * 13 + day * 7) % 40) / 100
                story_row(kid=kid, at=at, status=StoryStatus.READY, cost=str(cost), stages=full)
    story_row(kid=families[0], at=now - timedelta(minutes=2), status=StoryStatus.QUEUED)
    story_row(kid=families[1], at=now - timedelta(minutes=1), status=StoryStatus.PROCESSING,
              stages=full[:4])  # fmt: skip
    story_row(kid=families[3], at=now - timedelta(hours=3), status=StoryStatus.PROCESSING,
              stages=full[:2])  # fmt: skip
