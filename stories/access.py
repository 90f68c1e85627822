"""Signed, expiring links to a story's page and media, so an <audio> tag or a mobile player can
fetch them without the API token, and nobody else can."""

from __future__ import annotations

import uuid

from django.core import signing
from django.urls import reverse

SALT = "mira.story-access"
MAX_AGE_SECONDS = 24 * 3600


def access_token(story_id: uuid.UUID) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(story_id))


def token_allows(token: str, story_id: uuid.UUID) -> bool:
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return False
    return value == str(story_id)


def signed_url(name: str, story_id: uuid.UUID, **kwargs) -> str:
    return f"{reverse(name, kwargs={'story_id': story_id, **kwargs})}?t={access_token(story_id)}"
