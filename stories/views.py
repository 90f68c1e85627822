"""Browser-facing pages: the read-along page and the story's media, for the owner only.

Access is the owner's session or a signed link (``?t=``) from the API, so an <audio> tag or a
mobile web view can load them without the API token.
"""

from __future__ import annotations

import re
import uuid

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from .access import signed_url, token_allows
from .account import story_mark_used
from .models import Story, StoryStatus
from .readalong import read_along_csp, render_read_along

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
MEDIA_TYPES = {"audio": "audio/wav", "cover": "image/png"}


def _story_for(request: HttpRequest, story_id: uuid.UUID) -> Story:
    story = Story.objects.select_related("kid").filter(pk=story_id).first()
    if story is None:
        raise Http404("No such story.")
    owner = request.user.is_authenticated and request.user.pk == story.owner_id
    if not owner and not token_allows(request.GET.get("t", ""), story_id):
        raise Http404("No such story.")  # same answer as a missing story: ids are not probed
    if story.status != StoryStatus.READY:
        raise Http404("This story is not ready yet.")
    return story


@require_GET
def read_along(request: HttpRequest, story_id: uuid.UUID) -> HttpResponse:
    story = _story_for(request, story_id)
    story_mark_used(story_id=story.id)
    page = render_read_along(
        story,
        audio_src=signed_url("stories:media", story.id, kind="audio"),
        cover_src=signed_url("stories:media", story.id, kind="cover") if story.cover else None,
    )
    response = HttpResponse(page)
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = read_along_csp()
    return response


@require_GET
def story_media(request: HttpRequest, story_id: uuid.UUID, kind: str) -> HttpResponse:
    story = _story_for(request, story_id)
    if kind == "audio":
        story_mark_used(story_id=story.id)
    field = {"audio": story.audio, "cover": story.cover}.get(kind)
    if not field:
        raise Http404("No such media.")
    content_type = MEDIA_TYPES[kind] if not field.name.endswith(".jpg") else "image/jpeg"
    size = field.size
    match = _RANGE.match(request.headers.get("Range", ""))
    if match and (match.group(1) or match.group(2)):
        # Browsers seek in audio with byte ranges; without them tapping a word cannot jump.
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        else:
            start, end = max(0, size - int(last)), size - 1
        if start > end or start >= size:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        handle = field.open("rb")
        handle.seek(start)
        length = end - start + 1

        def chunks(remaining=length, block=64 * 1024):
            try:
                while remaining > 0:
                    data = handle.read(min(block, remaining))
                    if not data:
                        break
                    remaining -= len(data)
                    yield data
            finally:
                handle.close()

        response = StreamingHttpResponse(chunks(), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(length)
    else:
        response = FileResponse(field.open("rb"), content_type=content_type)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    return response
