"""Offline transcription: pocketsphinx forced alignment and recognition, through the gateway."""

import pytest

from ai_providers import gateway
from ai_providers.alignment import align_marks, story_words
from ai_providers.errors import ProviderUnavailable
from ai_providers.models import AIOperation
from ai_providers.providers.local.speech import synthesize
from ai_providers.types import CallContext, Operation, TranscriptionRequest
from stories.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEXT = "Mia found 3 shiny pebbles by the river. She smiled and waved at her friend Zorblax."


@pytest.fixture(scope="module")
def spoken():
    return synthesize(TEXT, language="en", voice="", speed=1.0)


def transcribe(audio, **kwargs):
    return gateway.call(
        Operation.TRANSCRIPTION,
        TranscriptionRequest(audio=audio, mime_type="audio/wav", **kwargs),
        CallContext(user_id=UserFactory().pk),
    )


def test_forced_alignment_matches_the_voices_own_word_times(spoken):
    result = transcribe(spoken.wav, language="en", expected_text=TEXT)
    assert AIOperation.objects.get().vendor == "local"
    assert [w.word for w in result.words][:3] == ["mia", "found", "three"]
    timed = align_marks(story_words(TEXT), result.words, spoken.duration_seconds)
    assert [t["word"] for t in timed] == story_words(TEXT)
    # espeak-ng reports exact word starts: forced alignment lands within 0.15 s of them.
    errors = [abs(t["start"] - m.start) for t, m in zip(timed, spoken.word_marks, strict=True)]
    assert sum(errors) / len(errors) < 0.08 and max(errors) < 0.3
    assert result.duration_seconds == pytest.approx(spoken.duration_seconds, abs=0.01)
    assert AIOperation.objects.get().cost_usd == 0


def test_plain_recognition_gives_words_times_and_confidence(spoken):
    result = transcribe(spoken.wav)
    assert result.words and result.text
    assert 0 < result.confidence <= 1
    starts = [w.start for w in result.words]
    assert starts == sorted(starts) and result.words[-1].end <= spoken.duration_seconds + 0.05


def test_unreadable_audio_and_unknown_language_are_clear_errors():
    with pytest.raises(ProviderUnavailable, match="not a PCM WAV"):
        transcribe(b"ID3 not a wav at all")
    with pytest.raises(ProviderUnavailable, match="only knows English"):
        transcribe(b"RIFF", language="fr")


def test_a_recording_is_heard_the_same_whatever_was_heard_before(spoken):
    """The decoder is shared; its front end's running estimates must not leak between calls."""
    import io
    import wave

    import numpy as np

    from ai_providers.providers.local.recognition import recognise

    first = recognise(spoken.wav)
    hiss = np.random.default_rng(5).normal(0, 4000, 16000 * 3).clip(-32768, 32767)
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(hiss.astype("<i2").tobytes())
    recognise(out.getvalue())
    again = recognise(spoken.wav)
    assert again == first  # words, times and confidence
