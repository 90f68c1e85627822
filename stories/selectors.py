"""Reads shared by the API, the read-along page and the admin; always scoped to an owner."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from mira.errors import NotFound

from .models import KidProfile, Story


def kid_list(*, parent) -> QuerySet[KidProfile]:
    return KidProfile.objects.filter(parent=parent).order_by("name", "created_at")


def story_list(*, owner) -> QuerySet[Story]:
    return Story.objects.filter(owner=owner).select_related("kid").order_by("-created_at")


def story_get(*, owner, story_id: uuid.UUID) -> Story:
    """The owner's story; another parent's story is indistinguishable from a missing one."""
    story = story_list(owner=owner).filter(pk=story_id).first()
    if story is None:
        raise NotFound("No such story.")
    return story


def story_replay_exists(*, owner, idempotency_key: str) -> bool:
    """Has this family already made a story with this ``Idempotency-Key``?"""
    return Story.objects.filter(owner=owner, idempotency_key=idempotency_key).exists()
