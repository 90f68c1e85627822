"""Refusals of the usage app. Each has a stable ``code`` clients can branch on; the DRF handler
in ``mira.errors`` renders them as ``{"code", "detail", ...}`` with ``Retry-After`` where a
wait helps."""

from rest_framework import status

from mira.errors import ApplicationError


class LimitExceeded(ApplicationError):
    """A daily or monthly cost or operation limit would be passed. ``code`` says which:
    ``daily_cost_limit``, ``monthly_cost_limit``, ``daily_operation_limit`` or
    ``monthly_operation_limit``; ``retry_after`` is the time until that window resets."""

    code = "limit_exceeded"
    http_status = status.HTTP_429_TOO_MANY_REQUESTS


class BurstThrottled(ApplicationError):
    """Too many story requests in a short time; ``retry_after`` says when one more fits."""

    code = "rapid_requests"
    http_status = status.HTTP_429_TOO_MANY_REQUESTS


class AccountBlocked(ApplicationError):
    """Ops or abuse detection blocked the account; ``reason`` says why."""

    code = "account_blocked"
    http_status = status.HTTP_403_FORBIDDEN


class TierRestricted(ApplicationError):
    """The request asks for something the family's tier does not include (a longer story,
    premium voices, an operation). ``restriction`` names it."""

    code = "tier_restriction"
    http_status = status.HTTP_403_FORBIDDEN
