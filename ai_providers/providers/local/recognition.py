"""Offline speech recognition and forced alignment with pocketsphinx (CMU Sphinx).

The pocketsphinx wheel ships a US-English acoustic model, language model and dictionary
(``pocketsphinx.get_model_path()``), so this needs no network and no download.

- ``recognise(audio)``: plain recognition: the words heard, with times, a per-word posterior
  probability and an overall confidence (the mean word posterior).
- ``recognise(audio, expected_text=...)``: forced alignment of a known script: the script's
  words with the times they are spoken. Words missing from the dictionary are left out of the
  alignment grammar (their time is absorbed by their neighbours and interpolated later).
  When alignment cannot fit the script to the audio, plain recognition is returned instead
  and the caller's sequence alignment does the mapping.

Decoders are expensive to build (the model loads in ~0.5 s) and not thread-safe, so one of
each kind is kept per process behind a lock.
"""

from __future__ import annotations

import io
import logging
import threading
import wave
from dataclasses import dataclass
from math import gcd

import numpy as np

from ...alignment import spoken_units
from ...types import WordMark

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16000
FRAMES_PER_SECOND = 100  # pocketsphinx's default frame rate
_FILLERS = frozenset({"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "++NOISE++"})


class UnreadableAudio(ValueError):
    """The audio is not a PCM WAV file this recogniser can read."""


@dataclass(frozen=True)
class Recognition:
    text: str
    words: tuple[WordMark, ...]
    confidence: float | None
    duration_seconds: float
    aligned: bool  # True: forced alignment of the expected text; False: free recognition


def pcm16k(audio: bytes) -> tuple[bytes, float]:
    """Any PCM WAV → 16 kHz mono 16-bit little-endian samples, and the duration in seconds."""
    from scipy.signal import resample_poly

    try:
        with wave.open(io.BytesIO(audio)) as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise UnreadableAudio(f"not a PCM WAV file: {exc}") from None
    if width not in (1, 2, 4) or rate <= 0:
        raise UnreadableAudio(f"unsupported WAV sample width {width} bytes")
    dtype = {1: np.uint8, 2: np.int16, 4: np.int32}[width]
    samples = np.frombuffer(frames, dtype=dtype).astype(np.float32)
    if width == 1:
        samples = (samples - 128.0) * 256.0
    elif width == 4:
        samples = samples / 65536.0
    if channels > 1:
        samples = samples[: len(samples) // channels * channels].reshape(-1, channels).mean(axis=1)
    duration = len(samples) / rate
    if rate != SAMPLE_RATE and len(samples):
        divisor = gcd(SAMPLE_RATE, rate)
        samples = resample_poly(samples, SAMPLE_RATE // divisor, rate // divisor)
    pcm = np.clip(samples, -32768, 32767).astype("<i2").tobytes()
    return pcm, duration


class _Decoders:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._decoder = None

    def decoder(self):
        """The shared decoder with fresh feature state. Its front end keeps running estimates
        (noise level, cepstral mean) from one utterance to the next; left alone, the same
        recording is heard differently depending on what was heard before it."""
        from pocketsphinx import Decoder

        if self._decoder is None:
            self._decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
        self._decoder.reinit_feat()  # ~0.1 ms
        return self._decoder


_decoders = _Decoders()


def _segments(decoder) -> list[tuple[str, float, float, float]]:
    out = []
    # No hypothesis at all (a hum, silence, a script the grammar could not fit): pocketsphinx
    # returns None rather than an empty segmentation. Nothing heard is an empty list.
    for seg in decoder.seg() or ():
        word = seg.word.split("(")[0]  # "the(2)" is the dictionary's second pronunciation
        if word in _FILLERS or word.startswith("["):
            continue
        start = seg.start_frame / FRAMES_PER_SECOND
        end = (seg.end_frame + 1) / FRAMES_PER_SECOND
        out.append((word, start, end, float(seg.prob)))
    return out


def _script_words(decoder, expected_text: str) -> list[str]:
    words = []
    for token in expected_text.split():
        for unit in spoken_units(token):
            if decoder.lookup_word(unit) is not None:
                words.append(unit)
    return words


def recognise(audio: bytes, *, expected_text: str | None = None) -> Recognition:
    pcm, duration = pcm16k(audio)
    with _decoders._lock:
        decoder = _decoders.decoder()
        if expected_text:
            script = _script_words(decoder, expected_text)
            if script:
                try:
                    decoder.set_align_text(" ".join(script))
                    decoder.start_utt()
                    decoder.process_raw(pcm, full_utt=True)
                    decoder.end_utt()
                    segments = _segments(decoder)
                except RuntimeError as exc:
                    logger.info("forced alignment failed, recognising instead: %s", exc)
                    segments = []
                finally:
                    decoder.activate_search("_default")
                if segments:
                    words = tuple(WordMark(w, s, e, round(p, 4)) for w, s, e, p in segments)
                    return Recognition(
                        text=" ".join(w.word for w in words),
                        words=words,
                        confidence=_mean(p for *_, p in segments),
                        duration_seconds=duration,
                        aligned=True,
                    )
            decoder = _decoders.decoder()  # the alignment pass moved the feature state
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        segments = _segments(decoder)
    words = tuple(WordMark(w, s, e, round(p, 4)) for w, s, e, p in segments)
    return Recognition(
        text=" ".join(w.word for w in words),
        words=words,
        confidence=_mean(p for *_, p in segments),
        duration_seconds=duration,
        aligned=False,
    )


def _mean(values) -> float | None:
    values = list(values)
    return round(sum(values) / len(values), 4) if values else None
