from rest_framework import status

from mira.errors import ApplicationError, InvalidInput


class InvalidDateRange(InvalidInput):
    code = "invalid_date_range"


class MetricsForbidden(ApplicationError):
    """``/metrics`` without the bearer token, from outside the allowed networks."""

    code = "metrics_forbidden"
    http_status = status.HTTP_403_FORBIDDEN
