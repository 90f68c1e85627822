"""Content-rule speed and recall: the classifier runs on every idea and every story.

Prints the median time of ``check_text`` for a typed idea, a 1000-word story and a story full
of obfuscation (leetspeak, accents, look-alike letters), the red-team suite's size, and the
confusion matrix of the evaluation rounds in the suite (cases with a ``split``: ``dev``, the
half rules were tuned on, ``held``, the half measured before tuning on it, ``round4``, a later
unseen round, ``round5``, in the suite once a rule for its family catches it and in
``pending_round5.yaml`` until then, ``dev5``, variants of round 5's families written while
tuning, likewise ``round6`` and ``dev6``, and ``round7`` with ``dev7``, all in the suite now;
``pending_round6.yaml`` keeps one benign text the personal-data rule refuses; round 6 es/fr/de
went 42/68 -> 68/68 and round 7 32/100 -> 100/100, 4/50 -> 0/50 benign refused; ``round8``,
measured untouched (rules 50/110, rules or model 89/110, 11/60 benign refused), then tuned: the 76
unsafe texts rules catch and all 60 benign texts are in the suite, the 34 only the model catches
stayed in ``pending_round8.yaml`` (since round 9 tuning: ``config/safety/model/unsafe.yaml``, training
data only), with ``dev8``, variants of round 8's families written while tuning; ``round9``, measured
untouched (rules 39/110, rules or model 88/110, 17/60 benign refused), then tuned: the 106 unsafe texts
rules catch and all 60 benign texts are in the suite, the 4 they miss are in ``unsafe.yaml``, with
``dev9``, variants of round 9's families written while tuning)
per category and language, each for the rules alone and for the rules or the learned model
(``ai_providers/content_rules/model.py``, which trains on ``cases.yaml``, so its pending rounds
are what measures it). The suite's own test demands 0 misses and 0 false positives, so these numbers read
100 %/0 once a round is in the suite: the before-tuning numbers are in docs/safety.md. ``main(verbose=True)`` lists the misses and false positives.
Story texts are also run through ``stories.pipeline.safety.story_findings`` (title + body)."""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROUNDS = 30
REDTEAM = Path(__file__).resolve().parent.parent / "ai_providers/tests/redteam"


def _median_ms(function, text: str, language: str | None) -> float:
    function(text, language)
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        function(text, language)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def _evaluation_cases() -> dict[str, list[dict]]:
    """The suite's cases that carry a ``split`` (the evaluation rounds), then the measured but
    not yet fixed rounds in ``pending_*.yaml`` (outside the suite, whose test demands 0 misses)."""
    cases: dict[str, list[dict]] = {"unsafe": [], "benign": []}
    for path in [REDTEAM / "cases.yaml", *sorted(REDTEAM.glob("pending_*.yaml"))]:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in cases:
            cases[key] += [c for c in data.get(key) or () if c.get("split")]
    return cases


def _flagged(case: dict, learned: bool = False) -> bool:
    """Refused by the rules (``learned``: or by the learned model, as the pipeline does for
    every input and every vendor-written story)."""
    from ai_providers.content_rules import check_text

    flagged = check_text(case["text"], case["lang"]).flagged
    if case.get("kind") == "story":
        from stories.pipeline.safety import story_findings

        story = story_findings("A story", case["text"], language=case["lang"], learned=False)
        flagged = flagged or bool(story)
    if learned and not flagged:
        from stories.pipeline.safety import model_findings

        flagged = bool(model_findings(case["text"]))
    return flagged


def _confusion(verbose: bool = False) -> None:
    cases = _evaluation_cases()
    if not cases["unsafe"]:
        return
    for split in dict.fromkeys(c["split"] for c in cases["unsafe"]):
        missed, refused = [], []
        # key -> [rules caught, rules or model caught, total]
        rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        fp: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for case in (c for c in cases["unsafe"] if c["split"] == split):
            hit, either = _flagged(case), _flagged(case, learned=True)
            for key in (f"cat {case['category']}", f"lang {case['lang']}", "all"):
                rows[key][0] += hit
                rows[key][1] += either
                rows[key][2] += 1
            if not either:
                missed.append(case)
        for case in (c for c in cases["benign"] if c["split"] == split):
            hit, either = _flagged(case), _flagged(case, learned=True)
            for key in (f"lang {case['lang']}", "all"):
                fp[key][0] += hit
                fp[key][1] += either
                fp[key][2] += 1
            if either:
                refused.append(case)
        print(
            f"-- {split}: unsafe caught (recall) / benign refused (false positives); "
            "rules alone, then rules or the learned model"
        )
        for key in sorted(rows, key=lambda k: (k == "all", k)):
            caught, either, total = rows[key]
            line = (
                f"  {key:<18} caught {caught:>3}/{total:<3} ({100 * caught / total:5.1f}%)"
                f" | {either:>3}/{total:<3} ({100 * either / total:5.1f}%)"
            )
            if key in fp:
                bad, bad_either, benign_total = fp[key]
                line += f"   benign refused {bad:>2} | {bad_either:>2} of {benign_total:<3}"
            print(line)
        if verbose:
            for case in missed:
                print(f"  MISS {case['category']}/{case['lang']}: {case['text']}")
            for case in refused:
                print(f"  FP   {case['lang']}: {case['text']}")


def main(verbose: bool = False) -> None:
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
    suite = yaml.safe_load((REDTEAM / "cases.yaml").read_text(encoding="utf-8"))
    started = time.perf_counter()
    for case in suite["unsafe"] + suite["benign"]:
        check_text(case["text"], case["lang"])
    count = len(suite["unsafe"]) + len(suite["benign"])
    print(f"red-team suite: {count} texts in {(time.perf_counter() - started) * 1000:.1f} ms")
    # The same again without the result cache (every text matched from scratch, rules loaded).
    from ai_providers.content_rules import _find

    uncached = _find.__wrapped__
    print(
        f"uncached story ({len(story.split())} words): {_median_ms(uncached, story, 'en'):.2f} ms"
    )
    print(f"uncached obfuscated story: {_median_ms(uncached, tricky, None):.2f} ms")
    started = time.perf_counter()
    for case in suite["unsafe"] + suite["benign"]:
        uncached(case["text"], case["lang"])
    print(f"uncached red-team suite: {(time.perf_counter() - started) * 1000:.1f} ms")
    _confusion(verbose)
