"""Offline text-to-speech with espeak-ng, loaded through ctypes from the ``espeakng-loader`` wheel.

``synthesize`` turns story text into a 16-bit mono WAV plus one ``WordMark`` per
whitespace-separated token, so the read-along page can highlight words as they are heard.

Word times come from espeak's own WORD events. With ``espeakCHARS_UTF8`` their
``text_position`` is a 1-based *code point* index (verified: multi-byte letters, combining
accents, curly quotes and 4-byte emoji each count as one), so it indexes Python ``str`` directly.
A word's end is where its audio actually stops, measured on the samples, so the pauses espeak
puts after commas and full stops are not highlighted.

espeak-ng keeps global state and is not thread-safe: the library is initialised once, lazily,
and every synthesis runs under one module-level lock.
"""

from __future__ import annotations

import bisect
import ctypes
import io
import math
import threading
import wave
from dataclasses import dataclass
from typing import Any

import numpy as np

from ai_providers.types import WordMark

__all__ = ["SpeechAudio", "SpeechEngineError", "synthesize"]

DEFAULT_RATE_WPM = 145  # espeak's 175 wpm default is brisk for young listeners
_MIN_RATE_WPM = 80  # espeakRATE_MINIMUM
_MAX_RATE_WPM = 450  # espeakRATE_MAXIMUM
_LANGUAGE_VOICES = {"en": "en-us", "en-gb": "en"}  # espeak's "en" voice is British English
_PARAGRAPH_PAUSE_SECONDS = 0.6  # at speed 1.0; scaled by 1/speed
_TRAILING_SILENCE_SECONDS = 0.05  # kept after the last sound so the WAV does not end abruptly
_FRAME_SECONDS = 0.005  # energy frames used to find where a word's audio stops
_SILENCE_RATIO = 0.01  # a frame quieter than 1% of the loudest frame's RMS counts as silence
# A token made only of these is layout, not speech; espeak would read it out ("asterisk").
_DECORATION = frozenset("*#~_.-/\\|•·")
_SILENCE_FLOOR_RMS = 16.0  # about -66 dBFS; espeak's own pauses are digital zeros

# speak_lib.h (espeak-ng 1.52) constants.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000  # without it a missing data directory calls exit(1)
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE = 1
_EE_OK = 0
_EE_NOT_FOUND = 2


class SpeechEngineError(Exception):
    """espeak-ng could not load or initialise, or the request cannot be spoken."""


@dataclass(frozen=True)
class SpeechAudio:
    """A complete WAV file and the time span of every token of the text it speaks."""

    wav: bytes
    sample_rate: int
    duration_seconds: float
    word_marks: tuple[WordMark, ...]
    voice: str


class _EventId(ctypes.Union):
    _fields_ = [
        ("number", ctypes.c_int),
        ("name", ctypes.c_char_p),
        ("string", ctypes.c_char * 8),
    ]


class _Event(ctypes.Structure):
    """espeak_EVENT from speak_lib.h."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


class _Collector:
    """Audio and WORD events of one espeak_Synth call."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.words: list[tuple[int, int]] = []  # (0-based code point index, sample index)
        self.error: BaseException | None = None


