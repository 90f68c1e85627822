"""The read-along page: the story's words as spans carrying their times, and the audio."""

from __future__ import annotations

import base64
import functools
from typing import Any

from django.template.loader import render_to_string

from mira.language_data import language_data
from mira.security import csp_hash
from mira.vocabulary import DEFAULT_LANGUAGE, LANGUAGE_INFO

from .models import Story


def paragraphs_with_times(text: str, timestamps: list[dict] | None) -> list[list[dict[str, Any]]]:
    """Paragraphs of ``{"i","word","start","end"}``; timestamps are one per token, in order."""
    times = timestamps or []
    index = 0
    paragraphs = []
    for paragraph in text.split("\n\n"):
        words = []
        for token in paragraph.split():
            mark = times[index] if index < len(times) else {}
            words.append(
                {"i": index, "word": token, "start": mark.get("start"), "end": mark.get("end")}
            )
            index += 1
        if words:
            paragraphs.append(words)
    return paragraphs


def page_language(code: str) -> dict[str, str]:
    """``lang`` and ``dir`` of the page for a story told in ``code``."""
    info = LANGUAGE_INFO.get((code or "").lower().split("-")[0]) or LANGUAGE_INFO[DEFAULT_LANGUAGE]
    return {"lang": code or info.code, "dir": info.direction}


def render_read_along(story: Story, *, audio_src: str, cover_src: str | None) -> str:
    words = language_data(story.language)
    # Without a title the heading is the dedication, said once (not as heading and subline).
    dedication = words.story_for.replace("{name}", story.kid.name)
    heading = " ".join((story.title or "").split()) or dedication
    return render_to_string(
        "stories/read_along.html",
        {
            **page_language(story.language),
            "cover_of": words.cover_of.replace("{title}", heading),
            "story": story,
            "heading": heading,
            "dedication": "" if heading == dedication else dedication,
            "paragraphs": paragraphs_with_times(story.text, story.word_timestamps),
            "audio_src": audio_src,
            "cover_src": cover_src,
            "kid_name": story.kid.name,
        },
    )


def data_uri(mime_type: str, data: bytes) -> str:
    return f"data:{mime_type};base64,{base64.b64encode(data).decode()}"


def render_self_contained(story: Story, *, audio: bytes, cover: bytes | None) -> str:
    """The page with audio and cover embedded, for opening from disk with no server."""
    return render_read_along(
        story,
        audio_src=data_uri("audio/wav", audio),
        cover_src=data_uri("image/png", cover) if cover else None,
    )


@functools.cache
def read_along_csp() -> str:
    """The page's policy: its own inline script and style, by hash, and nothing else inline;
    narration and cover from this server (or ``data:`` in the self-contained copy)."""
    script = render_to_string("stories/read_along.js")
    style = render_to_string("stories/read_along.css")
    return (
        f"default-src 'none'; script-src {csp_hash(script)}; style-src {csp_hash(style)}; "
        "img-src 'self' data:; media-src 'self' data:; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
