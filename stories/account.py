"""A family's data rights (docs/privacy.md): delete everything, export everything, and the
retention job that removes media nobody uses any more.

Deletion removes every row that belongs to the family (the user, tokens, kid profiles,
preferences, stories, usage account with its days, reservations and events, experiment
assignments and prompt analytics) by the database cascade from the user, and every media file
(drawings, recordings, narration, covers: whole ``stories/<id>/`` folders) after the
transaction commits. Only the AI cost ledger stays, anonymised (``ai_providers.services``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import uuid
import zipfile
from datetime import timedelta
from tempfile import SpooledTemporaryFile

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ai_providers.services import operations_anonymise
from mira.errors import ApplicationError, InvalidInput
from usage.selectors import account_tier

from .models import STORY_FILE_FIELDS, KidProfile, ParentPreferences, Story, StoryStatus

logger = logging.getLogger(__name__)


class ReauthenticationFailed(ApplicationError):
    code = "reauthentication_failed"
    http_status = 403


def _story_folder(story_id: uuid.UUID) -> str:
    return f"stories/{story_id}"


def _delete_folder(folder: str) -> None:
    """Every file under ``folder`` in the default storage, then the folder."""
    try:
        directories, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        default_storage.delete(f"{folder}/{name}")
    for name in directories:
        _delete_folder(f"{folder}/{name}")
    if hasattr(default_storage, "path"):
        with contextlib.suppress(OSError):  # rmdir removes only an empty folder
            os.rmdir(default_storage.path(folder))


# --- deletion ------------------------------------------------------------------------------


def account_delete(*, user, password: str) -> dict[str, int]:
    """Delete the family behind ``user`` after checking its password again (a stolen token
    alone cannot erase a family). Returns what was removed and what was kept, by kind."""
    if not isinstance(password, str) or not password:
        raise InvalidInput("Send your password to confirm.", field="password")
    if not user.check_password(password):
        raise ReauthenticationFailed("That password is not right; nothing was deleted.")
    story_ids = list(Story.objects.filter(owner=user).values_list("id", flat=True))
    with transaction.atomic():
        kept = operations_anonymise(user_id=user.pk)
        kids = KidProfile.objects.filter(parent=user).count()
        user.delete()  # the cascade removes every row above; story files go in its signal
        # Whole folders too: files a stage wrote that no field points at yet.
        transaction.on_commit(lambda: [_delete_folder(_story_folder(i)) for i in story_ids])
    logger.info("family deleted", extra={"stories": len(story_ids), "ledger_rows_kept": kept})
    return {"stories": len(story_ids), "kids": kids, "ledger_rows_anonymised": kept}


# --- export --------------------------------------------------------------------------------

STORY_EXPORT_FIELDS = (
    "id",
    "kid_id",
    "status",
    "input_kind",
    "story_type",
    "story_length",
    "language",
    "special_requests",
    "input_text",
    "title",
    "text",
    "word_timestamps",
    "audio_duration_seconds",
    "content_warnings",
    "user_rating",
    "parent_approved",
    "listening_time_seconds",
    "replay_count",
    "total_cost_usd",
    "prompt_version",
    "failure_code",
    "failure_detail",
    "created_at",
    "finished_at",
)
KID_EXPORT_FIELDS = (
    "id",
    "name",
    "age",
    "interests",
    "reading_level",
    "accessibility_needs",
    "created_at",
)
PREFERENCE_EXPORT_FIELDS = (
    "content_preferences",
    "educational_focus",
    "language",
    "avoid_topics",
    "keep_audio_input",
)


def _fields(instance, names) -> dict:
    return {name: getattr(instance, name) for name in names}


def _json(data) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode()


def account_export(*, user) -> SpooledTemporaryFile:
    """A zip of everything Mira holds about the family: ``profile.json`` (account, kids,
    preferences, plan) and per story ``stories/<id>/story.json`` with its files (drawing,
    recording, narration, cover). Spooled to disk past 16 MB; the caller closes it."""
    preferences = ParentPreferences.objects.filter(parent=user).first()
    profile = {
        "account": {
            "id": user.pk,
            "username": user.get_username(),
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined,
        },
        "plan": account_tier(user_id=user.pk),
        "preferences": _fields(preferences, PREFERENCE_EXPORT_FIELDS) if preferences else None,
        "kids": [
            _fields(kid, KID_EXPORT_FIELDS)
            for kid in KidProfile.objects.filter(parent=user).order_by("created_at")
        ],
        "exported_at": timezone.now(),
    }
    out = SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - the response closes it
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("profile.json", _json(profile))
        for story in Story.objects.filter(owner=user).order_by("created_at"):
            folder = f"stories/{story.id}"
            files = {}
            for name in STORY_FILE_FIELDS:
                field = getattr(story, name)
                if not field or not field.storage.exists(field.name):
                    continue
                member = f"{folder}/{os.path.basename(field.name)}"
                with field.open("rb") as handle, archive.open(member, "w") as target:
                    for chunk in iter(lambda h=handle: h.read(1024 * 1024), b""):
                        target.write(chunk)
                files[name] = os.path.basename(field.name)
            archive.writestr(
                f"{folder}/story.json",
                _json({**_fields(story, STORY_EXPORT_FIELDS), "files": files}),
            )
    out.seek(0)
    return out


# --- retention -----------------------------------------------------------------------------


def stories_media_expire(*, now=None) -> int:
    """Delete the media of stories nobody has used for ``MIRA_MEDIA_RETENTION_DAYS``: no read,
    no listening report, no rating since then (``last_used_at``, else when it was made). The
    story's text, words and costs stay; its files (drawing, recording, narration, cover) go,
    and ``media_expired_at`` says when. 0 days switches the job off. Returns stories expired."""
    days = settings.MIRA_MEDIA_RETENTION_DAYS
    if not days:
        return 0
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    unused = (
        Story.objects.filter(media_expired_at__isnull=True)
        .exclude(status__in=(StoryStatus.QUEUED, StoryStatus.PROCESSING))
        .filter(Q(last_used_at__lt=cutoff) | Q(last_used_at__isnull=True, created_at__lt=cutoff))
    )
    expired = 0
    for story_id in unused.values_list("id", flat=True).iterator():
        with transaction.atomic():
            story = Story.objects.select_for_update().filter(pk=story_id).first()
            if story is None or story.media_expired_at is not None:
                continue
            names = [getattr(story, f).name for f in STORY_FILE_FIELDS if getattr(story, f)]
            for field in STORY_FILE_FIELDS:
                setattr(story, field, "")
            story.media_expired_at = now
            story.save(update_fields=[*STORY_FILE_FIELDS, "media_expired_at", "updated_at"])

            folder = _story_folder(story.id)
            transaction.on_commit(lambda n=names, f=folder: _delete_files(n, f))
        expired += 1
    if expired:
        logger.info("story media expired", extra={"stories": expired, "days": days})
    return expired


def story_folders_orphaned_remove(*, now=None, grace=timedelta(hours=1)) -> int:
    """Delete ``stories/<id>/`` folders whose story row is gone (a worker that was still
    writing when the family or the story was deleted). Older than ``grace`` only, so a story
    being created right now is never touched. Returns folders removed."""
    now = now or timezone.now()
    try:
        folders, _ = default_storage.listdir("stories")
    except (FileNotFoundError, NotADirectoryError):
        return 0
    ids = {}
    for name in folders:
        try:
            ids[uuid.UUID(name)] = name
        except ValueError:
            continue
    existing = set(Story.objects.filter(pk__in=ids).values_list("id", flat=True))
    removed = 0
    for story_id, name in ids.items():
        folder = f"stories/{name}"
        if story_id in existing or default_storage.get_modified_time(folder) > now - grace:
            continue
        _delete_folder(folder)
        removed += 1
    return removed


def _delete_files(names: list[str], folder: str) -> None:
    for name in names:
        default_storage.delete(name)
    _delete_folder(folder)


def story_mark_used(*, story_id: uuid.UUID, now=None) -> None:
    """The family used the story (read-along page, listening, rating): retention restarts.
    At most one write an hour, so media range requests do not each update the row."""
    now = now or timezone.now()
    Story.objects.filter(pk=story_id).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - timedelta(hours=1))
    ).update(last_used_at=now)
