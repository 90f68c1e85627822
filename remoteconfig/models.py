import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class Environment(models.TextChoices):
    DEVELOPMENT = "development"
    STAGING = "staging"
    PRODUCTION = "production"


class AppConfiguration(models.Model):
    """One runtime value (the spec's ``app_configurations``); overrides the declared default.

    Written only through ``remoteconfig.services`` (validated against the registry, history
    recorded, caches invalidated). ``is_active=False`` means "back to the default".
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    config_key = models.CharField(max_length=100)
    config_value = models.JSONField()
    environment = models.CharField(
        max_length=20, choices=Environment.choices, default=Environment.DEVELOPMENT
    )
    # A counter, not the spec's free-form string: editors send the version they saw, and a
    # save against an older one is refused instead of silently overwriting a colleague.
    version = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    created_by = models.CharField(max_length=150, blank=True, default="")
    updated_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "app_configurations"
        constraints = [
            models.UniqueConstraint(
                fields=["config_key", "environment"], name="app_configuration_key_env_unique"
            )
        ]
        indexes = [models.Index(fields=["environment", "is_active"], name="appconfig_env_active")]
        ordering = ["config_key"]
        verbose_name = "runtime setting"

    def __str__(self) -> str:
        return f"{self.config_key} ({self.environment})"


class ChangeAction(models.TextChoices):
    SET = "set"
    RESET = "reset"  # back to the default (row deactivated)
    REVERT = "revert"
    IMPORT = "import"


class AppConfigurationChange(models.Model):
    """One change to one key, never edited or deleted (on PostgreSQL a trigger enforces it).

    ``old_active``/``new_active`` say whether a stored value applied before/after; when false
    the key was at its default and the value column is meaningless.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    config_key = models.CharField(max_length=100)
    environment = models.CharField(max_length=20, choices=Environment.choices)
    action = models.CharField(max_length=10, choices=ChangeAction.choices)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    old_active = models.BooleanField()
    new_active = models.BooleanField()
    version = models.PositiveIntegerField()
    # No foreign key: history outlives users and must never be rewritten by a cascade.
    author = models.CharField(max_length=150)
    author_id = models.UUIDField(null=True, blank=True)
    reason = models.TextField(blank=True, default="")
    reverts = models.UUIDField(null=True, blank=True, help_text="The change this one undid.")
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "app_configuration_history"
        ordering = ["-changed_at"]
        indexes = [
            models.Index(fields=["config_key", "environment", "-changed_at"], name="appconfig_hist")
        ]
        verbose_name = "setting change"

    def __str__(self) -> str:
        return f"{self.config_key} v{self.version} by {self.author}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("Configuration history is immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Configuration history is immutable.")
