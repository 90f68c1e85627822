"""Recorded ideas are recognised by their content, measured by decoding, and refused clearly."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest

from ai_providers.tests.conftest import vendors  # noqa: F401  (fixture)
from mira.errors import InvalidInput
from stories.audio import (
    LanguageChoice,
    language_code,
    narration_languages,
    sniff_container,
    story_language,
    transcription_audio,
    validate_audio,
)
from stories.tests.audio_files import FORMATS, encode, noise, spoken_idea, tone, wav_bytes
from stories.tests.factories import drawing_bytes

CONTAINER_OF = {
    "wav": "wav",
    "mp3": "mp3",
    "m4a": "m4a",
    "aac": "aac",
    "ogg-opus": "ogg",
    "ogg-vorbis": "ogg",
    "webm": "webm",
}
CODEC_OF = {"ogg-opus": "opus", "ogg-vorbis": "vorbis", "webm": "opus", "m4a": "aac", "aac": "aac"}


@pytest.mark.parametrize("fmt", ["wav", *FORMATS])
def test_each_accepted_format_is_recognised_and_measured_by_decoding(fmt):
    data = encode(tone(7.0), fmt)
    info = validate_audio(data)
    assert info.container == CONTAINER_OF[fmt]
    assert info.codec.startswith(CODEC_OF.get(fmt, "mp3" if fmt == "mp3" else "pcm_s16le"))
    # Encoders add a few milliseconds of priming or padding; never more than a frame or two.
    assert info.duration_seconds == pytest.approx(7.0, abs=0.12)
    assert info.suffix in {"wav", "mp3", "m4a", "aac", "ogg", "webm"}


@pytest.mark.parametrize("fmt", ["wav", "mp3", "webm"])
def test_exactly_two_minutes_is_accepted_and_just_over_is_refused(fmt):
    assert validate_audio(encode(tone(120.0, rate=8000), fmt)).duration_seconds <= 120.5
    with pytest.raises(InvalidInput, match="longer than 2 minutes") as refused:
        validate_audio(encode(tone(121.5, rate=8000), fmt))
    assert refused.value.field == "audio"


def test_a_long_recording_is_refused_however_small_the_file(settings):
    # 10 minutes of Opus is far under 10 MB: only decoding tells how long it is.
    data = encode(tone(600.0, rate=8000), "ogg-opus")
    assert len(data) < settings.MIRA_MAX_AUDIO_BYTES
    with pytest.raises(InvalidInput, match="longer than 2 minutes"):
        validate_audio(data)


def test_the_length_limit_is_a_setting(settings):
    settings.MIRA_MAX_AUDIO_SECONDS = 5
    with pytest.raises(InvalidInput, match="longer than 5 seconds"):
        validate_audio(tone(6.0))
    assert validate_audio(tone(4.0)).duration_seconds == pytest.approx(4.0)


def test_an_over_large_file_is_refused_before_decoding(settings):
    big = tone(1.0) + b"\x00" * (settings.MIRA_MAX_AUDIO_BYTES + 1)
    with pytest.raises(InvalidInput, match=r"10\.0 MB; the limit is 10 MB"):
        validate_audio(big)


def test_a_wav_header_that_lies_about_its_length_is_measured_by_its_samples():
    data = bytearray(tone(3.0))
    data[40:44] = (2_000_000_000).to_bytes(4, "little")  # "data" chunk claims ~17 hours
    assert validate_audio(bytes(data)).duration_seconds == pytest.approx(3.0, abs=0.01)


def _flac(seconds: float) -> bytes:
    out = io.BytesIO()
    with av.open(out, "w", format="flac") as container:
        stream = container.add_stream("flac", rate=16000, layout="mono")
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, int(16000 * seconds)), dtype=np.int16), format="s16", layout="mono"
        )
        frame.sample_rate = 16000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    return out.getvalue()


def _video_mp4() -> bytes:
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        video = container.add_stream("mpeg4", rate=10)
        video.width, video.height, video.pix_fmt = 64, 64, "yuv420p"
        for i in range(20):
            frame = av.VideoFrame.from_ndarray(
                np.full((64, 64, 3), i * 10, dtype=np.uint8), format="rgb24"
            )
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode(None):
            container.mux(packet)
    return out.getvalue()


def _half(data: bytes) -> bytes:
    return data[: len(data) // 2]


REFUSED = {
    "a png named idea.mp3": (drawing_bytes(), "is a PNG image; send a recording in WAV, MP3"),
    "a jpeg": (drawing_bytes("JPEG"), "is a JPEG image"),
    "plain text": (b"once upon a time there was a dragon" * 10, "not an audio file we can read"),
    "a pdf": (b"%PDF-1.7\n" + b"0" * 200, "is a PDF document"),
    "flac, a format we do not take": (_flac(2.0), "is a FLAC file"),
    "video": (_video_mp4(), "contains video"),
    "empty": (b"", "empty"),
    # MP3 is a stream of frames: what survives a cut is simply a shorter recording.
    "an mp3 cut after its first frames": (encode(tone(3.0), "mp3")[:2000], r"only 0\.\d seconds"),
    # An M4A's index sits at its end: cut in half, nothing in it can be found.
    "an m4a cut in half": (_half(encode(tone(3.0), "m4a")), "looks like M4A but could not be"),
    "garbage after an ogg magic": (b"OggS" + bytes(range(256)) * 4, "looks like OGG but could not"),
    "too short to hold an idea": (tone(0.4), "only 0.4 seconds long"),
    "silence of no length": (wav_bytes(np.zeros(0), 16000), "could not be decoded"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_anything_else_is_refused_with_the_problem_named(case):
    data, message = REFUSED[case]
    with pytest.raises(InvalidInput, match=message) as refused:
        validate_audio(data)
    assert refused.value.field == "audio"


def test_sniffing_skips_id3_tags_and_ignores_names():
    mp3 = encode(tone(2.0), "mp3")
    assert mp3.startswith(b"ID3") and sniff_container(mp3) == "mp3"
    assert sniff_container(encode(tone(2.0), "aac")) == "aac"
    assert sniff_container(b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska" + b"\0" * 40) is None


@pytest.mark.parametrize("fmt", ["mp3", "m4a", "ogg-vorbis", "webm"])
def test_compressed_recordings_become_16khz_mono_wav_for_the_transcriber(fmt):
    import wave

    wav, mime = transcription_audio(encode(spoken_idea(), fmt))
    assert mime == "audio/wav"
    with wave.open(io.BytesIO(wav)) as decoded:
        assert (decoded.getframerate(), decoded.getnchannels(), decoded.getsampwidth()) == (
            16000,
            1,
            2,
        )
        seconds = decoded.getnframes() / decoded.getframerate()
    assert seconds == pytest.approx(validate_audio(spoken_idea()).duration_seconds, abs=0.12)
    assert transcription_audio(noise(1.0)) == (noise(1.0), "audio/wav")  # WAV passes unchanged


# --- languages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, code",
    [
        ("english", "en"),
        ("Spanish", "es"),
        ("fr-FR", "fr"),
        ("en", "en"),
        ("pt_BR", "pt"),
        ("", None),
        (None, None),
        ("klingon!", None),
    ],
)
def test_vendor_language_names_become_iso_codes(value, code):
    assert language_code(value) == code


@pytest.mark.django_db
def test_offline_the_story_is_told_in_the_childs_language_when_espeak_reads_it():
    # No keys: the narration chain is the offline voice alone.
    assert {"en", "es", "fr", "de"} <= narration_languages()
    assert story_language(detected="spanish", family_language="en") == LanguageChoice("es", "es")
    assert story_language(detected="en-US", family_language="en-GB") == LanguageChoice(
        "en-GB", "en"
    )
    assert story_language(detected=None, family_language="de") == LanguageChoice("de", None)


@pytest.mark.django_db
def test_a_language_no_voice_reads_is_told_in_the_familys_language_with_a_warning():
    assert "yo" not in narration_languages()
    choice = story_language(detected="yoruba", family_language="fr")
    assert choice.language == "fr" and choice.detected == "yo"
    assert "Yoruba" in choice.warning and "French" in choice.warning


@pytest.mark.django_db
def test_with_every_vendor_keyed_the_voices_maps_count(vendors):  # noqa: F811
    # Google and Azure name one voice per language in `voices` (no `languages` list): those
    # languages count, not only the locale of the default voice, so a Spanish recorded idea
    # is told in Spanish when OpenAI, Google, Azure and espeak all have a Spanish voice.
    assert {"en", "es", "fr", "de"} <= narration_languages()
    assert "yo" not in narration_languages()
    assert story_language(detected="spanish", family_language="en") == LanguageChoice("es", "es")
