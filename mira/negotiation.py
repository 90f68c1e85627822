"""DRF's content negotiation with a shortcut for what nearly every request sends.

``DefaultContentNegotiation`` parses the ``Accept`` header into media types and matches them
against every renderer, on every request. With no ``Accept`` header, ``*/*``, or exactly the
first renderer's media type, and no format suffix or query string (``?format=``), its answer is
always the first renderer with that media type: this returns it without the parsing. Anything
else goes through DRF's own negotiation, so answers (and 406s) are unchanged.
"""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        meta = getattr(request, "_request", request).META
        if renderers and format_suffix is None and not meta.get("QUERY_STRING"):
            first = renderers[0]
            accept = meta.get("HTTP_ACCEPT")
            if accept is None or accept == "*/*" or accept == first.media_type:
                return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
