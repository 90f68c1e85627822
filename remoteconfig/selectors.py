"""Reads of runtime configuration: the active database value for this environment, else the
default the caller gives (usually from ``config/ai_providers.yaml``)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError

from .models import AppConfiguration

logger = logging.getLogger(__name__)


def config_value(key: str, default: Any = None) -> Any:
    try:
        row = (
            AppConfiguration.objects.filter(
                config_key=key, environment=settings.MIRA_ENVIRONMENT, is_active=True
            )
            .values_list("config_value", flat=True)
            .first()
        )
    except DatabaseError:
        logger.warning("remote config unreachable; using the default for %s", key)
        return default
    return default if row is None else row


def config_flag(key: str, default: bool) -> bool:
    return bool(config_value(key, default))


def provider_enabled(name: str) -> tuple[bool, str]:
    """Whether ops left AI provider ``name`` switched on, and the reason given if not."""
    value = config_value(f"providers.{name}", None)
    if isinstance(value, dict) and value.get("enabled") is False:
        return False, str(value.get("reason", ""))
    return True, ""
