from rest_framework import status

from mira.errors import ApplicationError


class LimitExceeded(ApplicationError):
    """A daily or monthly cost or operation limit would be passed. ``code`` says which."""

    code = "limit_exceeded"
    http_status = status.HTTP_429_TOO_MANY_REQUESTS


class AccountBlocked(ApplicationError):
    code = "account_blocked"
    http_status = status.HTTP_403_FORBIDDEN
