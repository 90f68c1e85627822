"""``GET /api/v1/config``: what the mobile app may know, evaluated for the caller.

This module sits at the HTTP edge, so it may ask ``usage`` for the caller's tier; the flag
evaluation itself (``flags``) takes the tier as input and imports no other app.
"""

from __future__ import annotations

from django.utils.cache import patch_vary_headers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from mira.throttles import AnonymousConfigThrottle
from usage.selectors import account_tier

from . import openapi
from .flags import FlagSubject
from .registry import PLATFORMS
from .selectors import client_config

PLATFORM_HEADER = "X-App-Platform"
VERSION_HEADER = "X-App-Version"
# The app revalidates every time (cheap: a 304 with no body); an ETag makes it safe to keep.
CACHE_CONTROL = "private, no-cache"


def request_subject(request) -> FlagSubject:
    platform = (request.headers.get(PLATFORM_HEADER) or "").strip().lower()
    version = (request.headers.get(VERSION_HEADER) or "").strip()[:20]
    user = request.user
    if user is None or not user.is_authenticated:
        return FlagSubject(platform=platform if platform in PLATFORMS else "", app_version=version)
    return FlagSubject(
        user_id=str(user.pk),
        tier=account_tier(user_id=user.pk),
        groups=frozenset(user.groups.values_list("name", flat=True)),
        platform=platform if platform in PLATFORMS else "",
        app_version=version,
    )


def etag_matches(header: str, etag: str) -> bool:
    """RFC 9110 weak comparison: ``W/`` prefixes are ignored, ``*`` matches anything."""
    if not header:
        return False
    candidates = [part.strip() for part in header.split(",")]
    return any(c == "*" or c.removeprefix("W/") == etag for c in candidates)


class ClientConfigApi(APIView):
    # Before sign-in the app still needs maintenance mode and the minimum version; flags for
    # an anonymous caller are those rolled out to everyone.
    permission_classes = [AllowAny]
    throttle_classes = [AnonymousConfigThrottle]

    @openapi.client_config
    def get(self, request):
        config = client_config(request_subject(request))
        if etag_matches(request.headers.get("If-None-Match", ""), config.etag):
            response = Response(status=304)
        else:
            response = Response(config.body)
        response["ETag"] = config.etag
        response["Cache-Control"] = CACHE_CONTROL
        patch_vary_headers(response, ("Authorization", "Cookie", PLATFORM_HEADER, VERSION_HEADER))
        return response