class _Engine:
    """The loaded library. Only touched while holding ``_lock``."""

    def __init__(self) -> None:
        try:
            import espeakng_loader

            library_path = espeakng_loader.get_library_path()
            data_path = espeakng_loader.get_data_path()
            lib = ctypes.CDLL(library_path)
        except (ImportError, OSError, RuntimeError) as exc:
            raise SpeechEngineError(f"cannot load the espeak-ng library: {exc}") from exc

        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.argtypes = []
        lib.espeak_Synchronize.restype = ctypes.c_int

        rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode(), _INITIALIZE_DONT_EXIT
        )
        if rate <= 0:
            raise SpeechEngineError(f"espeak-ng failed to initialise (data at {data_path})")
        # With DONT_EXIT espeak_Initialize reports success even when the data failed to load;
        # selecting a voice that is always shipped proves the data is usable.
        if lib.espeak_SetVoiceByName(b"en") != _EE_OK:
            raise SpeechEngineError(f"espeak-ng could not load its voice data from {data_path}")

        self.lib = lib
        self.sample_rate = rate
        self.collector = _Collector()
        # espeak keeps only the raw function pointer; holding the ctypes object here stops it
        # from being garbage collected while the library can still call it.
        self._callback = _SynthCallback(self._on_synth)
        lib.espeak_SetSynthCallback(self._callback)

    def _on_synth(self, wav: Any, count: int, events: Any) -> int:
        """t_espeak_callback: keep the audio and WORD events; return 0 to go on, 1 to abort."""
        collector = self.collector
        try:
            if wav and count > 0:
                collector.chunks.append(ctypes.string_at(wav, count * 2))
            index = 0
            while events and events[index].type != _EVENT_LIST_TERMINATED:
                event = events[index]
                if event.type == _EVENT_WORD:
                    collector.words.append((event.text_position - 1, event.sample))
                index += 1
        except BaseException as exc:  # an exception must not unwind through C
            collector.error = exc
            return 1  # abort synthesis
        return 0

    def set_voice(self, candidates: list[str]) -> str:
        """Select the first voice espeak knows; returns its name."""
        for name in candidates:
            status = self.lib.espeak_SetVoiceByName(name.encode("utf-8"))
            if status == _EE_OK:
                return name
            if status != _EE_NOT_FOUND:
                raise SpeechEngineError(
                    f"espeak-ng could not select voice {name!r} (error {status})"
                )
        raise SpeechEngineError(f"espeak-ng has no voice named {candidates[0]!r}")

    def set_rate(self, words_per_minute: int) -> None:
        status = self.lib.espeak_SetParameter(_PARAM_RATE, words_per_minute, 0)
        if status != _EE_OK:
            raise SpeechEngineError(f"espeak-ng rejected rate {words_per_minute} (error {status})")

    def speak(self, text: str) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """Synthesise one paragraph; returns int16 samples and (char index, sample) per word."""
        if not text.strip(" ,"):  # a paragraph that was only decoration ("* * *")
            return np.zeros(0, dtype=np.int16), []
        self.collector = collector = _Collector()
        # "replace" turns lone surrogates into one "?" each, so code point offsets still match.
        data = text.encode("utf-8", "replace") + b"\0"
        status = self.lib.espeak_Synth(
            data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
        )
        self.lib.espeak_Synchronize()
        if collector.error is not None:
            raise SpeechEngineError(f"espeak-ng callback failed: {collector.error}")
        if status != _EE_OK:
            raise SpeechEngineError(f"espeak-ng synthesis failed (error {status})")
        audio = np.frombuffer(b"".join(collector.chunks), dtype="<i2")
        words = [
            (position, min(max(sample, 0), len(audio))) for position, sample in collector.words
        ]
        return audio, words


_lock = threading.Lock()
_engine: _Engine | None = None


def _get_engine() -> _Engine:
    """The process-wide engine; the caller must hold ``_lock``."""
    global _engine
    if _engine is None:
        _engine = _Engine()
    return _engine


def synthesize(
    text: str, *, language: str = "en", voice: str = "", speed: float = 1.0
) -> SpeechAudio:
    """Speak ``text`` offline with espeak-ng; one ``WordMark`` per ``text.split()`` token.

    ``voice`` is an espeak voice name ("en-us", "es", "fr", ...); when empty it is derived from
    ``language`` ("en" is American English; "es-mx" falls back to "es"). ``speed`` multiplies
    the default rate of 145 words per minute, clamped to espeak's 80-450.
    Raises ``SpeechEngineError`` for empty text, an unknown voice, a non-positive speed, or an
    espeak-ng library that cannot be loaded or initialised.
    """
    tokens = _token_spans(text)
    if not tokens:
        raise SpeechEngineError("nothing to speak: the text is empty")
    if not math.isfinite(speed) or speed <= 0:
        raise SpeechEngineError(f"speed must be a positive number, got {speed!r}")
    candidates = _voice_candidates(language, voice)
    rate = min(max(round(DEFAULT_RATE_WPM * speed), _MIN_RATE_WPM), _MAX_RATE_WPM)

    with _lock:
        engine = _get_engine()
        voice_name = engine.set_voice(candidates)
        engine.set_rate(rate)
        sample_rate = engine.sample_rate
        paragraphs = []
        for first, last in _paragraphs(text, tokens):
            begin, finish = tokens[first][0], tokens[last - 1][1]
            local = [(start - begin, end - begin) for start, end in tokens[first:last]]
            audio, words = engine.speak(_spoken_text(text[begin:finish], local))
            paragraphs.append((audio, words, local, text[begin:finish]))

    # The pause follows the rate actually used, so a clamped speed does not stretch it.
    pause_seconds = _PARAGRAPH_PAUSE_SECONDS * DEFAULT_RATE_WPM / rate
    pause = np.zeros(round(pause_seconds * sample_rate), dtype=np.int16)
    pieces: list[np.ndarray] = []
    spans: list[tuple[int, int]] = []  # absolute (start, end) sample of every token
    offset = 0
    for audio, words, local, paragraph in paragraphs:
        audio = _trim_trailing_silence(audio, sample_rate)
        # No pause around a paragraph with nothing audible ("* * *"), so the audio never ends
        # in a long silence that no word accounts for.
        if offset and len(audio):
            pieces.append(pause)
            offset += len(pause)
        for start, end in _paragraph_spans(audio, words, local, paragraph, sample_rate):
            spans.append((offset + start, offset + end))
        pieces.append(audio)
        offset += len(audio)

    samples = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int16)
    marks = tuple(
        WordMark(
            word=text[a:b], start=round(start / sample_rate, 3), end=round(end / sample_rate, 3)
        )
        for (a, b), (start, end) in zip(tokens, spans, strict=True)
    )
    return SpeechAudio(
        wav=_wav_bytes(samples, sample_rate),
        sample_rate=sample_rate,
        duration_seconds=len(samples) / sample_rate,
        word_marks=marks,
        voice=voice_name,
    )


