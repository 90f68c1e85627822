"""Writes on the ``AIOperation`` ledger from outside the gateway."""

from __future__ import annotations

import uuid

from .models import AIOperation


def operations_anonymise(*, user_id: uuid.UUID) -> int:
    """Keep a deleted family's ledger rows for accounting, with nothing that leads back to the
    family: no user, no story or session id, no error text or metadata (which may quote the
    request). What stays: operation, vendor, model, sizes, cost, time, success, prompt version
    and when. Returns how many rows were anonymised."""
    return AIOperation.objects.filter(user_id=user_id).update(
        user=None,
        story_id=None,
        session_id=None,
        error_message="",
        metadata={},
        stage="",
    )
