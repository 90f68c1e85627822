"""Content-Security-Policy on every response (docs/deployment.md, "Security headers").

Django's SecurityMiddleware sends HSTS (production), ``X-Content-Type-Options: nosniff``,
``Referrer-Policy`` and ``Cross-Origin-Opener-Policy``; ``XFrameOptionsMiddleware`` sends
``X-Frame-Options: DENY``. Django 5.2 has no CSP of its own, so this middleware adds one:

- HTML pages (the admin, its dashboards, the API docs): scripts only from this server, never
  inline; styles from this server, inline allowed (the admin's own templates and widgets use
  style attributes; styles cannot run code); images also as ``data:``; no plugins, no framing.
- A view may set a stricter policy itself: the read-along page allows exactly its own inline
  script and style by their SHA-256 hashes (``stories.readalong.read_along_csp``).
- Everything else (JSON, media): ``default-src 'none'``.
"""

from __future__ import annotations

import base64
import hashlib

HEADER = "Content-Security-Policy"

HTML_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"


def csp_hash(source: str) -> str:
    """The CSP source expression that allows exactly this inline script or style."""
    digest = hashlib.sha256(source.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response:
            html = response.get("Content-Type", "").startswith("text/html")
            response[HEADER] = HTML_POLICY if html else OTHER_POLICY
        return response
