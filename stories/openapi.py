"""The OpenAPI description of the parents' API (drf-spectacular), kept beside the views it
describes so ``api.py`` stays thin: each view method carries one decorator from here.

Response shapes come from the serializers the views use; this module adds what a serializer
cannot say: the fields a ready story adds, headers (``Idempotency-Key``, ``Retry-After``), and
the error codes each endpoint can answer with.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from mira.openapi import (
    RETRY_AFTER_409,
    error,
    errors,
    free_form,
    paginated,
)
from mira.pagination import PAGINATION_PARAMETERS

from .serializers import (
    KidInputSerializer,
    KidOutputSerializer,
    StoryFeedbackSerializer,
    StoryInputSerializer,
    StoryListeningSerializer,
    StoryRatingSerializer,
    StorySerializer,
)
from .services import MAX_IDEMPOTENCY_KEY

# The codes a story request can be refused with, by status (docs/usage.md has the limits).
STORY_REQUEST_400 = (
    "invalid",
    "image_too_large",
    "invalid_utf8",
    "idempotency_key_invalid",
    "parse_error",
)
STORY_REQUEST_403 = ("account_blocked", "tier_restriction", "operation_not_allowed")
STORY_REQUEST_429 = (
    "rapid_requests",
    "daily_cost_limit",
    "monthly_cost_limit",
    "daily_operation_limit",
    "monthly_operation_limit",
)
STORY_REQUEST_503 = (
    "maintenance_mode",
    "ai_services_disabled",
    "stories_at_capacity",
    "provider_unavailable",
)


class StoryFailureSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class WordTimeSerializer(serializers.Serializer):
    word = serializers.CharField()
    start = serializers.FloatField()
    end = serializers.FloatField()


class StoryDocumentedSerializer(StorySerializer):
    """``StorySerializer`` as clients see it: a ready story adds its content and links.
    Used for the schema only, so the added fields are optional rather than read-only (the
    schema marks read-only fields required)."""

    failure = StoryFailureSerializer(allow_null=True, help_text="Set when status is `failed`.")
    title = serializers.CharField(required=False)
    text = serializers.CharField(required=False)
    audio_url = serializers.URLField(required=False, help_text="Signed link, valid 24 h.")
    audio_duration_seconds = serializers.FloatField(required=False, allow_null=True)
    cover_url = serializers.URLField(required=False, help_text="Signed link, valid 24 h.")
    read_along_url = serializers.URLField(
        required=False, help_text="Signed link to the read-along page."
    )
    word_timestamps = WordTimeSerializer(many=True, required=False, allow_null=True)
    total_cost_usd = serializers.DecimalField(max_digits=8, decimal_places=4, required=False)
    cost_breakdown = free_form("CostBreakdown", "Operation → cost in USD.", required=False)
    processing_breakdown = free_form("ProcessingBreakdown", "Stage → milliseconds.", required=False)
    total_processing_time_ms = serializers.IntegerField(required=False, allow_null=True)
    prompt_version = serializers.CharField(required=False)

    class Meta(StorySerializer.Meta):
        fields = [
            *StorySerializer.Meta.fields,
            "title",
            "text",
            "audio_url",
            "audio_duration_seconds",
            "cover_url",
            "read_along_url",
            "word_timestamps",
            "total_cost_usd",
            "cost_breakdown",
            "processing_breakdown",
            "total_processing_time_ms",
            "prompt_version",
        ]


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    type={"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY, "pattern": "^[ -~]*$"},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        f"Up to {MAX_IDEMPOTENCY_KEY} printable ASCII characters, unique per story the app "
        "means to request (longer or other characters: 400 `idempotency_key_invalid`). "
        "Repeating the same "
        "request with the same key returns the first story (200) instead of making another "
        "(202), and is never throttled; the same key with a different request is 422 "
        "`idempotency_key_reused`; while the first request is still being made, 409 "
        "`idempotency_request_in_progress` with `Retry-After`."
    ),
)

kid_list = extend_schema(
    operation_id="kids_list",
    summary="The parent's kid profiles",
    responses={200: KidOutputSerializer(many=True), **errors()},
)
kid_create = extend_schema(
    operation_id="kids_create",
    summary="Add a kid profile",
    request=KidInputSerializer,
    responses={
        201: KidOutputSerializer,
        **errors(status_400=("invalid", "invalid_utf8", "parse_error")),
    },
)
story_list = extend_schema(
    operation_id="stories_list",
    summary="The parent's stories, newest first",
    parameters=PAGINATION_PARAMETERS,
    responses={
        200: paginated("PaginatedStoryList", StoryDocumentedSerializer(many=True)),
        **errors(status_400="invalid"),
    },
)
story_create = extend_schema(
    operation_id="stories_create",
    summary="Request a story from a drawing, a recorded idea or a typed idea",
    description=(
        "Exactly one of `drawing` (PNG or JPEG, at most 10 MB and 16,777,216 pixels), `audio` "
        "(WAV, MP3, M4A/AAC, OGG or WebM, at most 10 MB and 2 minutes) or `text` (valid "
        "UTF-8). The story is made in the background: poll `status_url` until `ready` or "
        "`failed`. Story requests are throttled per family by usage's burst rule "
        "(`429 rapid_requests` with `Retry-After`)."
    ),
    request={
        "multipart/form-data": StoryInputSerializer,
        "application/json": StoryInputSerializer,
    },
    parameters=[IDEMPOTENCY_KEY, RETRY_AFTER_409],
    responses={
        202: OpenApiResponse(StoryDocumentedSerializer, description="Queued."),
        200: OpenApiResponse(
            StoryDocumentedSerializer, description="Replay of an Idempotency-Key: the first story."
        ),
        400: error(*STORY_REQUEST_400),
        403: error(*STORY_REQUEST_403),
        409: error("idempotency_request_in_progress"),
        422: error("idempotency_key_reused"),
        413: error("too_large", description="The upload is larger than the server accepts."),
        415: error("unsupported_media_type"),
        429: error(*STORY_REQUEST_429),
        503: error(*STORY_REQUEST_503),
        **errors(),
    },
)
story_detail = extend_schema(
    operation_id="stories_retrieve",
    summary="A story's status, and the story once ready",
    responses={200: StoryDocumentedSerializer, **errors(status_404="not_found")},
)
_feedback_errors = errors(
    status_400=("invalid", "parse_error"),
    status_404="not_found",
    status_409="story_not_ready",
    status_415="unsupported_media_type",
)
story_rate = extend_schema(
    operation_id="stories_rating",
    summary="The parent's 1-5 star rating of a ready story",
    request=StoryRatingSerializer,
    responses={200: StoryFeedbackSerializer, **_feedback_errors},
)
story_listening = extend_schema(
    operation_id="stories_listening",
    summary="One listening session of a ready story",
    request=StoryListeningSerializer,
    responses={200: StoryFeedbackSerializer, **_feedback_errors},
)


# OpenAPI links: what a client does next with a response. The contract fuzzer follows them
# (stateful phase), so a new kid gets stories and a new story gets read, rated and listened to.
LINKS = {
    ("kids_create", "201"): {
        "CreateStoryForKid": {
            "operationId": "stories_create",
            "requestBody": {"kid": "$response.body#/id", "text": "a friendly whale"},
        },
    },
    ("stories_create", "202"): {
        "GetStory": {
            "operationId": "stories_retrieve",
            "parameters": {"story_id": "$response.body#/id"},
        },
        "RateStory": {
            "operationId": "stories_rating",
            "parameters": {"story_id": "$response.body#/id"},
        },
        "ReportListening": {
            "operationId": "stories_listening",
            "parameters": {"story_id": "$response.body#/id"},
        },
    },
}


def add_links(result, generator, request, public):
    """drf-spectacular postprocessing hook: attach ``LINKS`` to their responses."""
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                links = LINKS.get((operation.get("operationId"), status))
                if links:
                    response["links"] = links
    return result
