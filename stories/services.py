"""Writes and business flows of the stories app."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import uuid
from collections.abc import Iterable
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_q.tasks import async_task

from ai_providers.content_rules import personal_data_remove
from ai_providers.errors import AIServicesDisabled
from experiments.services import outcome_listening_record, outcome_rating_record
from mira.errors import InvalidInput, NotFound
from prompts_app.rendering import clean_user_text
from remoteconfig.errors import StoriesAtCapacity
from remoteconfig.selectors import config_get
from usage.services import story_admit, story_hold_close

from .account import story_mark_used
from .audio import validate_audio
from .errors import IdempotencyKeyReused, IdempotencyRequestInProgress, StoryNotReady
from .languages import check_language, story_language
from .media import validate_drawing, validate_unicode_text
from .models import InputKind, KidProfile, Story, StoryLength, StoryStatus, StoryType

logger = logging.getLogger(__name__)

MAX_SPECIAL_REQUESTS = 300
MAX_IDEMPOTENCY_KEY = 100  # Story.idempotency_key's length; docs/api (README) say so
MAX_INPUT_TEXT = 2000


def kid_create(
    *,
    parent,
    name: str,
    age: int,
    interests: Iterable[str] = (),
    reading_level: str = "early",
    accessibility_needs: str = "",
    language: str = "",
) -> KidProfile:
    """A kid profile; ``language`` empty means the family's (parent preferences)."""
    validate_unicode_text(name, field="name")
    validate_unicode_text(accessibility_needs, field="accessibility_needs")
    for interest in interests:
        validate_unicode_text(interest or "", field="interests")
    # Names and interests are normalised once, here (NFKC, invisible and bidi characters
    # removed, spaces folded), and a profile that names a school, a teacher, a street, a phone
    # number or an email is refused: it would go into every story.
    name = clean_user_text(name, limit=200)
    interests = [clean_user_text(i or "", limit=200) for i in interests]
    _refuse_personal_data({"name": name, "interests": ", ".join(interests)})
    if not name:  # nothing left once control and invisible characters are removed
        raise InvalidInput("A name with at least one visible letter is required.", field="name")
    kid = KidProfile(
        parent=parent,
        name=name,
        age=age,
        interests=[i for i in interests if i],
        reading_level=reading_level,
        accessibility_needs=accessibility_needs.strip(),
        language=check_language(language) if language and language.strip() else "",
    )
    kid.full_clean()
    kid.save()
    return kid


def _refuse_personal_data(fields: dict[str, str]) -> None:
    for field, value in fields.items():
        _cleaned, kinds = personal_data_remove(value)
        if kinds:
            raise InvalidInput(
                f"Please leave personal details out of the profile ({', '.join(kinds)}).",
                field=field,
                code="personal_data",
            )


def enqueue_pipeline(story_id: uuid.UUID) -> None:
    async_task(
        "stories.tasks.run_pipeline", str(story_id), task_name=f"story-{story_id}", group="stories"
    )


# Any fixed number: the advisory lock that serialises "count stories in flight, then add one".
IN_FLIGHT_LOCK_ID = 0x4D495241  # "MIRA"


def _check_ai_switched_on() -> None:
    """Ops' emergency switch: no new story while AI is off (queued ones fail in the gateway)."""
    if not config_get("ai_services_enabled"):
        raise AIServicesDisabled(
            "Story making is paused for maintenance; please try again later.",
            retry_after=config_get("maintenance_retry_after_seconds"),
        )


def _check_in_flight_cap() -> None:
    """Refuse a new story while ``max_stories_in_flight`` are queued or processing.

    Runs inside the transaction that creates the story; on PostgreSQL a transaction-scoped
    advisory lock makes count-then-insert atomic, so two requests cannot both take the last
    slot (SQLite's IMMEDIATE transactions already serialise writers)."""
    cap = config_get("max_stories_in_flight")
    if cap is None:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IN_FLIGHT_LOCK_ID])
    in_flight = Story.objects.filter(
        status__in=(StoryStatus.QUEUED, StoryStatus.PROCESSING)
    ).count()
    if in_flight >= cap:
        raise StoriesAtCapacity(
            "Mira is very busy right now; please try again in a few minutes.",
            retry_after=60,
        )


def _discard_uploads(story: Story) -> None:
    """Delete files saved for a story whose row was rolled back: a child's recording (or
    drawing) must not outlive a refused request."""
    for field in (story.drawing, story.audio_input):
        if field.name:
            field.storage.delete(field.name)


