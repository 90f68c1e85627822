from typing import Any

from rest_framework import status

from mira.errors import ApplicationError, InvalidInput


class StoryFailed(ApplicationError):
    """A stage cannot succeed for this story (unsafe input, failed checks); not retried."""

    code = "story_failed"
    http_status = status.HTTP_422_UNPROCESSABLE_ENTITY

    def __init__(self, message: str, *, warnings: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.warnings = warnings or []


class StoryNotReady(ApplicationError):
    """Feedback (a rating, a listening report) for a story that is not ready yet."""

    code = "story_not_ready"
    http_status = status.HTTP_409_CONFLICT


class IdempotencyKeyReused(ApplicationError):
    """An ``Idempotency-Key`` already used for a different request (Stripe's and the IETF
    draft's rule: an error, never the other request's result)."""

    code = "idempotency_key_reused"
    http_status = status.HTTP_422_UNPROCESSABLE_ENTITY


class IdempotencyRequestInProgress(ApplicationError):
    """The first request with this ``Idempotency-Key`` has not finished yet."""

    code = "idempotency_request_in_progress"
    http_status = status.HTTP_409_CONFLICT


class UnsupportedLanguage(InvalidInput):
    """A language stories cannot be told in; the message names the supported ones."""

    code = "unsupported_language"
