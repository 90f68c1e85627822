"""Maintenance mode: while ops have ``maintenance_mode`` on, the API answers 503 with
``Retry-After`` and the message ops wrote; the admin (to switch it off again), the health check
and ``GET /api/v1/config`` (so the app can show the message) stay reachable.

Read on every request from the in-process copy of the runtime settings, so flipping the switch
in the admin takes effect on every web process's next request. The middleware also pins that
copy for the rest of the request: one request sees one version of the settings, and the shared
stamp is checked once per request instead of on every read.
"""

from __future__ import annotations

import math

from django.http import HttpRequest, HttpResponse, JsonResponse

from remoteconfig.cache import pinned
from remoteconfig.errors import MaintenanceMode
from remoteconfig.selectors import config_get

# Paths that keep working during maintenance, by prefix.
EXEMPT_PREFIXES = ("/admin/", "/healthz", "/readyz", "/metrics", "/static/", "/api/v1/config")


class MaintenanceModeMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with pinned():
            if not request.path.startswith(EXEMPT_PREFIXES) and config_get("maintenance_mode"):
                return maintenance_response(request)
            return self.get_response(request)


def maintenance_response(request: HttpRequest) -> HttpResponse:
    retry_after = config_get("maintenance_retry_after_seconds")
    error = MaintenanceMode(config_get("maintenance_message"), retry_after=retry_after)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {**error.as_dict(), "retry_after": retry_after}, status=error.http_status
        )
    else:
        response = HttpResponse(error.message, status=error.http_status, content_type="text/plain")
    response["Retry-After"] = str(max(1, math.ceil(retry_after)))
    response["Cache-Control"] = "no-store"
    return response
