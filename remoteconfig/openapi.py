"""The OpenAPI description of ``GET /api/v1/config`` (drf-spectacular)."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers

from mira.openapi import RETRY_AFTER, error, errors, free_form

ClientConfigBody = inline_serializer(
    name="ClientConfig",
    fields={
        "version": serializers.IntegerField(help_text="Bumped on every change ops make."),
        "last_updated": serializers.DateTimeField(allow_null=True),
        "environment": serializers.CharField(),
        "config": free_form(
            "ClientConfigValues",
            "Every client-visible setting by key, plus `feature_flags` (flag → bool) for the "
            "caller.",
        ),
    },
)

client_config = extend_schema(
    operation_id="config_retrieve",
    summary="The app's runtime config and this caller's feature flags",
    description=(
        "Sign-in optional (anonymous callers get the flags rolled out to everyone). Send the "
        "last `ETag` as `If-None-Match`: an unchanged config is `304` with no body. Anonymous "
        "reads are throttled per IP (`429 throttled` with `Retry-After`)."
    ),
    auth=[{}, {"tokenAuth": []}, {"cookieAuth": []}],
    parameters=[
        OpenApiParameter("If-None-Match", type=str, location=OpenApiParameter.HEADER),
        OpenApiParameter("X-App-Platform", type=str, location=OpenApiParameter.HEADER),
        OpenApiParameter("X-App-Version", type=str, location=OpenApiParameter.HEADER),
        OpenApiParameter(
            "ETag",
            type=str,
            location=OpenApiParameter.HEADER,
            response=[200, 304],
            description="Hash of exactly this body; send it back as If-None-Match.",
        ),
        RETRY_AFTER,
    ],
    responses={
        200: ClientConfigBody,
        304: OpenApiResponse(description="Not modified: the app's copy is current."),
        401: error("authentication_failed", description="A token was sent and is not valid."),
        429: error("throttled"),
        **errors(authenticated=False),
    },
)