def story_request(
    *,
    owner,
    kid_id: uuid.UUID,
    story_type: str = StoryType.ADVENTURE,
    story_length: str = StoryLength.SHORT,
    drawing: bytes | None = None,
    audio: bytes | None = None,
    text: str = "",
    special_requests: str = "",
    language: str | None = None,
    idempotency_key: str = "",
    enqueue: bool = True,
) -> tuple[Story, bool]:
    """Validate a story request, store it as ``queued`` and start the pipeline after commit.

    Exactly one of ``drawing`` (PNG/JPEG bytes), ``audio`` (a recorded idea: WAV, MP3, M4A/AAC,
    OGG or WebM bytes) or ``text`` starts the story; files are validated by their content.
    ``language`` (ISO 639-1) defaults to the kid's, then the family's; one outside
    ``mira.vocabulary.LANGUAGES`` is refused with ``UnsupportedLanguage`` naming the others.
    Returns ``(story, created)``.

    ``idempotency_key`` (at most ``MAX_IDEMPOTENCY_KEY`` printable ASCII characters, else 400
    ``idempotency_key_invalid``): the same key with the same request returns the first story
    (``created`` False) and admits nothing; with a different request it is 422
    ``idempotency_key_reused``; while the first request with the key is still being made, the
    others get 409 ``idempotency_request_in_progress`` (or the story, once it exists).
    """
    request = {
        "kid_id": kid_id,
        "story_type": story_type,
        "story_length": story_length,
        "drawing": drawing,
        "audio": audio,
        "text": text,
        "special_requests": special_requests,
        "language": language,
    }
    if not idempotency_key:
        return _story_create(owner=owner, enqueue=enqueue, **request)
    idempotency_key_validate(idempotency_key)
    fingerprint = request_fingerprint(**request)
    replay = _idempotent_replay(owner, idempotency_key, fingerprint)
    if replay is not None:
        return replay, False
    with _idempotency_lock(owner.pk, idempotency_key) as acquired:
        # Checked again under the lock: the holder may have committed in between.
        replay = _idempotent_replay(owner, idempotency_key, fingerprint)
        if replay is not None:
            return replay, False
        if not acquired:
            raise IdempotencyRequestInProgress(
                "A request with this Idempotency-Key is still being made; retry shortly.",
                retry_after=1,
            )
        return _story_create(
            owner=owner,
            enqueue=enqueue,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            **request,
        )


def idempotency_key_validate(key: str) -> None:
    """400 for a key the API would otherwise have to cut or could not store faithfully."""
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidInput(
            f"An Idempotency-Key is at most {MAX_IDEMPOTENCY_KEY} characters.",
            code="idempotency_key_invalid",
            field="Idempotency-Key",
        )
    if not all(" " <= char <= "~" for char in key):
        raise InvalidInput(
            "An Idempotency-Key is printable ASCII characters.",
            code="idempotency_key_invalid",
            field="Idempotency-Key",
        )


def request_fingerprint(
    *,
    kid_id,
    story_type: str,
    story_length: str,
    drawing: bytes | None,
    audio: bytes | None,
    text: str,
    special_requests: str,
    language: str | None,
) -> str:
    """A digest of what the request asks for (files by their content), to tell a replay of
    the same request from a reused key."""
    parts = {
        "kid": str(kid_id),
        "story_type": story_type,
        "story_length": story_length,
        "drawing": hashlib.sha256(drawing).hexdigest() if drawing is not None else None,
        "audio": hashlib.sha256(audio).hexdigest() if audio is not None else None,
        "text": text.strip(),
        "special_requests": special_requests.strip(),
        "language": language,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _idempotent_replay(owner, key: str, fingerprint: str) -> Story | None:
    existing = Story.objects.filter(owner=owner, idempotency_key=key).first()
    if existing is None:
        return None
    if existing.request_fingerprint and existing.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different story request.",
            extra={"story_id": str(existing.id)},
        )
    return existing


@contextlib.contextmanager
def _idempotency_lock(owner_id, key: str):
    """One request per (family, key) at a time. PostgreSQL: a session advisory lock, tried
    without waiting (the losers answer 409 at once). Elsewhere the unique constraint on
    (owner, key) still lets only one story in."""
    if connection.vendor != "postgresql":
        yield True
        return
    digest = hashlib.sha256(f"idempotency:{owner_id}:{key}".encode()).digest()
    lock_id = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_id])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])


