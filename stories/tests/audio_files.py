"""Real recordings for the audio-input tests, made on the fly.

Speech comes from the offline voice (espeak-ng); WAV is written with the standard library and
every other format is encoded with the real encoders in PyAV's bundled FFmpeg (LAME for MP3,
FFmpeg's AAC and Vorbis encoders, libopus), so the validator and the decoders see exactly what
a phone or a browser would send. Nothing is checked in as a fixture file.
"""

from __future__ import annotations

import functools
import io
import os
import subprocess
import sys
import wave

import av
import numpy as np
from django.conf import settings

# A sentence the offline recogniser (pocketsphinx, US English) hears with both key nouns in
# espeak's "en-us+m1" voice, in every format below (at speech bit rates).
IDEA = "I want a story about a dragon and a rabbit."
IDEA_NOUNS = ("dragon", "rabbit")
IDEA_VOICE = "en-us+m1"
IDEA_SPEED = 1.0

# name -> (FFmpeg muxer, encoder, sample rate or None to keep the source's, channel layout)
FORMATS = {
    "mp3": ("mp3", "libmp3lame", None, "mono"),
    "m4a": ("ipod", "aac", None, "mono"),
    "aac": ("adts", "aac", None, "mono"),
    "ogg-opus": ("ogg", "libopus", 48_000, "mono"),
    "ogg-vorbis": ("ogg", "vorbis", None, "stereo"),  # FFmpeg's Vorbis encoder is stereo-only
    "webm": ("webm", "libopus", 48_000, "mono"),
}


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(np.asarray(samples, dtype="<i2").tobytes())
    return out.getvalue()


def tone(seconds: float, *, rate: int = 16_000, hz: float = 330.0) -> bytes:
    """A soft sine tone: real audio of an exact length, with no words in it."""
    t = np.arange(int(seconds * rate)) / rate
    return wav_bytes(np.sin(2 * np.pi * hz * t) * 3000, rate)


def noise(seconds: float, *, rate: int = 16_000, level: float = 2500.0) -> bytes:
    """Steady hiss, like a recording made with the microphone covered."""
    rng = np.random.default_rng(7)
    return wav_bytes(rng.normal(0, level, int(seconds * rate)).clip(-32768, 32767), rate)


@functools.cache
def spoken_idea() -> bytes:
    """The child's idea, spoken clearly (WAV, 22.05 kHz mono).

    Spoken in a fresh process: espeak-ng's pitch flutter is driven by state that persists
    between calls in one process, so the same sentence sounds slightly different depending on
    what was spoken before it; the first utterance of a process is always the same."""
    script = (
        "import sys\n"
        "from ai_providers.providers.local.speech import synthesize\n"
        f"sys.stdout.buffer.write(synthesize({IDEA!r}, voice={IDEA_VOICE!r}, "
        f"speed={IDEA_SPEED!r}).wav)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        check=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(settings.BASE_DIR)},
    )
    return done.stdout


def encode(wav: bytes, fmt: str) -> bytes:
    """Encode a mono 16-bit WAV into one of ``FORMATS`` with a real encoder."""
    if fmt == "wav":
        return wav
    muxer, encoder, rate, layout = FORMATS[fmt]
    with wave.open(io.BytesIO(wav)) as source:
        source_rate = source.getframerate()
        pcm = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    out = io.BytesIO()
    with av.open(out, "w", format=muxer) as container:
        stream = container.add_stream(
            encoder, rate=rate or source_rate, layout=layout, options={"strict": "experimental"}
        )
        stream.bit_rate = 64_000  # what phones and browsers record speech at, roughly
        resampler = av.AudioResampler(
            format=stream.codec_context.format.name, layout=layout, rate=rate or source_rate
        )

        def write(frame):
            for converted in resampler.resample(frame):
                for packet in stream.encode(converted):
                    container.mux(packet)

        for start in range(0, len(pcm), 1024):
            frame = av.AudioFrame.from_ndarray(
                pcm[start : start + 1024].reshape(1, -1), format="s16", layout="mono"
            )
            frame.sample_rate = source_rate
            write(frame)
        write(None)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()