def _voice_candidates(language: str, voice: str) -> list[str]:
    """Voice names to try in order: an explicit voice exactly, else the language and its base.

    espeak names voices by file ("en-us", "pt-br", "fr"), not by every language code, so a
    regional code without its own voice ("es-mx") falls back to the base language ("es").
    """
    if voice.strip():
        return [voice.strip()]
    code = language.strip().lower().replace("_", "-") or "en"
    candidates = [_LANGUAGE_VOICES.get(code, code)]
    base = code.split("-")[0]
    if base != code:
        candidates.append(_LANGUAGE_VOICES.get(base, base))
    return candidates


def _token_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) code point offsets of the tokens ``text.split()`` returns, in order."""
    spans = []
    start = None
    for index, char in enumerate(text):
        if char.isspace():  # the same test str.split() uses
            if start is not None:
                spans.append((start, index))
                start = None
        elif start is None:
            start = index
    if start is not None:
        spans.append((start, len(text)))
    return spans


def _paragraphs(text: str, tokens: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """[first, last) token index ranges of paragraphs, which are separated by blank lines."""
    ranges = []
    first = 0
    for index in range(1, len(tokens)):
        gap = text[tokens[index - 1][1] : tokens[index][0]]
        if gap.count("\n") >= 2 or "\u2029" in gap:
            ranges.append((first, index))
            first = index
    ranges.append((first, len(tokens)))
    return ranges


def _spoken_text(paragraph: str, tokens: list[tuple[int, int]]) -> str:
    """The paragraph as handed to espeak: same length, so code point offsets still match.

    Whitespace and NUL become plain spaces (newlines and a C string terminator must not change
    how espeak reads it). A decoration token ("* * *", "-", ".") becomes a comma: espeak would
    otherwise say "asterisk" or "dot" in the middle of a story, and the comma keeps the pause.
    """
    chars = [" " if char.isspace() or char == "\0" else char for char in paragraph]
    for start, end in tokens:
        if all(char in _DECORATION for char in paragraph[start:end]):
            chars[start:end] = "," + " " * (end - start - 1)
    return "".join(chars)


def _is_speakable(token: str) -> bool:
    return any(char.isalnum() for char in token)


def _paragraph_spans(
    audio: np.ndarray,
    words: list[tuple[int, int]],
    tokens: list[tuple[int, int]],
    paragraph: str,
    sample_rate: int,
) -> list[tuple[int, int]]:
    """(start, end) sample of every token of one paragraph, from espeak's WORD events."""
    total = len(audio)
    starts = [start for start, _ in tokens]

    texts = [paragraph[start:end] for start, end in tokens]
    located = []  # (token index, inside the token?, sample)
    for position, sample in words:
        index = max(0, bisect.bisect_right(starts, position) - 1)
        located.append((index, position < tokens[index][1], sample))
    has_own_event = {index for index, inside, _ in located if inside}

    # Each token takes the first WORD event that falls inside it; later ones for the same token
    # (numbers like "1999", "well-known") are ignored. An event in the whitespace after a token
    # is ambiguous: after a clause-ending "Dr." or "bright." espeak points the next word's event
    # at the space before it, but a multi-word emoji name ("grinning face") also puts its second
    # event there. It starts the next spoken token only if that token has no event of its own.
    anchors: dict[int, int] = {}
    current = -1
    latest_sample = 0
    for index, inside, sample in located:
        if not inside:
            following = next(
                (j for j in range(index + 1, len(tokens)) if _is_speakable(texts[j])), None
            )
            if following is not None and following not in has_own_event:
                index = following
        if index <= current:
            continue
        current = index
        latest_sample = min(max(latest_sample, sample), total)  # audio may have been trimmed
        anchors[index] = latest_sample

    # Tokens between two anchors share the first anchor's stretch of audio: words espeak ran
    # together split it by letter count, punctuation-only tokens ("—") get no time of their own.
    begins: list[int | None] = [None] * len(tokens)
    limits: list[int | None] = [None] * len(tokens)
    anchor_indexes = sorted(anchors)
    group_starts = anchor_indexes if anchor_indexes[:1] == [0] else [0, *anchor_indexes]
    for number, group_start in enumerate(group_starts):
        group_end = group_starts[number + 1] if number + 1 < len(group_starts) else len(tokens)
        sample_from = anchors.get(group_start, 0)
        sample_to = anchors[group_end] if group_end < len(tokens) else total
        members = [
            index
            for index in range(group_start, group_end)
            if index in anchors or _is_speakable(texts[index])
        ]
        weights = [max(1, sum(char.isalnum() for char in texts[index])) for index in members]
        edge = sample_from
        for index, done in zip(members, np.cumsum(weights), strict=True):
            boundary = sample_from + round((sample_to - sample_from) * int(done) / sum(weights))
            begins[index], limits[index] = edge, boundary
            edge = boundary

    loud = _loud_frames(audio, sample_rate)
    frame = _frame_length(sample_rate)
    spans: list[tuple[int, int]] = []
    for index in range(len(tokens)):
        begin, limit = begins[index], limits[index]
        if begin is None or limit is None:
            # Silent token: a zero-length mark where the previous word stopped.
            at = spans[-1][1] if spans else 0
            spans.append((at, at))
            continue
        spans.append((begin, _last_sound(loud, frame, begin, limit)))
    return spans


