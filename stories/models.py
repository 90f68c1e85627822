import contextlib
import logging
import os
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver

from mira import vocabulary
from mira.vocabulary import DEFAULT_LANGUAGE, MAX_KID_AGE, MIN_KID_AGE, age_group

from .languages import validate_language

logger = logging.getLogger(__name__)


class ReadingLevel(models.TextChoices):
    EMERGENT = "emergent", "Emergent (listens, knows few words)"
    EARLY = "early", "Early reader"
    DEVELOPING = "developing", "Developing reader"
    FLUENT = "fluent", "Fluent reader"


# Story types and lengths come from the one vocabulary (mira/vocabulary.yaml); the choices
# only give them Django's enum shape (StoryType.ADVENTURE == "adventure").
StoryType = models.TextChoices(
    "StoryType",
    [(key.upper(), (key, label)) for key, label in vocabulary.STORY_TYPE_LABELS.items()],
)
StoryLength = models.TextChoices(
    "StoryLength",
    [
        (key.upper(), (key, f"{label} ({low}-{high} words)"))
        for key, label in vocabulary.STORY_LENGTH_LABELS.items()
        for low, high in [vocabulary.LENGTH_BANDS[key]]
    ],
)


class InputKind(models.TextChoices):
    DRAWING = "drawing"
    TEXT = "text"
    AUDIO = "audio"


class StoryStatus(models.TextChoices):
    QUEUED = "queued"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class Stage(models.TextChoices):
    """Pipeline stages in order (spec section 2)."""

    ANALYSE_INPUT = "analyse_input"
    BUILD_CONTEXT = "build_context"
    GENERATE_STORY = "generate_story"
    CHECK_SAFETY = "check_safety"
    NARRATE = "narrate"
    TIME_WORDS = "time_words"
    PAINT_COVER = "paint_cover"
    STORE = "store"


