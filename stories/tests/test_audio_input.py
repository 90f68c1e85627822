"""A child's recorded idea, through the API and the pipeline: offline (pocketsphinx) and against
the fake vendor server with the real OpenAI SDK and Azure's REST API."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from ai_providers import resilience
from ai_providers.config import get_config, reset_config
from ai_providers.models import AIOperation
from ai_providers.pricing import cost_of
from ai_providers.registry import reset_registry
from ai_providers.tests.fakevendor import VENDOR_VARIABLES, Fail, Reply, vendor_environment
from ai_providers.types import Operation, Usage
from mira.testing import subprocess_env
from stories import pipeline
from stories.models import InputKind, ParentPreferences, Stage, Story, StoryStatus
from stories.pipeline import stages
from stories.tests.audio_files import IDEA_NOUNS, encode, noise, spoken_idea, tone
from stories.tests.factories import KidFactory, drawing_bytes

pytestmark = pytest.mark.django_db(transaction=True)  # the pipeline's threads use own connections
ROOT = Path(settings.BASE_DIR)


def audio_story(data: bytes | None = None, *, suffix: str = "wav", **fields) -> Story:
    kid = fields.pop("kid", None) or KidFactory(name="Mia", age=5)
    story = Story(owner=kid.parent, kid=kid, input_kind=InputKind.AUDIO, **fields)
    story.audio_input.save(f"input-audio.{suffix}", ContentFile(data or spoken_idea()), save=False)
    story.save()
    return story


def media_files() -> set[Path]:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def stored(story: Story) -> bool:
    return default_storage.exists(story.audio_input.name)


# --- the API ------------------------------------------------------------------------------------


@pytest.fixture
def kid(parent):
    return KidFactory(parent=parent, name="Mia", age=5)


def post(api, kid, **files):
    return api.post("/api/v1/stories/", {"kid": str(kid.id), **files}, format="multipart")


def test_a_recording_is_accepted_by_content_whatever_its_name(api, kid, parent):
    ParentPreferences.objects.create(parent=parent, keep_audio_input=True)
    mp3 = encode(spoken_idea(), "mp3")
    response = post(api, kid, audio=SimpleUploadedFile("idea.wav", mp3, "audio/wav"))
    assert response.status_code == 202, response.data
    assert response.data["input_kind"] == "audio"
    story = Story.objects.get(pk=response.data["id"])
    assert story.audio_input.name.endswith("/input-audio.mp3")  # named for what it is
    with story.audio_input.open("rb") as handle:
        assert handle.read() == mp3  # kept: this family opted in


@pytest.mark.parametrize(
    "files, field, message",
    [
        ({"audio": ("idea.mp3", drawing_bytes())}, "audio", "is a PNG image"),
        ({"audio": ("long.wav", tone(125.0, rate=8000))}, "audio", "longer than 2 minutes"),
        ({"audio": ("big.wav", b"RIFF" + b"\0" * (10 * 1024 * 1024 + 1))}, "audio", "limit is 10"),
        ({"audio": ("empty.ogg", b"")}, "audio", "empty"),
        (
            {"audio": ("idea.wav", tone(2.0)), "drawing": ("d.png", drawing_bytes())},
            "drawing",
            "not drawing and audio",
        ),
        ({"audio": ("idea.wav", tone(2.0)), "text": "a dragon"}, "audio", "not audio and text"),
    ],
)
def test_bad_recordings_are_a_400_naming_the_problem_and_nothing_is_stored(
    api, kid, files, field, message
):
    body = {
        name: SimpleUploadedFile(value[0], value[1]) if isinstance(value, tuple) else value
        for name, value in files.items()
    }
    before = media_files()
    response = post(api, kid, **body)
    assert response.status_code == 400, response.data
    assert response.data["code"] == "invalid"
    assert message in response.data["errors"][field][0]
    assert not Story.objects.exists()
    assert media_files() == before


def test_the_pipeline_turns_an_uploaded_recording_into_a_story(api, kid):
    response = post(api, kid, audio=SimpleUploadedFile("idea.m4a", encode(spoken_idea(), "m4a")))
    assert response.status_code == 202, response.data
    story = Story.objects.get(pk=response.data["id"])  # Q_SYNC: the pipeline ran on commit
    assert story.status == StoryStatus.READY, story.failure_detail
    assert all(noun in story.input_text.split() for noun in IDEA_NOUNS), story.input_text
    assert all(noun in story.text.lower() for noun in IDEA_NOUNS), story.text
    assert not story.audio_input  # deleted after transcription: the family did not opt in
    ops = AIOperation.objects.filter(story_id=story.id, operation_type=Operation.TRANSCRIPTION)
    assert [(op.vendor, op.stage, op.success) for op in ops] == [("local", "analyse_input", True)]
    detail = api.get(f"/api/v1/stories/{story.id}/").data
    assert detail["input_kind"] == "audio" and detail["status"] == "ready"


# --- offline transcription ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["wav", "mp3", "m4a", "aac", "ogg-opus", "ogg-vorbis", "webm"])
def test_every_format_is_transcribed_offline_and_the_recording_deleted(fmt):
    story = audio_story(encode(spoken_idea(), fmt), suffix=fmt.split("-")[0])
    name = story.audio_input.name
    stages.analyse_input(story.id)
    story.refresh_from_db()
    heard = story.input_text.split()  # lossy codecs may add or drop a little word
    assert all(noun in heard for noun in IDEA_NOUNS), story.input_text
    assert story.language == "en"
    record = story.generation_metadata["transcription"]
    assert record["language"] == "en" and record["words"] == len(heard)
    assert settings.MIRA_TRANSCRIPTION_MIN_CONFIDENCE <= record["confidence"] <= 1
    assert story.stage_outputs[Stage.ANALYSE_INPUT.value]["description"] == (
        f"The child's idea: {story.input_text}"
    )
    assert not story.audio_input and not default_storage.exists(name)


def test_a_family_that_opted_in_keeps_the_recording():
    kid = KidFactory()
    ParentPreferences.objects.create(parent=kid.parent, keep_audio_input=True)
    story = audio_story(kid=kid)
    stages.analyse_input(story.id)
    story.refresh_from_db()
    assert story.input_text and stored(story)


def test_unclear_hiss_fails_with_transcription_unclear_and_no_story():
    story = audio_story(noise(4.0))
    name = story.audio_input.name
    story = pipeline.run(story.id)
    assert story.status == StoryStatus.FAILED
    assert story.failure_code == "transcription_unclear"
    assert "record the idea again" in story.failure_detail and "type it" in story.failure_detail
    assert not story.text and not story.input_text
    assert story.generation_metadata["transcription"]["words"] == 0
    assert not default_storage.exists(name)  # the story ended; the recording went with it
    assert not AIOperation.objects.filter(story_id=story.id, operation_type="story_generation")


def test_a_transcript_below_the_confidence_threshold_is_never_used(settings):
    settings.MIRA_TRANSCRIPTION_MIN_CONFIDENCE = 0.95
    story = pipeline.run(audio_story().id)
    assert story.failure_code == "transcription_unclear"
    confidence = story.generation_metadata["transcription"]["confidence"]
    assert 0 < confidence < 0.95  # stored, so ops can see why and tune the threshold
    assert not story.input_text


def test_a_retried_stage_reuses_the_saved_transcript_without_the_recording():
    story = audio_story()
    stages.analyse_input(story.id)
    Story.objects.filter(pk=story.id).update(completed_stages=[])
    stages.analyse_input(story.id)  # the recording is gone; the transcript is enough
    assert AIOperation.objects.filter(operation_type="transcription").count() == 1


def test_deleting_a_story_deletes_all_its_files(django_capture_on_commit_callbacks):
    kid = KidFactory()
    ParentPreferences.objects.create(parent=kid.parent, keep_audio_input=True)
    story = audio_story(kid=kid)
    story.drawing.save("drawing.png", ContentFile(drawing_bytes()), save=False)
    story.audio.save("narration.wav", ContentFile(tone(1.0)), save=False)
    story.cover.save("cover.png", ContentFile(drawing_bytes()), save=False)
    story.save()
    names = [f.name for f in (story.drawing, story.audio_input, story.audio, story.cover)]
    assert all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        kid.parent.delete()  # the cascade from a deleted account too
    assert not any(default_storage.exists(n) for n in names)
    assert not default_storage.exists(f"stories/{story.id}")


# --- vendors: Whisper, then Azure ---------------------------------------------------------------


@pytest.fixture
def vendors(fake_vendor, monkeypatch, tmp_path, settings):
    """Every vendor keyed and pointed at the fake server, with quick retries."""
    for name, value in vendor_environment(fake_vendor, tmp_path).items():
        monkeypatch.setenv(name, value)
    settings.MIRA_AI_RETRY_BASE_DELAY = 0.001
    settings.MIRA_AI_RETRY_MAX_DELAY = 0.01
    reset_config()
    reset_registry()
    resilience.circuit_reset(["openai", "anthropic", "google", "azure", "local"])
    return fake_vendor


def reroute(settings, tmp_path, **chains: list[str]) -> None:
    document = yaml.safe_load(Path(settings.MIRA_AI_PROVIDERS_FILE).read_text())
    for operation, chain in chains.items():
        document["operations"][operation].update(primary=chain[0], fallbacks=chain[1:])
    path = tmp_path / "ai-audio.yaml"
    path.write_text(yaml.safe_dump(document))
    settings.MIRA_AI_PROVIDERS_FILE = path
    reset_config()
    reset_registry()


SPANISH = ["un", "conejo", "y", "un", "dragón", "fueron", "a", "la", "luna"]


def test_whisper_transcribes_and_is_costed_per_audio_second(vendors):
    vendors.transcript = ["the", "rabbit", "and", "the", "dragon", "went", "to", "the", "moon"]
    story = audio_story(encode(spoken_idea(), "webm"), suffix="webm")
    stages.analyse_input(story.id)
    story.refresh_from_db()
    assert story.input_text == "the rabbit and the dragon went to the moon"
    (sent,) = vendors.requests("openai.transcription")
    assert sent.form["model"][1] == b"whisper-1" and "language" not in sent.form
    assert sent.form["file"][1][:4] == b"RIFF"  # 16 kHz mono WAV, whatever was uploaded
    op = AIOperation.objects.get(operation_type="transcription")
    seconds = Decimal(sent.response_json["usage"]["seconds"])
    assert seconds == math.ceil(sent.response_json["duration"])
    model = get_config().providers["openai"].models[Operation.TRANSCRIPTION]
    assert op.cost_usd == cost_of(model, Usage(audio_seconds=seconds)) > 0
    assert op.cost_usd == (seconds * Decimal("0.006") / 60).quantize(Decimal("0.000001"))


def test_whisper_failing_falls_over_to_azure_and_both_are_in_the_ledger(vendors, settings):
    settings.MIRA_AI_RETRY_ATTEMPTS = 1
    vendors.transcript = ["the", "rabbit", "and", "the", "dragon", "went", "to", "the", "moon"]
    vendors.queue("openai.transcription", Fail(500))
    story = audio_story(encode(spoken_idea(), "ogg-opus"), suffix="ogg")
    stages.analyse_input(story.id)
    story.refresh_from_db()
    assert story.input_text == "the rabbit and the dragon went to the moon"
    ops = list(AIOperation.objects.filter(operation_type="transcription").order_by("attempt"))
    assert [(op.vendor, op.success) for op in ops] == [("openai", False), ("azure", True)]
    assert ops[0].cost_usd == 0
    (sent,) = vendors.requests("azure.transcription")
    assert "locales" not in sent.form["definition"][1].decode()  # Azure identifies the language
    seconds = Decimal(sent.response_json["durationMilliseconds"]) / 1000
    model = get_config().providers["azure"].models[Operation.TRANSCRIPTION]
    assert ops[1].cost_usd == cost_of(model, Usage(audio_seconds=seconds)) > 0
    assert story.generation_metadata["transcription"]["confidence"] == pytest.approx(0.91)


SPANISH_STORY = (
    "El jardín de la luna\n\n"
    "Había una vez una niña llamada {name} que encontró una puerta diminuta al fondo del "
    "jardín. La puerta brillaba suavemente, como un farol hecho de luz de luna, y tarareaba "
    "una canción muy dulce.\n\n"
    "Detrás de la puerta vivía una familia de erizos simpáticos a los que les encantaba "
    "pintar. Habían dibujado tres estrellas en la pared, pero a una de ellas le faltaba su "
    "brillo.\n\n"
    "{name} tomó un pincel, lo mojó en pintura dorada y le dio a la estrella un destello "
    "nuevo. Los erizos aplaudieron, y todo el jardín se llenó de una luz cálida y alegre.\n\n"
    "Entonces el erizo más pequeño le enseñó a {name} un camino secreto de piedras redondas. "
    "Saltaron de piedra en piedra, contando en voz alta, junto a caracoles dormilones y "
    "girasoles que saludaban con la cabeza. Al final del camino había un estanque lleno de "
    "peces que brillaban como linternas.\n\n"
    "Cuando llegó la hora de volver a casa, los erizos le regalaron a {name} una piedrecita "
    "que relucía como una estrella. Desde aquella noche, {name} la guardaba cerca de la "
    "almohada, sonreía feliz y soñaba con amigos amables, colores brillantes y pequeñas "
    "aventuras valientes, siempre juntos."
)


def test_a_spanish_idea_is_told_in_spanish_when_every_voice_reads_spanish(
    vendors, settings, tmp_path
):
    # Narration by OpenAI, then the offline voice: both read Spanish.
    reroute(settings, tmp_path, text_to_speech=["openai", "local"])
    vendors.queue("openai.transcription", Reply(words=SPANISH, language="spanish"))
    # The model answers in the language it was asked for; the quality checks are Spanish.
    vendors.queue("openai.chat", Reply(content=SPANISH_STORY.format(name="Mia")))
    story = pipeline.run(audio_story().id)
    assert story.status == StoryStatus.READY, story.failure_detail
    assert story.language == "es"
    assert "Mia" in story.text and "erizos" in story.text
    assert story.generation_metadata["transcription"]["language"] == "es"
    # No language warning. Only the narration's timing is estimated: the fake Whisper has one
    # scripted reply (the idea) and offline recognition knows only English.
    from stories.pipeline.stages.narration import PROPORTIONAL_TIMING_WARNING

    assert story.content_warnings == [PROPORTIONAL_TIMING_WARNING]
    # The transcript took the typed-text path: moderated, then data (not instructions).
    moderated = [r.json["input"] for r in vendors.requests("openai.moderations")]
    assert " ".join(SPANISH) in moderated[0]
    prompt = vendors.requests("openai.chat")[0].json["messages"][-1]["content"]
    data = prompt[prompt.index("<data>") : prompt.index("</data>")]
    assert " ".join(SPANISH) in data
    speech = vendors.requests("openai.speech")
    assert speech  # narrated by a voice that reads Spanish


def test_with_every_vendor_keyed_a_spanish_idea_is_told_in_spanish(vendors):
    # OpenAI and espeak read Spanish, and Google and Azure have a Spanish voice in their maps.
    vendors.queue("openai.transcription", Reply(words=SPANISH, language="spanish"))
    story = audio_story()
    stages.analyse_input(story.id)
    story.refresh_from_db()
    assert story.language == "es"
    assert story.content_warnings == []


def test_an_idea_is_told_in_the_familys_language_when_a_voice_cannot_read_it(vendors):
    # Italian: OpenAI and espeak read it, but Google's and Azure's maps have no Italian voice.
    italian = ["un", "coniglio", "e", "un", "drago", "andarono", "sulla", "luna"]
    vendors.queue("openai.transcription", Reply(words=italian, language="italian"))
    story = audio_story()
    stages.analyse_input(story.id)
    story.refresh_from_db()
    assert story.language == "en"
    assert story.generation_metadata["transcription"]["language"] == "it"
    assert story.content_warnings == [
        "The recording was in Italian, which Mira's voices cannot read yet, so the story is "
        "told in English."
    ]


def test_an_unsafe_transcript_fails_like_unsafe_typed_text(vendors, settings, tmp_path):
    reroute(settings, tmp_path, content_safety=["local"])
    vendors.transcript = ["the", "knight", "kills", "everyone", "with", "a", "gun"]
    story = pipeline.run(audio_story().id)
    assert story.failure_code == "unsafe_input"
    assert story.content_warnings
    assert not story.audio_input


# --- the command line ---------------------------------------------------------------------------


def tell(*args: str) -> subprocess.CompletedProcess:
    # No vendor keys: everything offline, whatever the developer's shell holds.
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "tell_story", *args],
        capture_output=True,
        text=True,
        env=subprocess_env(drop=VENDOR_VARIABLES),
        timeout=300,
        cwd=ROOT,
    )


def test_tell_story_turns_a_clear_recording_into_a_story_with_its_nouns(tmp_path):
    recording = tmp_path / "idea.wav"
    recording.write_bytes(spoken_idea())
    out = tmp_path / "story"
    args = ("--audio", str(recording), "--kid-name", "Mia", "--age", "5", "--out", str(out))
    result = tell(*args, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    text = Path(summary["files"]["text"]).read_text().lower()
    assert all(noun in text for noun in IDEA_NOUNS), text
    assert summary["total_cost_usd"] == "0.0000"
    story = Story.objects.get(pk=summary["story_id"])
    assert story.input_kind == "audio" and all(n in story.input_text for n in IDEA_NOUNS)
    assert not story.audio_input  # the command's family never opted in to keeping it


@pytest.mark.parametrize(
    "content, message",
    [
        (drawing_bytes(), "is a PNG image; send a recording in WAV, MP3"),
        (tone(130.0, rate=8000), "longer than 2 minutes"),
        (b"", "empty"),
    ],
)
def test_tell_story_refuses_a_bad_recording_in_one_line_and_writes_nothing(
    tmp_path, content, message
):
    recording = tmp_path / "idea.mp3"
    recording.write_bytes(content)
    out = tmp_path / "story"
    result = tell("--audio", str(recording), "--kid-name", "Mia", "--age", "5", "--out", str(out))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("CommandError: --audio: ")
    assert message in lines[0]
    assert not out.exists() and not Story.objects.exists()


def test_tell_story_takes_one_input_only(tmp_path):
    recording = tmp_path / "idea.wav"
    recording.write_bytes(tone(2.0))
    result = tell(
        "--audio", str(recording), "--text", "a dragon", "--kid-name", "Mia", "--age", "5"
    )
    assert result.returncode == 2
    assert "give one of --drawing PATH, --audio PATH or --text IDEA" in result.stderr
    missing = tell("--audio", str(tmp_path / "nope.wav"), "--kid-name", "Mia", "--age", "5")
    assert missing.returncode == 2 and "no such file" in missing.stderr
