"""AI layer numbers: word alignment speed, offline forced alignment, and one OpenAI SDK round
trip against the fake vendor server (what the adapter itself costs, without a vendor)."""

from __future__ import annotations

import random
import statistics
import time


def _alignment() -> None:
    from ai_providers.alignment import align_marks, story_words
    from ai_providers.types import WordMark

    rng = random.Random(7)
    vocabulary = [
        "the",
        "moon",
        "sang",
        "softly",
        "to",
        "3",
        "little",
        "foxes",
        "by",
        "a",
        "river",
        "of",
        "stars",
        "and",
        "Mia",
        "smiled",
    ]
    text = " ".join(rng.choice(vocabulary) for _ in range(1000))
    words = story_words(text)
    heard, t = [], 0.0
    for word in words:
        if rng.random() < 0.05:
            continue  # not heard
        spoken = "three" if word == "3" else word
        if rng.random() < 0.05:
            spoken = spoken[:-1] + "z"  # mis-heard
        heard.append(WordMark(spoken, t, t + 0.3))
        t += 0.35
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        align_marks(words, heard, t)
        runs.append(time.perf_counter() - started)
    print(
        f"align 1000 words (5% unheard, 5% mis-heard): median {statistics.median(runs) * 1000:.1f} ms"
    )


def _forced_alignment() -> None:
    from ai_providers.alignment import align_marks, story_words
    from ai_providers.providers.local.recognition import recognise
    from ai_providers.providers.local.speech import synthesize

    text = " ".join(
        ["Mia found 3 shiny pebbles by the river. She smiled and waved at her friend Tom."] * 10
    )
    spoken = synthesize(text, language="en", voice="", speed=1.0)
    recognise(spoken.wav[:44] + spoken.wav[44:16044])  # load the model once
    started = time.perf_counter()
    heard = recognise(spoken.wav, expected_text=text)
    elapsed = time.perf_counter() - started
    timed = align_marks(story_words(text), heard.words, spoken.duration_seconds)
    errors = [abs(a["start"] - m.start) for a, m in zip(timed, spoken.word_marks, strict=True)]
    print(
        f"pocketsphinx forced alignment: {spoken.duration_seconds:.1f} s of audio in "
        f"{elapsed:.2f} s; word start error vs espeak marks: mean "
        f"{statistics.mean(errors) * 1000:.0f} ms, max {max(errors) * 1000:.0f} ms"
    )


def _sdk_round_trip() -> None:
    import openai

    from ai_providers.tests.fakevendor import FakeVendor

    fake = FakeVendor().start()
    try:
        client = openai.OpenAI(api_key="sk-bench", base_url=f"{fake.url}/v1", max_retries=0)
        runs = []
        for _ in range(50):
            started = time.perf_counter()
            client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "hello"}]
            )
            runs.append(time.perf_counter() - started)
        print(
            f"OpenAI SDK chat round trip to the fake server: median "
            f"{statistics.median(runs) * 1000:.1f} ms, p95 "
            f"{sorted(runs)[int(len(runs) * 0.95)] * 1000:.1f} ms"
        )
    finally:
        fake.stop()


def main() -> None:
    _alignment()
    _forced_alignment()
    _sdk_round_trip()