def _story_create(
    *,
    owner,
    kid_id: uuid.UUID,
    story_type: str,
    story_length: str,
    drawing: bytes | None,
    audio: bytes | None,
    text: str,
    special_requests: str,
    language: str | None,
    enqueue: bool,
    idempotency_key: str = "",
    fingerprint: str = "",
) -> tuple[Story, bool]:
    kid = KidProfile.objects.filter(pk=kid_id, parent=owner).first()
    if kid is None:
        raise InvalidInput("No such kid profile.", field="kid")
    if story_type not in StoryType.values:
        raise InvalidInput(f"Unknown story type {story_type!r}.", field="story_type")
    if story_length not in StoryLength.values:
        raise InvalidInput(f"Unknown story length {story_length!r}.", field="story_length")
    preferences = getattr(owner, "story_preferences", None)
    language = story_language(
        requested=language,
        kid_language=kid.language,
        family_language=preferences.language if preferences else "",
    )
    inputs = [drawing is not None, audio is not None, bool(text.strip())]
    if sum(inputs) != 1:
        raise InvalidInput(
            "Send exactly one of a drawing, a recorded idea or a text idea.", field="drawing"
        )
    if len(special_requests) > MAX_SPECIAL_REQUESTS:
        raise InvalidInput(f"At most {MAX_SPECIAL_REQUESTS} characters.", field="special_requests")
    if len(text) > MAX_INPUT_TEXT:
        raise InvalidInput(f"At most {MAX_INPUT_TEXT} characters.", field="text")
    validate_unicode_text(text, field="text")
    validate_unicode_text(special_requests, field="special_requests")
    suffix = validate_drawing(drawing) if drawing is not None else None
    if audio is not None:
        suffix = validate_audio(audio).suffix
    _check_ai_switched_on()

    story = Story(
        owner=owner,
        kid=kid,
        input_kind=(
            InputKind.DRAWING
            if drawing is not None
            else InputKind.AUDIO
            if audio is not None
            else InputKind.TEXT
        ),
        story_type=story_type,
        story_length=story_length,
        language=language,
        special_requests=special_requests.strip(),
        input_text=text.strip(),
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        enqueued_at=timezone.now() if enqueue else None,
    )
    # Usage admission: blocked account (403), burst of requests (429), tier restrictions
    # (403), then the story's estimated total held against the limits (429) until it ends.
    # Its own transaction, so a burst warning or block is kept even though we refuse.
    story_admit(
        user_id=owner.pk,
        story_id=story.id,
        story_length=story_length,
        input_kind=story.input_kind,
    )
    try:
        with transaction.atomic():
            _check_in_flight_cap()
            if drawing is not None:
                story.drawing.save(f"drawing.{suffix}", ContentFile(drawing), save=False)
            if audio is not None:
                story.audio_input.save(f"input-audio.{suffix}", ContentFile(audio), save=False)
            story.save()
            if enqueue:
                transaction.on_commit(lambda: enqueue_pipeline(story.id))
    except IntegrityError:
        _discard_uploads(story)
        story_hold_close(story_id=story.id, user_id=owner.pk, outcome="not_created")
        # Two requests with the same idempotency key raced; the other one won.
        if idempotency_key:
            replay = _idempotent_replay(owner, idempotency_key, fingerprint)
            if replay is not None:
                return replay, False
        raise
    except BaseException:
        _discard_uploads(story)
        story_hold_close(story_id=story.id, user_id=owner.pk, outcome="not_created")
        raise
    logger.info("story requested", extra={"story_id": str(story.id), "input": story.input_kind})
    return story, True


# --- feedback from the app (ratings and listening), which experiments measure -------------------

MAX_LISTENING_SECONDS = 4 * 3600  # one report covers one listening session


def _feedback_story(*, owner, story_id: uuid.UUID) -> Story:
    """The owner's ready story, locked: concurrent reports for one story add up correctly."""
    story = Story.objects.select_for_update().filter(pk=story_id, owner=owner).first()
    if story is None:
        raise NotFound("No such story.")
    if story.status != StoryStatus.READY:
        raise StoryNotReady("Only a ready story can be rated or listened to.")
    story_mark_used(story_id=story.id)  # retention counts from the last use
    return story


def story_rate(
    *, owner, story_id: uuid.UUID, rating: int, parent_approved: bool | None = None
) -> Story:
    """The parent's 1-5 star rating (a new rating replaces the old), and optionally approval."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput("A rating is a whole number of stars from 1 to 5.", field="rating")
    with transaction.atomic():
        story = _feedback_story(owner=owner, story_id=story_id)
        story.user_rating = rating
        changed = ["user_rating", "updated_at"]
        if parent_approved is not None:
            story.parent_approved = parent_approved
            changed.append("parent_approved")
        story.save(update_fields=changed)
        outcome_rating_record(story_id=story.id, rating=rating)
    return story


def story_listening_record(
    *,
    owner,
    story_id: uuid.UUID,
    seconds_listened: float,
    completed: bool,
    replay: bool = False,
    highlighting_used: bool | None = None,
) -> Story:
    """One listening session: adds its seconds, counts a replay, and tells the story's
    experiment how far it got (``completed`` wins; else seconds over the narration length)."""
    if (
        isinstance(seconds_listened, bool)
        or not isinstance(seconds_listened, int | float)
        or not math.isfinite(seconds_listened)
        or not 0 <= seconds_listened <= MAX_LISTENING_SECONDS
    ):
        raise InvalidInput(
            f"seconds_listened is a number from 0 to {MAX_LISTENING_SECONDS}.",
            field="seconds_listened",
        )
    with transaction.atomic():
        story = _feedback_story(owner=owner, story_id=story_id)
        story.listening_time_seconds += round(seconds_listened)
        changed = ["listening_time_seconds", "updated_at"]
        if replay:
            story.replay_count += 1
            changed.append("replay_count")
        if highlighting_used:
            story.highlighting_used = True
            changed.append("highlighting_used")
        story.save(update_fields=changed)
        duration = story.audio_duration_seconds or 0
        if completed:
            percent = Decimal(100)
        elif duration > 0:
            percent = Decimal(str(round(min(1.0, seconds_listened / duration) * 100, 2)))
        else:
            percent = Decimal(0)
        outcome_listening_record(story_id=story.id, completion_percent=percent, completed=completed)
    return story
