"""Offline espeak-ng speech: the WAV it writes and the word marks the read-along page uses."""

from __future__ import annotations

import io
import threading
import wave

import pytest

from ai_providers.providers.local.speech import SpeechAudio, SpeechEngineError, synthesize

TRICKY = (
    "Once upon a time, Mia\u2019s little dog — named “Biscuit” — ran 3 miles in 1999. "
    "It was a well-known, super-duper day!\n"
    "\n"
    "The sky was blue. Café owners smiled; naïve birds sang: “Tweet, tweet!” "
    'Then 42 frogs jumped... 10% of them, at 12:30, wore hats. "Don\'t stop," said Dr. Lee.\n'
    "\r\n"
    "* * *\n"
    "\n"
    "“Goodnight,” said Mom. — The End —"
)


def _check_marks(audio: SpeechAudio, text: str) -> None:
    """The invariants the read-along page relies on."""
    assert [mark.word for mark in audio.word_marks] == text.split()
    previous = None
    for mark in audio.word_marks:
        assert 0.0 <= mark.start <= mark.end, mark
        assert mark.end <= audio.duration_seconds + 0.001, mark
        if previous is not None:
            assert previous.start <= mark.start, (previous, mark)
            assert previous.end <= mark.start, (previous, mark)
        previous = mark
    assert abs(audio.duration_seconds - audio.word_marks[-1].end) <= 0.5


def _is_word(token: str) -> bool:
    return any(char.isalnum() for char in token)


def test_one_mark_per_token_for_tricky_text() -> None:
    audio = synthesize(TRICKY)

    _check_marks(audio, TRICKY)
    by_word = [(mark.word, mark.end - mark.start) for mark in audio.word_marks]
    # Every token with a letter or digit is heard for a while; decoration is not.
    assert all(length > 0.03 for word, length in by_word if _is_word(word)), by_word
    assert all(length == 0 for word, length in by_word if word in {"—", "*"}), by_word
    assert audio.voice == "en-us"


def test_whitespace_splits_exactly_like_str_split() -> None:
    text = "one\ttwo\u00a0three\u2029four\r\nfive  \u3000six\x0bseven"

    audio = synthesize(text)

    assert [mark.word for mark in audio.word_marks] == text.split()
    _check_marks(audio, text)


def test_offsets_count_characters_not_utf8_bytes() -> None:
    # Many multi-byte characters before short and long words: byte offsets would push every
    # event onto a later token and squash the early words.
    text = "“Zoë\u2019s” café — \u2018naïve\u2019 😀 a extraordinarily long day"

    audio = synthesize(text)

    _check_marks(audio, text)
    length = {mark.word: mark.end - mark.start for mark in audio.word_marks}
    assert length["extraordinarily"] > 2 * length["a"]
    assert all(length[word] > 0.03 for word in length if word != "—"), length  # 😀 is named


def test_pauses_after_punctuation_are_not_highlighted() -> None:
    audio = synthesize("Hello, world. The end.")

    hello, world, the, _end = audio.word_marks
    assert world.start - hello.end > 0.1  # comma pause
    assert the.start - world.end > 0.2  # sentence pause


def test_paragraphs_are_separated_by_a_pause() -> None:
    audio = synthesize("First part here.\n\nSecond part here.")

    _check_marks(audio, "First part here.\n\nSecond part here.")
    here, second = audio.word_marks[2], audio.word_marks[3]
    assert second.start - here.end >= 0.5


def test_wav_is_16_bit_mono_pcm_at_espeak_rate() -> None:
    audio = synthesize("The little robot waved hello.")

    with wave.open(io.BytesIO(audio.wav)) as reader:
        assert reader.getnchannels() == 1
        assert reader.getsampwidth() == 2
        assert reader.getframerate() == audio.sample_rate == 22050
        assert reader.getcomptype() == "NONE"
        frames = reader.getnframes()
        assert len(reader.readframes(frames)) == frames * 2
    assert audio.duration_seconds == pytest.approx(frames / audio.sample_rate)
    assert 1.0 < audio.duration_seconds < 4.0


def test_speed_changes_duration() -> None:
    text = "The quick brown fox jumps over the lazy dog, and then it takes a nap."

    slow = synthesize(text, speed=0.75)
    normal = synthesize(text)
    fast = synthesize(text, speed=1.5)

    assert slow.duration_seconds > normal.duration_seconds * 1.15
    assert fast.duration_seconds < normal.duration_seconds * 0.85
    for audio in (slow, normal, fast):
        _check_marks(audio, text)


def test_long_text() -> None:
    paragraph = (
        "Mia and her dragon flew over 12 hills, past the old clock-tower, and into the "
        "“whispering” forest, where 1,000 fireflies blinked hello. "
    )
    text = "\n\n".join(paragraph * 8 for _ in range(6))  # over 1000 words
    assert len(text.split()) > 1000

    audio = synthesize(text)

    _check_marks(audio, text)
    assert audio.duration_seconds > 300


def test_other_languages() -> None:
    spanish = synthesize("El niño comió 3 manzanas. ¡Qué rico!", language="es")
    regional = synthesize("Hola amigos", language="es-MX")
    explicit = synthesize("Bonne nuit !", voice="fr")

    assert spanish.voice == "es"
    _check_marks(spanish, "El niño comió 3 manzanas. ¡Qué rico!")
    assert regional.voice == "es"  # no es-mx voice: falls back to the base language
    assert explicit.voice == "fr"
    _check_marks(explicit, "Bonne nuit !")


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t"])
def test_empty_text_is_rejected(text: str) -> None:
    with pytest.raises(SpeechEngineError, match="empty"):
        synthesize(text)


def test_unknown_voice_is_named_in_the_error() -> None:
    with pytest.raises(SpeechEngineError, match="no-such-voice"):
        synthesize("Hello", voice="no-such-voice")
    with pytest.raises(SpeechEngineError, match="'xx'"):
        synthesize("Hello", language="xx")


@pytest.mark.parametrize("speed", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_speed_is_rejected(speed: float) -> None:
    with pytest.raises(SpeechEngineError, match="speed"):
        synthesize("Hello", speed=speed)


def test_concurrent_synthesis_gets_each_callers_own_result() -> None:
    texts = {
        "en": "The brave little turtle crossed the whole garden before lunch.",
        "es": "La tortuga valiente cruzó todo el jardín antes del almuerzo.",
    }
    expected = {language: synthesize(text, language=language) for language, text in texts.items()}
    results: dict[str, list[SpeechAudio]] = {language: [] for language in texts}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(texts))

    def work(language: str) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                results[language].append(synthesize(texts[language], language=language))
        except BaseException as exc:  # surfaced below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(language,)) for language in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    for language, text in texts.items():
        assert len(results[language]) == 3
        for audio in results[language]:
            assert audio.voice == expected[language].voice
            _check_marks(audio, text)
            # espeak carries a little waveform state between calls, so allow a few ms.
            assert audio.duration_seconds == pytest.approx(
                expected[language].duration_seconds, abs=0.05
            )
            for mark, reference in zip(
                audio.word_marks, expected[language].word_marks, strict=True
            ):
                assert mark.start == pytest.approx(reference.start, abs=0.05)
                assert mark.end == pytest.approx(reference.end, abs=0.05)
