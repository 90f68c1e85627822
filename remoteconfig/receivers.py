"""Announce every change of ``AppConfiguration`` to all processes (see ``cache``).

Hooked on the model's signals rather than only in the services, so a row saved any other way
(a shell, a data migration, a test) is announced too. ``QuerySet.update()`` and bulk writes
send no signals: nothing in Mira writes this table that way.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from .cache import stamp_bump, store, unpin
from .models import AppConfiguration, Environment

logger = logging.getLogger(__name__)


def _announce(environment: str) -> None:
    try:
        stamp_bump(environment)
    except Exception as exc:  # a cache outage must not undo a saved change
        logger.error(
            "could not announce a runtime setting change; other processes may serve the old "
            "value until the shared cache is back",
            extra={"environment": environment, "error": type(exc).__name__},
        )


@receiver([post_save, post_delete], sender=AppConfiguration)
def announce_change(sender, instance: AppConfiguration, **kwargs) -> None:
    environment = instance.environment
    unpin(environment)  # this request's own reads must see its own write
    if connection.in_atomic_block:
        # Now, so reads later in this same transaction see its own write (they load fresh
        # inside a transaction and never publish what they read) ...
        _announce(environment)
    # ... and after commit, so a process that reloaded in between picks up the committed rows.
    transaction.on_commit(lambda: _announce(environment))


@receiver(post_migrate)
def forget_after_migrate(sender, **kwargs) -> None:
    """``migrate`` and ``flush`` (the test runner's) may change or empty the table without a
    save signal; forget every copy so the next read reloads."""
    if getattr(sender, "name", "") != "remoteconfig":
        return
    store.clear()
    for environment in Environment.values:
        _announce(environment)
