"""Tell one story from a drawing (or a recorded or typed idea), end to end, and write its
files to a folder.

    python manage.py tell_story --drawing samples/drawing.png --kid-name Mia --age 5
    python manage.py tell_story --audio idea.m4a --kid-name Mia --age 5
    python manage.py tell_story --text "un zorro que quiere volar" --kid-name Lucía --age 6 --language es

Bad input, and every refusal (``ApplicationError``: a usage limit, a blocked account,
maintenance, AI switched off), prints one line on stderr and exits 2; nothing is written. A
story that fails in the pipeline exits 1. Progress goes to stderr, so ``--json`` leaves stdout
to the one JSON object.

The stories belong to the family ``tell_story`` (free tier; README, "The story from the command
line", says how to reset its counters).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from mira.errors import ApplicationError
from mira.vocabulary import DEFAULT_LANGUAGE, LANGUAGES
from stories import pipeline
from stories.languages import normalise_language, supported_languages_text
from stories.models import MAX_KID_AGE, MIN_KID_AGE, KidProfile, StoryLength, StoryStatus, StoryType
from stories.readalong import render_self_contained
from stories.services import story_request

CLI_USERNAME = "tell_story"


def _bad(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class Command(BaseCommand):
    help = (
        "Make a narrated, word-timed story from a child's drawing (or recorded or typed idea) "
        "and write its files."
    )

    def add_arguments(self, parser):
        # Checked by hand in handle() so every mistake is one clear line, not argparse's usage.
        parser.add_argument("--drawing", help="PNG or JPEG of the child's drawing")
        parser.add_argument("--text", default="", help="a typed story idea instead of a drawing")
        parser.add_argument(
            "--audio", help="a recorded story idea instead: WAV, MP3, M4A/AAC, OGG or WebM"
        )
        parser.add_argument("--kid-name", help="the child's first name")
        parser.add_argument("--age", help=f"the child's age, {MIN_KID_AGE}-{MAX_KID_AGE}")
        parser.add_argument("--story-type", default="adventure", help="|".join(StoryType.values))
        parser.add_argument("--length", default="short", help="|".join(StoryLength.values))
        parser.add_argument(
            "--language",
            default="",
            help=f"ISO 639-1 code of the story's language (default en): {', '.join(LANGUAGES)}",
        )
        parser.add_argument(
            "--interests", default="", help='comma-separated, e.g. "dinosaurs, trains"'
        )
        parser.add_argument(
            "--out", default="", help="folder for the files (default: out/<story id>)"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    def _validated(self, options) -> dict:
        drawing_path, text = options["drawing"], (options["text"] or "").strip()
        audio_path = options["audio"]
        if sum(map(bool, (drawing_path, text, audio_path))) != 1:
            raise _bad("give one of --drawing PATH, --audio PATH or --text IDEA")
        audio = None
        if audio_path:
            path = Path(audio_path)
            if not path.is_file():
                raise _bad(f"--audio: no such file: {path}")
            try:
                audio = path.read_bytes()
            except OSError as exc:
                raise _bad(f"--audio: cannot read {path}: {exc.strerror}") from None
            from stories.audio import validate_audio

            try:
                validate_audio(audio)
            except ApplicationError as exc:
                raise _bad(f"--audio: {path}: {exc.message}") from None
        drawing = None
        if drawing_path:
            path = Path(drawing_path)
            if not path.is_file():
                raise _bad(f"--drawing: no such file: {path}")
            try:
                drawing = path.read_bytes()
            except OSError as exc:
                raise _bad(f"--drawing: cannot read {path}: {exc.strerror}") from None
            from stories.media import validate_drawing

            try:
                validate_drawing(drawing)
            except ApplicationError as exc:
                raise _bad(f"--drawing: {path}: {exc.message}") from None
        name = (options["kid_name"] or "").strip()
        if not name:
            raise _bad("--kid-name is required")
        if len(name) > 40:
            raise _bad("--kid-name: at most 40 characters")
        try:
            age = int(options["age"])
        except (TypeError, ValueError):
            raise _bad(
                f"--age must be a whole number from {MIN_KID_AGE} to {MAX_KID_AGE}"
            ) from None
        if not MIN_KID_AGE <= age <= MAX_KID_AGE:
            raise _bad(f"--age must be from {MIN_KID_AGE} to {MAX_KID_AGE}, not {age}")
        if options["story_type"] not in StoryType.values:
            raise _bad(
                f"--story-type must be one of {', '.join(StoryType.values)}, not {options['story_type']!r}"
            )
        if options["length"] not in StoryLength.values:
            raise _bad(
                f"--length must be one of {', '.join(StoryLength.values)}, not {options['length']!r}"
            )
        language = normalise_language(options["language"]) or DEFAULT_LANGUAGE
        if language not in LANGUAGES:
            raise _bad(
                f"--language must be one of {supported_languages_text()}, "
                f"not {options['language']!r}"
            )
        out = Path(options["out"]) if options["out"] else None
        if out is not None and out.exists() and not out.is_dir():
            raise _bad(f"--out: {out} exists and is not a folder")
        interests = [i.strip() for i in options["interests"].split(",") if i.strip()]
        return {
            "drawing": drawing,
            "audio": audio,
            "text": text,
            "name": name,
            "age": age,
            "interests": interests,
            "language": language,
            "out": out,
        }

    def handle(self, *args, **options):
        try:
            return self._tell(options)
        except ApplicationError as exc:
            # A refusal is an answer, not a crash: one line, exit 2 (no traceback).
            detail = " ".join(str(exc.message).split())
            raise _bad(f"{exc.code}: {detail}") from None

    def _tell(self, options):
        args = self._validated(options)
        if options["verbosity"] < 2:
            # Progress lines are the command's own output; service logs only with -v 2.
            logging.getLogger().setLevel(logging.WARNING)
        as_json = options["json"]
        User = get_user_model()
        with transaction.atomic():
            user, _ = User.objects.get_or_create(username=CLI_USERNAME)
            kid, _ = KidProfile.objects.update_or_create(
                parent=user,
                name=args["name"],
                defaults={"age": args["age"], "interests": args["interests"]},
            )
            story, _ = story_request(
                owner=user,
                kid_id=kid.id,
                story_type=options["story_type"],
                story_length=options["length"],
                drawing=args["drawing"],
                audio=args["audio"],
                text=args["text"],
                language=args["language"],
                enqueue=False,
            )

        timings: dict[str, float] = {}

        def progress(stage: str, event: str) -> None:
            if event == "start":
                timings[stage] = time.monotonic()
                print(f"  … {stage}", file=sys.stderr, flush=True)
            else:
                ms = (time.monotonic() - timings[stage]) * 1000
                print(f"  ✓ {stage} ({ms:.0f} ms)", file=sys.stderr, flush=True)

        print(f"Telling a story for {kid.name} (story {story.id})", file=sys.stderr)
        story = pipeline.run(story.id, progress=progress)
        if story.status != StoryStatus.READY:
            warnings = "; ".join(story.content_warnings)
            raise CommandError(
                f"story failed: {story.failure_code}: {story.failure_detail}"
                + (f" ({warnings})" if warnings else ""),
                returncode=1,
            )
        out = args["out"] or Path("out") / str(story.id)
        files = self._write(story, out)
        summary = {
            "story_id": str(story.id),
            "title": story.title,
            "language": story.language,
            "word_count": len(story.text.split()),
            "audio_seconds": story.audio_duration_seconds,
            "files": {k: str(v) for k, v in files.items()},
            "stages": story.generation_metadata.get("stages_ms", {}),
            "total_cost_usd": str(story.total_cost),
            "total_processing_time_ms": story.total_processing_time_ms,
            "finished_at": timezone.localtime(story.finished_at).isoformat(),
        }
        if as_json:
            self.stdout.write(json.dumps(summary, indent=2))
            return
        self.stdout.write(
            f"\n“{story.title}” — {summary['word_count']} words, {story.audio_duration_seconds:.1f} s of audio"
        )
        for label, path in files.items():
            self.stdout.write(f"  {label:<11} {path}")
        self.stdout.write(f"  cost        ${summary['total_cost_usd']}")

    def _write(self, story, out: Path) -> dict[str, Path]:
        """Write every file into a temporary folder beside ``out``, then move them in."""
        with story.audio.open("rb") as handle:
            audio = handle.read()
        cover = None
        if story.cover:
            with story.cover.open("rb") as handle:
                cover = handle.read()
        contents = {
            "text": ("story.txt", f"{story.title}\n\n{story.text}\n".encode()),
            "audio": ("story.wav", audio),
            "timestamps": ("timestamps.json", json.dumps(story.word_timestamps, indent=1).encode()),
            "read_along": (
                "read-along.html",
                render_self_contained(story, audio=audio, cover=cover).encode(),
            ),
        }
        if cover is not None:
            contents["cover"] = ("cover.png", cover)
        out = out.resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".tell_story-", dir=out.parent))
        try:
            for name, data in contents.values():
                (staging / name).write_bytes(data)
            out.mkdir(exist_ok=True)
            for name, _ in contents.values():
                os.replace(staging / name, out / name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return {label: out / name for label, (name, _) in contents.items()}
