"""What a recorded idea costs the web process (validation on upload: sniff, demux, decode every
sample to measure its length) and the worker (conversion to 16 kHz mono WAV for the
transcriber), per format, for a recording at the two-minute limit.

The recordings are encoded here with PyAV's FFmpeg encoders at speech bit rates; no database.
"""

from __future__ import annotations

import statistics
import time

ROUNDS = 5
SECONDS = 120.0


def _best_ms(function, data: bytes) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        function(data)
        times.append((time.perf_counter() - started) * 1000)
    return min(times), statistics.median(times)


def main() -> None:
    from stories.audio import transcription_audio, validate_audio
    from stories.tests.audio_files import FORMATS, encode, tone

    source = tone(SECONDS, rate=22_050)
    print(f"{SECONDS:.0f} s recording; best / median of {ROUNDS} runs")
    print(f"{'format':<11} {'size':>8}  {'validate (upload)':>22}  {'to WAV (worker)':>20}")
    for fmt in ["wav", *FORMATS]:
        data = encode(source, fmt)
        best_v, median_v = _best_ms(validate_audio, data)
        best_t, median_t = _best_ms(transcription_audio, data)
        print(
            f"{fmt:<11} {len(data) / 1_048_576:>6.2f}MB  "
            f"{best_v:>9.1f} / {median_v:>6.1f} ms  {best_t:>8.1f} / {median_t:>6.1f} ms"
        )
