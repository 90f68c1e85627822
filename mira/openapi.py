"""OpenAPI pieces every app's API shares: the error body and the error responses.

Each view lists the error codes it can answer with (``errors(...)``), so the published schema
says exactly which ``code`` values a client must handle per endpoint and status. This module
imports no app.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every error the API returns. Some codes add fields (``retry_after``, ``resets_at``,
    ``max_pixels``, ...), so other properties may appear."""

    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `invalid`.")
    detail = serializers.CharField(help_text="A sentence fit to show a parent.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Field errors: field name → messages (with `code` `invalid` and others).",
    )


AUTH_CODES = ("not_authenticated", "authentication_failed")
MAINTENANCE_CODES = ("maintenance_mode",)

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    type=int,
    location=OpenApiParameter.HEADER,
    response=[429, 503],
    description="Seconds to wait before trying again (throttles, limits, maintenance).",
)


RETRY_AFTER_409 = OpenApiParameter(
    "Retry-After",
    type=int,
    location=OpenApiParameter.HEADER,
    response=[409, 429, 503],
    description="Seconds to wait before trying again.",
)


def error(*codes: str, description: str = "") -> OpenApiResponse:
    listed = ", ".join(f"`{code}`" for code in codes)
    text = f"{description} Codes: {listed}." if description else f"Codes: {listed}."
    return OpenApiResponse(response=ErrorSerializer, description=text.strip())


def errors(*, authenticated: bool = True, **by_status: tuple[str, ...] | str) -> dict:
    """Error responses for ``extend_schema(responses=...)``: ``errors(status_400=("invalid",))``.

    Every API path may answer 503 ``maintenance_mode``; authenticated ones 401."""
    responses: dict[int, OpenApiResponse] = {}
    for key, codes in by_status.items():
        status = int(key.removeprefix("status_"))
        responses[status] = error(*((codes,) if isinstance(codes, str) else codes))
    if authenticated:
        responses.setdefault(401, error(*AUTH_CODES))
    responses.setdefault(503, error(*MAINTENANCE_CODES, description="Ops' maintenance switch."))
    return responses


def free_form(name: str, help_text: str = "", **kwargs) -> serializers.Serializer:
    """A JSON object whose keys are data (config values, cost breakdowns)."""
    return inline_serializer(name=name, fields={}, help_text=help_text, **kwargs)


def paginated(name: str, item: serializers.Serializer) -> serializers.Serializer:
    """The body ``LimitOffsetPagination`` wraps a list in."""
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item,
        },
    )
