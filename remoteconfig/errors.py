"""Errors of remote configuration and of the emergency controls it drives."""

from __future__ import annotations

from rest_framework import status

from mira.errors import ApplicationError


class ConfigValueInvalid(ApplicationError):
    """A value ops tried to store does not fit its key; the message starts with the key."""

    code = "config_value_invalid"
    http_status = status.HTTP_400_BAD_REQUEST

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}", extra={"key": key})
        self.key = key
        self.problem = problem


class UnknownConfigKey(ConfigValueInvalid):
    code = "config_key_unknown"

    def __init__(self, key: str) -> None:
        super().__init__(key, "no such runtime setting is declared in remoteconfig.registry")


class ConfigConflict(ApplicationError):
    """Someone else changed the key since the editor was opened (optimistic concurrency)."""

    code = "config_conflict"
    http_status = status.HTTP_409_CONFLICT


class MaintenanceMode(ApplicationError):
    code = "maintenance_mode"
    http_status = status.HTTP_503_SERVICE_UNAVAILABLE


class StoriesAtCapacity(ApplicationError):
    """Ops capped the number of stories in flight and the cap is reached."""

    code = "stories_at_capacity"
    http_status = status.HTTP_503_SERVICE_UNAVAILABLE