def _frame_length(sample_rate: int) -> int:
    return max(1, round(_FRAME_SECONDS * sample_rate))


def _loud_frames(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Boolean per frame: does it carry sound (RMS above the silence threshold)?"""
    frame = _frame_length(sample_rate)
    count = -(-len(audio) // frame)
    if count == 0:
        return np.zeros(0, dtype=bool)
    padded = np.zeros(count * frame, dtype=np.float64)
    padded[: len(audio)] = audio
    rms = np.sqrt(np.mean(padded.reshape(count, frame) ** 2, axis=1))
    threshold = max(_SILENCE_FLOOR_RMS, float(rms.max()) * _SILENCE_RATIO)
    return rms > threshold


def _last_sound(loud: np.ndarray, frame: int, begin: int, limit: int) -> int:
    """The sample just after the last loud frame in [begin, limit), or ``begin`` if silent."""
    if limit <= begin:
        return begin
    # The frame holding ``limit`` also holds the next word's onset, so it is left out.
    first, last = begin // frame, max(limit // frame, begin // frame + 1)
    hits = np.flatnonzero(loud[first:last])
    if hits.size == 0:
        return begin
    return min(limit, max(begin, (first + int(hits[-1]) + 1) * frame))


def _trim_trailing_silence(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Drop the silence espeak leaves after the last sound, keeping a short tail."""
    hits = np.flatnonzero(_loud_frames(audio, sample_rate))
    if hits.size == 0:
        return audio[:0]
    keep = (int(hits[-1]) + 1) * _frame_length(sample_rate)
    keep += round(_TRAILING_SILENCE_SECONDS * sample_rate)
    return audio[: min(len(audio), keep)]


def _wav_bytes(samples: np.ndarray, sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(samples.astype("<i2").tobytes())
    return buffer.getvalue()