class KidProfile(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kids"
    )
    name = models.CharField(max_length=40)
    age = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(MIN_KID_AGE), MaxValueValidator(MAX_KID_AGE)]
    )
    interests = models.JSONField(default=list, blank=True)  # ["dinosaurs", "trains"]
    reading_level = models.CharField(
        max_length=20, choices=ReadingLevel.choices, default=ReadingLevel.EARLY
    )
    accessibility_needs = models.TextField(blank=True, default="")
    # ISO 639-1; empty: the family's language (ParentPreferences.language).
    language = models.CharField(
        max_length=10, blank=True, default="", validators=[validate_language]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(age__gte=MIN_KID_AGE, age__lte=MAX_KID_AGE), name="kid_age_2_12"
            )
        ]
        indexes = [models.Index(fields=["parent", "name"], name="kid_parent_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.age})"

    @property
    def age_group(self) -> str:
        return age_group(self.age)


class ParentPreferences(models.Model):
    parent = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="story_preferences",
    )
    content_preferences = models.TextField(blank=True, default="")
    educational_focus = models.CharField(max_length=200, blank=True, default="")
    language = models.CharField(
        max_length=10, default=DEFAULT_LANGUAGE, validators=[validate_language]
    )
    avoid_topics = models.JSONField(default=list, blank=True)  # ["spiders", "the dark"]
    keep_audio_input = models.BooleanField(
        default=False, help_text="Keep a child's recorded idea after it is transcribed."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "parent preferences"

    def __str__(self) -> str:
        return f"preferences of {self.parent_id}"


def _story_file(instance: "Story", filename: str, kind: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"stories/{instance.id}/{kind}.{suffix}"


def story_drawing_path(instance: "Story", filename: str) -> str:
    return _story_file(instance, filename, "drawing")


def story_audio_input_path(instance: "Story", filename: str) -> str:
    return _story_file(instance, filename, "input-audio")


def story_audio_path(instance: "Story", filename: str) -> str:
    return _story_file(instance, filename, "narration")


def story_cover_path(instance: "Story", filename: str) -> str:
    return _story_file(instance, filename, "cover")


class Story(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stories"
    )
    kid = models.ForeignKey(KidProfile, on_delete=models.CASCADE, related_name="stories")

    status = models.CharField(
        max_length=20, choices=StoryStatus.choices, default=StoryStatus.QUEUED
    )
    current_stage = models.CharField(max_length=30, choices=Stage.choices, blank=True, default="")
    completed_stages = models.JSONField(default=list, blank=True)
    stage_outputs = models.JSONField(default=dict, blank=True)  # checkpoints between stages
    attempts = models.PositiveSmallIntegerField(default=0)
    failure_code = models.CharField(max_length=50, blank=True, default="")
    failure_detail = models.TextField(blank=True, default="")
    idempotency_key = models.CharField(max_length=100, blank=True, default="")
    # Idempotency: a digest of the request the key was first used with (a reused key with a
    # different body is refused).
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")
    # The running attempt's lease: its worker renews it (heartbeat); once it lapses the
    # reaper re-enqueues or fails the story (stories/pipeline/lease.py).
    lease_owner = models.CharField(max_length=100, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)

    input_kind = models.CharField(max_length=10, choices=InputKind.choices)
    story_type = models.CharField(
        max_length=20, choices=StoryType.choices, default=StoryType.ADVENTURE
    )
    story_length = models.CharField(
        max_length=10, choices=StoryLength.choices, default=StoryLength.SHORT
    )
    language = models.CharField(
        max_length=10, default=DEFAULT_LANGUAGE, validators=[validate_language]
    )
    special_requests = models.TextField(blank=True, default="")
    input_text = models.TextField(blank=True, default="")
    drawing = models.FileField(upload_to=story_drawing_path, blank=True)
    audio_input = models.FileField(upload_to=story_audio_input_path, blank=True)

    title = models.CharField(max_length=200, blank=True, default="")
    text = models.TextField(blank=True, default="")
    audio = models.FileField(upload_to=story_audio_path, blank=True)
    audio_duration_seconds = models.FloatField(null=True, blank=True)
    cover = models.FileField(upload_to=story_cover_path, blank=True)

    # The spec's "enhanced stories" columns.
    word_timestamps = models.JSONField(null=True, blank=True)
    generation_metadata = models.JSONField(default=dict, blank=True)
    prompt_version = models.CharField(max_length=20, blank=True, default="")
    total_cost_usd = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    cost_breakdown = models.JSONField(default=dict, blank=True)
    total_processing_time_ms = models.IntegerField(null=True, blank=True)
    processing_breakdown = models.JSONField(default=dict, blank=True)
    user_rating = models.IntegerField(null=True, blank=True)
    parent_approved = models.BooleanField(null=True, blank=True)
    content_warnings = models.JSONField(default=list, blank=True)
    listening_time_seconds = models.IntegerField(default=0)
    replay_count = models.IntegerField(default=0)
    highlighting_used = models.BooleanField(default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Retention (stories.account.stories_media_expire): when the family last read, listened
    # to or rated the story, and when its media were deleted for lack of use.
    last_used_at = models.DateTimeField(null=True, blank=True)
    media_expired_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user_rating__isnull=True) | Q(user_rating__gte=1, user_rating__lte=5),
                name="story_rating_1_5",
            ),
            models.CheckConstraint(
                condition=Q(total_cost_usd__isnull=True) | Q(total_cost_usd__gte=0),
                name="story_cost_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(listening_time_seconds__gte=0) & Q(replay_count__gte=0),
                name="story_listening_non_negative",
            ),
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="story_idempotency_key_per_owner",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="story_owner_recent"),
            models.Index(fields=["status", "updated_at"], name="story_status_updated"),
            models.Index(
                fields=["status", "lease_expires_at"],
                condition=Q(status__in=["queued", "processing"]),
                name="story_in_flight_lease",
            ),
            models.Index(fields=["kid", "-created_at"], name="story_kid_recent"),
        ]

    def __str__(self) -> str:
        return self.title or f"story {self.id}"

    @property
    def total_cost(self) -> Decimal:
        return Decimal("0.0000") if self.total_cost_usd is None else self.total_cost_usd


STORY_FILE_FIELDS = ("drawing", "audio_input", "audio", "cover")


@receiver(post_delete, sender=Story, dispatch_uid="stories.delete_story_files")
def delete_story_files(sender, instance: Story, **kwargs) -> None:
    """Deleting a story deletes its files: the drawing, the child's recording, the narration
    and the cover. A signal rather than a service, so bulk deletes, the admin and the cascade
    from a deleted account all do it. After commit: a rolled-back delete keeps its files."""
    names = [(f.storage, f.name) for f in (getattr(instance, n) for n in STORY_FILE_FIELDS) if f]

    def delete_files() -> None:
        for storage, name in names:
            try:
                storage.delete(name)
            except OSError:  # already gone, or the storage is down: the row is gone regardless
                logger.warning("story file not deleted", extra={"story_id": str(instance.pk)})
        folder = f"stories/{instance.pk}"
        if isinstance(default_storage, FileSystemStorage) and default_storage.exists(folder):
            with contextlib.suppress(OSError):  # rmdir removes only an empty folder
                os.rmdir(default_storage.path(folder))

    transaction.on_commit(delete_files)
