"""``GET /api/v1/config``: what the mobile app may know, evaluated for the caller.

This module sits at the HTTP edge, so it may ask ``usage`` for the caller's tier; the flag
evaluation itself (``flags``) takes the tier as input and imports no other app.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from usage.selectors import account_tier

from . import openapi
from .flags import FlagSubject
from .registry import PLATFORMS
from .selectors import client_config, flags_use_segments
from .throttles import AnonymousConfigThrottle

PLATFORM_HEADER = "X-App-Platform"
VERSION_HEADER = "X-App-Version"
# Read from ``META`` directly: ``request.headers`` builds a dict of every header first.
_PLATFORM_META = "HTTP_X_APP_PLATFORM"
_VERSION_META = "HTTP_X_APP_VERSION"
_IF_NONE_MATCH_META = "HTTP_IF_NONE_MATCH"
VARY = ("Authorization", "Cookie", PLATFORM_HEADER, VERSION_HEADER)
# The app revalidates every time (cheap: a 304 with no body); an ETag makes it safe to keep.
CACHE_CONTROL = "private, no-cache"


def request_subject(request) -> FlagSubject:
    """Who the flags are evaluated for. Tier and groups (two queries) are looked up only when
    a flag rule in force targets segments; otherwise no rule can tell them apart."""
    meta = request.META
    platform = (meta.get(_PLATFORM_META) or "").strip().lower()
    version = (meta.get(_VERSION_META) or "").strip()[:20]
    user = request.user
    if user is None or not user.is_authenticated:
        return FlagSubject(platform=platform if platform in PLATFORMS else "", app_version=version)
    if not flags_use_segments():
        return FlagSubject(
            user_id=str(user.pk),
            platform=platform if platform in PLATFORMS else "",
            app_version=version,
        )
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
    if header == etag:
        return True  # what the app sends: exactly the ETag it was given
    candidates = [part.strip() for part in header.split(",")]
    return any(c == "*" or c.removeprefix("W/") == etag for c in candidates)


_ALLOW_ANY = [AllowAny()]
_AUTHENTICATORS = None


class ClientConfigApi(APIView):
    # Before sign-in the app still needs maintenance mode and the minimum version; flags for
    # an anonymous caller are those rolled out to everyone.
    permission_classes = [AllowAny]
    throttle_classes = [AnonymousConfigThrottle]

    def get_permissions(self):
        return _ALLOW_ANY  # stateless: one instance serves every request

    def get_authenticators(self):
        # The project's default classes (token, session), stateless: built once per process.
        global _AUTHENTICATORS
        if _AUTHENTICATORS is None:
            _AUTHENTICATORS = super().get_authenticators()
        return _AUTHENTICATORS

    @openapi.client_config
    def get(self, request):
        # Both answers come from the per-snapshot copy (``client_config``): the 304 compares
        # one string, the 200 sends bytes rendered once per snapshot and subject.
        config = client_config(request_subject(request))
        if etag_matches(request.META.get(_IF_NONE_MATCH_META, ""), config.etag):
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(config.content, content_type="application/json")
        response["ETag"] = config.etag
        response["Cache-Control"] = CACHE_CONTROL
        patch_vary_headers(response, VARY)
        return response
