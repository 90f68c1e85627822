"""``manage.py tell_story`` as a person runs it: a subprocess, real files, exit codes."""

import io
import json
import re
import sqlite3
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from PIL import Image

from mira.testing import subprocess_env
from stories.tests.factories import drawing_bytes

ROOT = Path(settings.BASE_DIR)
pytestmark = pytest.mark.django_db(transaction=True)


def tell(*args: str) -> subprocess.CompletedProcess:
    env = subprocess_env()
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "tell_story", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=ROOT,
    )


def test_a_story_in_spanish_offline_with_word_timestamps_one_for_one(tmp_path):
    out = tmp_path / "cuento"
    result = tell(
        *("--text", "un zorro que quiere volar", "--kid-name", "Lucía", "--age", "6"),
        *("--language", "es", "--length", "medium", "--out", str(out), "--json"),
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["language"] == "es"
    assert 300 <= summary["word_count"] <= 600
    _title, text = (out / "story.txt").read_text().rstrip("\n").split("\n\n", 1)
    assert "Lucía" in text
    assert len(re.findall(r"\b(?:el|la|los|las|y|con)\b", text)) > 20
    assert len(re.findall(r"\b(?:the|and|with)\b", text)) <= 2
    stamps = json.loads((out / "timestamps.json").read_text())
    assert [s["word"] for s in stamps] == text.split()
    assert '<html lang="es" dir="ltr">' in (out / "read-along.html").read_text()


def test_a_jpeg_drawing_works(tmp_path):
    # PNG is the sample's format (the first test); one subprocess per path, so JPEG here.
    fmt, suffix = "JPEG", "jpg"
    image = Image.new("RGB", (640, 480), (255, 250, 240))
    Image.Image.paste(image, (120, 40, 200), (100, 100, 300, 300))
    path = tmp_path / f"mine.{suffix}"
    image.save(path, format=fmt)
    result = tell(
        "--drawing",
        str(path),
        "--kid-name",
        "Noah",
        "--age",
        "9",
        "--story-type",
        "educational",
        "--length",
        "medium",
        "--out",
        str(tmp_path / "out"),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert 300 <= summary["word_count"] <= 600
    assert "Noah" in (tmp_path / "out" / "story.txt").read_text()


def _not_png(tmp_path):
    path = tmp_path / "fake.png"
    path.write_text("definitely not an image")
    return str(path)


BAD = {
    "missing file": (
        lambda t: ["--drawing", str(t / "nope.png"), "--kid-name", "Mia", "--age", "5"],
        "no such file",
    ),
    "not an image": (
        lambda t: ["--drawing", _not_png(t), "--kid-name", "Mia", "--age", "5"],
        "not a readable PNG or JPEG",
    ),
    "age too low": (
        lambda t: ["--drawing", "samples/drawing.png", "--kid-name", "Mia", "--age", "1"],
        "--age must be from 2 to 12",
    ),
    "age too high": (
        lambda t: ["--drawing", "samples/drawing.png", "--kid-name", "Mia", "--age", "13"],
        "--age must be from 2 to 12",
    ),
    "age not a number": (
        lambda t: ["--drawing", "samples/drawing.png", "--kid-name", "Mia", "--age", "five"],
        "whole number",
    ),
    "unknown type": (
        lambda t: [
            "--drawing",
            "samples/drawing.png",
            "--kid-name",
            "Mia",
            "--age",
            "5",
            "--story-type",
            "horror",
        ],
        "--story-type must be one of",
    ),
    "unknown length": (
        lambda t: [
            "--drawing",
            "samples/drawing.png",
            "--kid-name",
            "Mia",
            "--age",
            "5",
            "--length",
            "epic",
        ],
        "--length must be one of",
    ),
    "no name": (
        lambda t: ["--drawing", "samples/drawing.png", "--age", "5"],
        "--kid-name is required",
    ),
    "no drawing": (lambda t: ["--kid-name", "Mia", "--age", "5"], "--drawing"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_one_clear_refusal_with_exit_code_2_and_nothing_written(tmp_path, case):
    # In process: the checks are the command's own; the subprocess test below shows once how
    # such a refusal reaches a person (one line on stderr, exit 2, stdout empty).
    make_args, message = BAD[case]
    out = tmp_path / "out"
    with pytest.raises(CommandError) as refused:
        call_command("tell_story", *make_args(tmp_path), "--out", str(out))
    assert refused.value.returncode == 2
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert not out.exists()


def test_a_bad_argument_is_one_line_on_stderr_exit_2_and_nothing_written(tmp_path):
    out = tmp_path / "out"
    result = tell(
        "--drawing", _not_png(tmp_path), "--kid-name", "Mia", "--age", "5", "--out", str(out)
    )
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "not a readable PNG or JPEG" in lines[0], result.stderr
    assert not out.exists()
    assert result.stdout == ""


def test_drawing_bytes_helper_makes_a_valid_png():
    assert Image.open(io.BytesIO(drawing_bytes())).format == "PNG"


def test_a_refusal_is_one_line_on_stderr_exit_2_and_no_traceback(tmp_path):
    from django.contrib.auth import get_user_model

    from stories.management.commands.tell_story import CLI_USERNAME
    from usage.services import account_limits_adjust

    user = get_user_model().objects.create(username=CLI_USERNAME)
    account_limits_adjust(user_id=user.pk, actor=None, daily_operations_limit=1)
    out = tmp_path / "story"
    result = tell("--text", "a kite", "--kid-name", "Mia", "--age", "5", "--out", str(out))
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [lines[-1]] and "daily_operation_limit" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_make_demo_on_a_fresh_clone_json_output_and_files_for_the_sample(tmp_path):
    """``make demo`` as a fresh clone runs it: local settings, the embedded SQLite default and
    no Redis, migrated from nothing, then the sample drawing's story through the gateway's
    ledger and settle. The rest of the suite runs on the configured database, so this is the
    test that sees a SQLite-only failure (a value sqlite3 cannot bind, say)."""
    manage = f"{sys.executable} {ROOT / 'manage.py'}"
    out = tmp_path / "story"
    script = (
        f"{manage} migrate --noinput -v0 && {manage} sync_prompts >/dev/null && "
        f"{manage} tell_story --drawing samples/drawing.png --kid-name Mia --age 5 "
        f"--out {out} --json"
    )
    env = subprocess_env(
        extra={
            "DJANGO_ENV": "local",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "MEDIA_ROOT": str(tmp_path / "media"),
        },
        drop=("REDIS_URL",),
    )
    result = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, env=env, timeout=300, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    assert set(summary) >= {
        "story_id",
        "title",
        "word_count",
        "audio_seconds",
        "files",
        "stages",
        "total_cost_usd",
    }
    assert 150 <= summary["word_count"] <= 300
    assert summary["total_cost_usd"] == "0.0000"
    assert set(summary["stages"]) >= {
        "analyse_input",
        "generate_story",
        "narrate",
        "time_words",
        "paint_cover",
    }
    for name in ("story.txt", "story.wav", "timestamps.json", "cover.png", "read-along.html"):
        assert (out / name).stat().st_size > 0
    stamps = json.loads((out / "timestamps.json").read_text())
    text = (out / "story.txt").read_text().split("\n\n", 1)[1]
    assert [s["word"] for s in stamps] == text.split()
    with wave.open(str(out / "story.wav")) as wav:
        duration = wav.getnframes() / wav.getframerate()
    assert abs(stamps[-1]["end"] - duration) <= 0.5
    assert "data:audio/wav;base64," in (out / "read-along.html").read_text()
    assert "✓ narrate+time_words" in result.stderr
    # The gateway wrote and settled one ledger row per AI call, in that SQLite file.
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        calls = db.execute("select operation_type, success from ai_operations").fetchall()
    assert len(calls) >= 4 and all(success == 1 for _, success in calls), calls
