"""Errors of the AI layer. Vendor modules turn every SDK error into a ``ProviderError`` that
says whether another try can help; the gateway turns exhausted chains into
``ProviderUnavailable``."""

from __future__ import annotations

from rest_framework import status

from mira.errors import ApplicationError


class ProviderError(Exception):
    """A vendor call failed. ``retryable``: the same call may succeed later (429, 5xx, timeout).

    ``fallback``: another provider may succeed where this one failed (true for nearly every
    failure except bad input that every vendor would refuse the same way).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "provider_error",
        retryable: bool = False,
        fallback: bool = True,
        retry_after: float | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retryable = retryable
        self.fallback = fallback
        self.retry_after = retry_after
        self.status_code = status_code


class ProviderUnavailable(ApplicationError):
    code = "provider_unavailable"
    http_status = status.HTTP_503_SERVICE_UNAVAILABLE


class StageBudgetExceeded(ProviderUnavailable):
    """The stage's time budget ran out before any provider answered: the story fails with this
    code instead of outliving its task time-out."""

    code = "stage_timeout"


class AIServicesDisabled(ApplicationError):
    code = "ai_services_disabled"
    http_status = status.HTTP_503_SERVICE_UNAVAILABLE


class ConfigurationError(Exception):
    """``config/ai_providers.yaml`` is malformed; the message names the bad key."""
