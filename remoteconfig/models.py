import uuid

from django.db import models


class Environment(models.TextChoices):
    DEVELOPMENT = "development"
    STAGING = "staging"
    PRODUCTION = "production"


class AppConfiguration(models.Model):
    """One runtime value (the spec's ``app_configurations``); overrides the file defaults."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    config_key = models.CharField(max_length=100)
    config_value = models.JSONField()
    environment = models.CharField(
        max_length=20, choices=Environment.choices, default=Environment.DEVELOPMENT
    )
    version = models.CharField(max_length=20, blank=True, default="1")
    is_active = models.BooleanField(default=True)
    created_by = models.CharField(max_length=100, blank=True, default="")
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

    def __str__(self) -> str:
        return f"{self.config_key} ({self.environment})"
