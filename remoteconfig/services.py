"""Writes of runtime configuration. Every change is validated against the registry, applied
under the key's row lock, recorded as an immutable history entry, and announced to every
process through the shared cache stamp (``receivers``) once the transaction commits."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import JSONField, Value

from .errors import ConfigConflict, ConfigValueInvalid
from .models import AppConfiguration, AppConfigurationChange, ChangeAction
from .registry import key_get
from .selectors import current_environment

logger = logging.getLogger(__name__)

MAX_REASON = 500


@dataclass(frozen=True)
class Author:
    """Who made a change: a name for people to read, and the user's id when there is one."""

    name: str
    user_id: uuid.UUID | None = None

    @classmethod
    def of(cls, who: Any) -> Author:
        if isinstance(who, Author):
            return who
        if isinstance(who, str):
            return cls(name=who.strip() or "system")
        if who is None or not getattr(who, "is_authenticated", False):
            return cls(name="system")
        return cls(name=who.get_username(), user_id=who.pk)


def _json(value: Any) -> Any:
    # A JSONField without null=True stores Python None as SQL NULL and refuses it; None is a
    # meaningful value here ("no cap"), so store the JSON scalar null explicitly.
    return Value(None, output_field=JSONField()) if value is None else value


def _check_reason(key: str, reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ConfigValueInvalid(key, f"the reason is at most {MAX_REASON} characters")
    return reason


def _locked_row(key: str, environment: str, value: Any) -> AppConfiguration:
    """The key's row for this environment, locked until the transaction ends.

    The lock serialises concurrent editors of one key, so versions count up one by one and
    every history entry's ``old_value`` is what the row really held. A missing row is created
    inactive first (the unique constraint turns a concurrent create into a get).
    """
    AppConfiguration.objects.get_or_create(
        config_key=key,
        environment=environment,
        defaults={"config_value": _json(value), "is_active": False, "version": 0},
    )
    return AppConfiguration.objects.select_for_update().get(config_key=key, environment=environment)


def _check_version(row: AppConfiguration, expected_version: int | None) -> None:
    if expected_version is not None and row.version != expected_version:
        raise ConfigConflict(
            f"{row.config_key} was changed by {row.updated_by or 'someone'} since you opened it "
            f"(now version {row.version}, you edited version {expected_version}); reload and "
            "try again.",
            extra={"key": row.config_key, "version": row.version},
        )


def _write(
    row: AppConfiguration,
    *,
    value: Any,
    active: bool,
    author: Author,
    reason: str,
    action: str,
    reverts: uuid.UUID | None,
) -> AppConfigurationChange:
    old_value, old_active = row.config_value, row.is_active
    row.config_value = _json(value) if active else _json(old_value)
    row.is_active = active
    row.version += 1
    row.updated_by = author.name
    if not row.created_by:
        row.created_by = author.name
    row.save()
    row.refresh_from_db(fields=["config_value"])
    change = AppConfigurationChange.objects.create(
        config_key=row.config_key,
        environment=row.environment,
        action=action,
        old_value=_json(old_value) if old_active else None,
        new_value=_json(value) if active else None,
        old_active=old_active,
        new_active=active,
        version=row.version,
        author=author.name,
        author_id=author.user_id,
        reason=reason,
        reverts=reverts,
    )
    logger.info(
        "runtime setting changed",
        extra={
            "key": row.config_key,
            "environment": row.environment,
            "version": row.version,
            "action": action,
            "author": author.name,
        },
    )
    return change


def config_set(
    *,
    key: str,
    value: Any,
    author: Any,
    reason: str = "",
    environment: str | None = None,
    expected_version: int | None = None,
    action: str = ChangeAction.SET,
    reverts: uuid.UUID | None = None,
) -> AppConfiguration:
    """Store ``value`` for ``key``. Raises ``ConfigValueInvalid`` (message starts with the
    key) for a value the key's type refuses, ``ConfigConflict`` when ``expected_version`` is
    stale. Setting the value a key already has changes nothing and records nothing."""
    declared = key_get(key)
    cleaned = declared.clean(value)
    reason = _check_reason(key, reason)
    environment = environment or current_environment()
    with transaction.atomic():
        row = _locked_row(key, environment, cleaned)
        _check_version(row, expected_version)
        if row.is_active and row.config_value == cleaned:
            return row
        _write(
            row,
            value=cleaned,
            active=True,
            author=Author.of(author),
            reason=reason,
            action=action,
            reverts=reverts,
        )
    return row


def config_reset(
    *,
    key: str,
    author: Any,
    reason: str = "",
    environment: str | None = None,
    expected_version: int | None = None,
    action: str = ChangeAction.RESET,
    reverts: uuid.UUID | None = None,
) -> AppConfiguration | None:
    """Back to the declared default: the row is deactivated (kept, so history stays whole)."""
    key_get(key)
    reason = _check_reason(key, reason)
    environment = environment or current_environment()
    with transaction.atomic():
        row = (
            AppConfiguration.objects.select_for_update()
            .filter(config_key=key, environment=environment)
            .first()
        )
        if row is None:
            return None
        _check_version(row, expected_version)
        if not row.is_active:
            return row
        _write(
            row,
            value=None,
            active=False,
            author=Author.of(author),
            reason=reason,
            action=action,
            reverts=reverts,
        )
    return row


def config_revert(*, change_id: uuid.UUID, author: Any, reason: str = "") -> AppConfiguration:
    """Put a key back to what it was before ``change_id``. Only the key's latest change can be
    reverted: undoing an older one would silently throw away the changes made after it."""
    change = AppConfigurationChange.objects.get(pk=change_id)
    reason = (
        reason
        or f"revert of the change made by {change.author} at {change.changed_at:%Y-%m-%d %H:%M} UTC"
    )
    common = {
        "key": change.config_key,
        "author": author,
        "reason": reason,
        "environment": change.environment,
        "expected_version": change.version,
        "action": ChangeAction.REVERT,
        "reverts": change.id,
    }
    try:
        if change.old_active:
            row = config_set(value=change.old_value, **common)
        else:
            row = config_reset(**common)
    except ConfigConflict:
        raise ConfigConflict(
            f"{change.config_key} has changed since this change (version {change.version}); "
            "revert the newest change first.",
            extra={"key": change.config_key},
        ) from None
    assert row is not None  # the change exists, so the row does
    return row
