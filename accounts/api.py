"""``POST /api/v1/auth/token/``: username and password for an API token, throttled per address
and per username (``mira.throttles``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer

from mira.openapi import RETRY_AFTER, error, errors
from mira.throttles import LoginIPThrottle, LoginUsernameThrottle


class LoginApi(ObtainAuthToken):
    throttle_classes = [LoginIPThrottle, LoginUsernameThrottle]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="auth_token_create",
        summary="Sign in: username and password for an API token",
        description=(
            "Send the token as `Authorization: Token <token>`. Attempts are throttled per "
            "address and per username (`429 throttled` with `Retry-After`)."
        ),
        auth=[],
        request=AuthTokenSerializer,
        parameters=[RETRY_AFTER],
        responses={
            200: inline_serializer("AuthToken", {"token": serializers.CharField()}),
            400: error("invalid", "parse_error", description="Missing or wrong credentials."),
            415: error("unsupported_media_type"),
            429: error("throttled"),
            **errors(authenticated=False),
        },
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
