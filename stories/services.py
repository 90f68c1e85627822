"""Writes and business flows of the stories app."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import uuid
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.tasks import async_task

from ai_providers.content_rules import personal_data_remove
from ai_providers.errors import AIServicesDisabled
from experiments.services import outcome_listening_record, outcome_rating_record
from mira import prepared
from mira.errors import InvalidInput, NotFound
from mira.inserts import insert_new
from prompts_app.rendering import clean_user_text
from remoteconfig.errors import StoriesAtCapacity
from remoteconfig.selectors import config_get
from usage.services import story_admit_in_transaction

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


@functools.cache
def _broker():
    """This process's task broker. django-q2 otherwise builds one per task, and with Redis
    that is a new client, connection pool and TCP connection for every story; the client is
    thread-safe and redis-py reconnects after a fork."""
    return get_broker()


def enqueue_pipeline(story_id: uuid.UUID) -> None:
    async_task(
        "stories.tasks.run_pipeline",
        str(story_id),
        task_name=f"story-{story_id}",
        group="stories",
        broker=_broker(),
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
    fingerprint = ""
    if idempotency_key:
        idempotency_key_validate(idempotency_key)
        fingerprint = request_fingerprint(**request)
    try:
        return _story_create(
            owner=owner,
            enqueue=enqueue,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            **request,
        )
    except IntegrityError:
        # Two requests with the same key raced: the first committed its story just as the
        # second took the key's lock. The unique (owner, key) constraint refused the second
        # story, and its transaction rolled back with the hold it had taken.
        if idempotency_key:
            replay = _idempotent_replay(owner, idempotency_key, fingerprint)
            if replay is not None:
                return replay, False
        raise


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


def _idempotency_claim(owner, key: str, fingerprint: str, kid_id=None):
    """In the story's transaction: claim (family, key), or return the story already made with
    it (422 ``IdempotencyKeyReused`` if that was a different request). Returns
    ``(replay, kid)``: ``kid`` is what ``_kid_languages`` would answer for ``kid_id``, read in
    the same statement on PostgreSQL, else ``_UNREAD``.

    PostgreSQL: a transaction-scoped advisory lock, tried without waiting (the losers answer
    409 at once), and the lookup, in one statement. The lock is released when the story
    commits, which is when the story becomes visible. The lookup's snapshot is taken as the
    statement starts: a first request that commits just before the lock is taken is not seen,
    and the story's unique (owner, key) constraint refuses the second story instead (see
    ``story_request``). Elsewhere that constraint alone lets only one story in."""
    if connection.vendor != "postgresql":
        return _idempotent_replay(owner, key, fingerprint), _UNREAD
    digest = hashlib.sha256(f"idempotency:{owner.pk}:{key}".encode()).digest()
    lock_id = int.from_bytes(digest[:8], "big", signed=True)
    kid_pk = _kid_pk(kid_id)
    with connection.cursor() as cursor:  # a prepared statement (mira.prepared)
        if kid_pk is None:  # a malformed kid id: refused after the claim, as before
            prepared.execute(cursor, [(_CLAIM_SQL, [lock_id, owner.pk, key])])
            acquired, existing = cursor.fetchone()
            kid = _UNREAD
        else:
            params = [lock_id, owner.pk, key, *_kid_params(owner, kid_pk)]
            prepared.execute(cursor, [(_CLAIM_AND_KID_SQL, params)])
            acquired, existing, found, kid_language, family_language = cursor.fetchone()
            kid = (kid_pk, kid_language, family_language) if found else None
    if existing is not None:
        return _idempotent_replay(owner, key, fingerprint), kid
    if not acquired:
        raise IdempotencyRequestInProgress(
            "A request with this Idempotency-Key is still being made; retry shortly.",
            retry_after=1,
        )
    return None, kid


_UNREAD = object()  # the kid was not read with the claim
_CLAIM_SQL = (
    "SELECT pg_try_advisory_xact_lock(%s), (SELECT id FROM stories_story"
    " WHERE owner_id = %s AND idempotency_key = %s)"
)
_KID_SQL = (
    "SELECT k.language, (SELECT p.language FROM stories_parentpreferences p"
    " WHERE p.parent_id = k.parent_id) FROM stories_kidprofile k"
    " WHERE k.id = %s AND k.parent_id = %s"
)
# The claim and the kid in one round trip: one row whether or not the kid exists.
_CLAIM_AND_KID_SQL = (
    _CLAIM_SQL  # noqa: S608 (constants only)
    + ", k.id IS NOT NULL, k.language, (SELECT p.language FROM"
    " stories_parentpreferences p WHERE p.parent_id = k.parent_id)"
    " FROM (SELECT 1) AS one LEFT JOIN stories_kidprofile k ON k.id = %s AND k.parent_id = %s"
)


def _kid_pk(kid_id):
    """``kid_id`` as the kid's primary key, or None if it is malformed."""
    try:
        return KidProfile._meta.pk.to_python(kid_id)
    except ValidationError:
        return None


