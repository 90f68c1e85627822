"""The one error base every app raises, and the one DRF handler that renders it.

Apps subclass ``ApplicationError`` in their own ``errors.py`` with a stable ``code`` and an HTTP
status; views never build error responses by hand. This module imports no app, so every layer
may use it.
"""

from __future__ import annotations

import math
from typing import Any

from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApplicationError(Exception):
    code: str = "error"
    http_status: int = status.HTTP_400_BAD_REQUEST

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra or {}
        self.retry_after = retry_after

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.message, **self.extra}


class NotFound(ApplicationError):
    code = "not_found"
    http_status = status.HTTP_404_NOT_FOUND


class InvalidInput(ApplicationError):
    """Bad input that a serializer could not see (e.g. file contents). ``field`` names it."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.field = field

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        if self.field:
            body["errors"] = {self.field: [self.message]}
        return body


def flatten_field_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """``{"field": ["message"]}`` always: errors of list items and nested objects get dotted
    names (``interests.0``), so clients handle one shape."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        items = errors.items()
    elif isinstance(errors, list) and any(isinstance(e, dict | list) for e in errors):
        items = enumerate(errors)
    else:
        messages = errors if isinstance(errors, list) else [errors]
        return {prefix or "non_field_errors": [str(m) for m in messages]}
    for key, value in items:
        name = f"{prefix}.{key}" if prefix else str(key)
        if value in ({}, []):
            continue  # a list item without errors
        flat.update(flatten_field_errors(value, name))
    return flat


def api_not_found(request, exception=None):
    """Django's 404 for a URL no route matches (``handler404``): under /api/ it is the API's
    error body, so a client (or the contract fuzzer) never gets an HTML page from the API."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": "No such resource."}, status=404)
    return page_not_found(request, exception)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        response = Response(exc.as_dict(), status=exc.http_status)
        if exc.retry_after is not None:
            response["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return response

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError):
        errors = flatten_field_errors(
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        first = next(iter(errors.items()), None)
        detail = "Invalid input."
        if first:
            name, messages = first
            message = messages[0] if isinstance(messages, list) and messages else messages
            detail = f"{name}: {message}"
        response.data = {"code": "invalid", "detail": detail, "errors": errors}
    elif isinstance(response.data, dict) and "detail" in response.data:
        code = getattr(exc, "default_code", "error")
        if isinstance(exc, drf_exceptions.APIException):
            codes = exc.get_codes()
            code = codes if isinstance(codes, str) else code
        response.data = {"code": code, "detail": str(response.data["detail"])}
    return response
