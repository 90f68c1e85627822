"""Content-rule speed: the classifier runs on every idea and every story, on every path.

Prints the median time of ``check_text`` for a typed idea, a 1000-word story and a story full
of obfuscation (leetspeak, accents, look-alike letters), and the red-team suite's size."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import yaml

ROUNDS = 30


def _median_ms(function, text: str, language: str | None) -> float:
    function(text, language)
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        function(text, language)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def main() -> None:
    from ai_providers.content_rules import check_text

    idea = "A friendly dragon and a killer whale go to the aquarium with grandma"
    story = " ".join(["Mia and Pip walked happily through the sunny meadow, singing."] * 110)
    tricky = " ".join(["Zoë and Léo found a k1tten; the c.a.t said h e l l o to ѕаm!"] * 100)
    for label, text, language in (
        ("idea (70 chars)", idea, "en"),
        (f"story ({len(story.split())} words)", story, "en"),
        (f"obfuscated story ({len(tricky.split())} words)", tricky, None),
    ):
        print(f"check_text {label}: {_median_ms(check_text, text, language):.2f} ms")
    cases = Path(__file__).resolve().parent.parent / "ai_providers/tests/redteam/cases.yaml"
    suite = yaml.safe_load(cases.read_text(encoding="utf-8"))
    started = time.perf_counter()
    for case in suite["unsafe"] + suite["benign"]:
        check_text(case["text"], case["lang"])
    count = len(suite["unsafe"]) + len(suite["benign"])
    print(f"red-team suite: {count} texts in {(time.perf_counter() - started) * 1000:.1f} ms")
