"""Prompts and their immutable versions; one current version per prompt and environment.

A ``Prompt`` is one file of the prompt tree (``system/story_generation``). Each distinct content
it ever had is a ``PromptVersion`` row that is never edited: the text, its hash, who wrote it
and why. ``PromptRelease`` is the movable pointer "current version of this prompt in this
environment"; publishing and rolling back move it and leave a ``PromptReleaseEvent`` saying who
did it and when.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft (never published)"
    PUBLISHED = "published", "Published (current in an environment)"
    ARCHIVED = "archived", "Archived (was published, no longer current)"


class ReleaseAction(models.TextChoices):
    PUBLISH = "publish"
    ROLLBACK = "rollback"


class Prompt(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(
        max_length=100, unique=True, help_text="Path in the prompt tree without .yaml."
    )
    kind = models.CharField(max_length=20, editable=False)
    description = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]
        permissions = [
            ("publish_prompt", "Can publish and roll back prompt versions"),
        ]

    def __str__(self) -> str:
        return self.key

    def save(self, *args, **kwargs):
        self.kind = self.key.split("/", 1)[0]
        super().save(*args, **kwargs)


# Fields that make a version what it is; they never change after the row is created.
IMMUTABLE_VERSION_FIELDS = (
    "prompt_id",
    "version",
    "declared_version",
    "content",
    "content_hash",
    "author",
    "created_by_id",
    "change_note",
)


class PromptVersion(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    prompt = models.ForeignKey(Prompt, on_delete=models.PROTECT, related_name="versions")
    # The unambiguous label recorded on stories and AI operations: the file's declared
    # version, or "<declared>+<7 hex of the hash>" when that label is already taken by
    # different content of the same prompt (an edit without a version bump).
    version = models.CharField(max_length=20)
    declared_version = models.CharField(max_length=20)
    content = models.TextField()
    content_hash = models.CharField(max_length=64)
    author = models.CharField(max_length=150, help_text="The file's created_by, or the editor.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    change_note = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["prompt__key", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["prompt", "version"], name="prompt_version_label_unique"
            ),
            models.UniqueConstraint(
                fields=["prompt", "content_hash"], name="prompt_version_content_unique"
            ),
        ]
        indexes = [models.Index(fields=["prompt", "created_at"], name="prompt_version_created")]

    def __str__(self) -> str:
        return f"{self.prompt.key} v{self.version}"

    def save(self, *args, **kwargs):
        # Versions are immutable: stories and AI operations point at them by label, so the
        # text behind a label must never change. Only ``status`` may move.
        if not self._state.adding:
            stored = (
                PromptVersion.objects.filter(pk=self.pk).values(*IMMUTABLE_VERSION_FIELDS).first()
            )
            if stored is not None:
                changed = [f for f in IMMUTABLE_VERSION_FIELDS if stored[f] != getattr(self, f)]
                if changed:
                    raise ValidationError(
                        f"prompt versions are immutable; create a new version instead of "
                        f"changing {', '.join(changed)}"
                    )
        super().save(*args, **kwargs)


class PromptRelease(models.Model):
    """The current version of a prompt in one environment."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="releases")
    environment = models.CharField(max_length=20)
    version = models.ForeignKey(PromptVersion, on_delete=models.PROTECT, related_name="releases")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["prompt__key", "environment"]
        constraints = [
            models.UniqueConstraint(
                fields=["prompt", "environment"], name="one_current_version_per_environment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prompt.key} @ {self.environment}"


class PromptReleaseEvent(models.Model):
    """Who moved which pointer, from what to what, and when. Append-only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="release_events")
    environment = models.CharField(max_length=20)
    action = models.CharField(max_length=20, choices=ReleaseAction.choices)
    from_version = models.ForeignKey(
        PromptVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_version = models.ForeignKey(PromptVersion, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, help_text="Username, or the command that ran.")
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["prompt", "environment", "created_at"], name="prompt_release_hist")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["publish", "rollback"]), name="release_event_action_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.prompt.key} @ {self.environment}"