def _kid_params(owner, kid_pk) -> list:
    return [
        KidProfile._meta.pk.get_db_prep_value(kid_pk, connection),
        KidProfile._meta.pk.get_db_prep_value(owner.pk, connection),
    ]


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
    """One transaction: the idempotency claim, validation, usage admission (the story's hold),
    the in-flight cap and the story row. A refusal rolls it all back, except a burst
    refusal, whose warning (or automatic block) is committed before it is raised."""
    story = None
    refusal = None
    kid = _UNREAD
    try:
        with transaction.atomic():
            if idempotency_key:
                replay, kid = _idempotency_claim(owner, idempotency_key, fingerprint, kid_id)
                if replay is not None:
                    return replay, False
            story, suffix = _story_validated(
                kid=kid,
                owner=owner,
                kid_id=kid_id,
                story_type=story_type,
                story_length=story_length,
                drawing=drawing,
                audio=audio,
                text=text,
                special_requests=special_requests,
                language=language,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                enqueue=enqueue,
            )
            # Usage admission: blocked account (403), burst of requests (429), tier
            # restrictions (403), then the story's estimated total held against the limits
            # (429) until it ends.
            _hold, refusal = story_admit_in_transaction(
                user_id=owner.pk,
                story_id=story.id,
                story_length=story_length,
                input_kind=story.input_kind,
            )
            if refusal is None:
                _check_in_flight_cap()
                if drawing is not None:
                    story.drawing.save(f"drawing.{suffix}", ContentFile(drawing), save=False)
                if audio is not None:
                    story.audio_input.save(f"input-audio.{suffix}", ContentFile(audio), save=False)
                insert_new(story)  # story.save(force_insert=True), SQL prepared once
                if enqueue:
                    transaction.on_commit(lambda: enqueue_pipeline(story.id))
    except BaseException:
        if story is not None:
            _discard_uploads(story)
        raise
    if refusal is not None:
        raise refusal
    logger.info("story requested", extra={"story_id": str(story.id), "input": story.input_kind})
    return story, True


def _kid_languages(owner, kid_id) -> tuple[uuid.UUID, str, str | None] | None:
    """The owner's kid ``kid_id`` (None for another family's or a missing one): its id, its
    language and the family's (None without preferences), in one query."""
    kid_id = KidProfile._meta.pk.to_python(kid_id)  # a malformed id is a 400, as with the ORM
    with connection.cursor() as cursor:
        cursor.execute(_KID_SQL, _kid_params(owner, kid_id))
        row = cursor.fetchone()
    return None if row is None else (kid_id, row[0], row[1])


def _story_validated(
    *,
    kid=_UNREAD,
    owner,
    kid_id: uuid.UUID,
    story_type: str,
    story_length: str,
    drawing: bytes | None,
    audio: bytes | None,
    text: str,
    special_requests: str,
    language: str | None,
    idempotency_key: str,
    fingerprint: str,
    enqueue: bool,
) -> tuple[Story, str | None]:
    """The unsaved story for a valid request, and its upload's file suffix. ``kid``: what
    ``_kid_languages`` answers, if already read with the idempotency claim."""
    found = _kid_languages(owner, kid_id) if kid is _UNREAD else kid
    if found is None:
        raise InvalidInput("No such kid profile.", field="kid")
    kid_id, kid_language, family_language = found
    if story_type not in StoryType.values:
        raise InvalidInput(f"Unknown story type {story_type!r}.", field="story_type")
    if story_length not in StoryLength.values:
        raise InvalidInput(f"Unknown story length {story_length!r}.", field="story_length")
    language = story_language(
        requested=language, kid_language=kid_language, family_language=family_language or ""
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
        kid_id=kid_id,
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
    return story, suffix


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
