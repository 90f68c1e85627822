"""A learned second opinion beside the rules: a linear classifier over character and word
n-grams, trained on Mira's own labelled texts, that scores how likely a text is unsafe for a
young child.

Why: keyword rules catch what they name. On red-team rounds written by people who never saw the
rules and never trained on (docs/safety.md, "The learned classifier"), the rules alone caught
42/68 (round 6, es/fr/de) and 32/100 (round 7); rules or this model, at the default threshold
of 75 %, catch 55/68 and 71/100, for 1 and 3 more benign texts refused (of 36 and 50); the
first model, at 85 %, caught 50/68 and 62/100. The model
generalises over phrasing ("pressed her palm on the glowing ring", "went to sleep and never
woke up") where a rule needs the exact words.

What it learns from (data, not code):
- unsafe: every unsafe text of the red-team suite (``ai_providers/tests/redteam/cases.yaml``),
  all categories and languages, and the training-only unsafe texts of
  ``config/safety/model/unsafe.yaml`` (spent red-team texts the rules need not catch: the suite's
  test demands that the rules catch every suite case, so a text no rule family covers yet is
  taught to the model here; its header says where each came from);
- benign: the suite's benign texts (near misses, written to be hard), the texts of
  ``config/safety/model/benign.yaml`` (families, origins, faiths and bodies named warmly, so the
  model does not learn to distrust a group's name from the hate examples) and every sentence
  of the vetted story content (``content/stories/``), at a lower weight, so what the offline
  storyteller composes is firmly benign.

Adding a case to the suite (or to ``unsafe.yaml``) therefore teaches the model too. The pending
rounds (``pending_*.yaml``) are never trained on: they are how its recall on unseen text is
measured; once a round has been tuned on, it is spent, and its texts move to the suite or to
``unsafe.yaml``.

Features are computed on the rules' folded text (case, accents, look-alike letters, invisible
characters), so obfuscation that the rules undo does not hide a text from the model either.
Training takes a few seconds; the fitted model is cached on disk (``SAFETY_MODEL_CACHE_DIR``)
under a hash of the raw bytes of the files it is trained on (nothing is parsed to find it), so
each process loads it in well under a second, and a change to the suite or the content retrains
it on next use. The pipeline's worker cluster loads it once before it forks its workers
(``mira.warmup.pipeline_preload``); web workers never need it. Scoring a short text costs
about 0.2 ms.

The threshold is the remote-config key ``safety_model_threshold`` (percent; empty turns the
model off; docs/safety.md says how the model and its default were chosen). The model decides
nothing alone about *why*: its reason is ``model: unsafe (0.87)``
and the rules' reasons stay the explanation ops read.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import yaml

from .normalise import plain, remove_invisible

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "ai_providers/tests/redteam/cases.yaml"
CONTENT = ROOT / "content/stories"
EXTRA_BENIGN = ROOT / "config/safety/model/benign.yaml"
# Unsafe texts the model learns from but the rules need not catch (test_redteam does not read it).
EXTRA_UNSAFE = ROOT / "config/safety/model/unsafe.yaml"
# Vetted content counts much less than a hand-written near miss: there are ten times as many
# of its sentences, all of one register, and at a higher weight they teach the model that
# whatever is not storybook prose is unsafe (measured: 0.1 beats 0.3 on the unseen rounds and
# in grouped cross-validation, docs/safety.md).
CONTENT_WEIGHT = 0.1
MIN_CONTENT_WORDS = 5
# Bump when the features or the learner change, so cached models are not reused.
MODEL_VERSION = "2"
# A story is scored sentence by sentence and in windows of this many sentences, so one unsafe
# sentence is not diluted by a page of harmless ones.
WINDOW_SENTENCES = 2


def fold(text: str) -> str:
    """The rules' folded view: lower case, accents stripped, look-alikes mapped, invisible
    characters dropped."""
    return plain(remove_invisible(text)).text


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


@dataclass(frozen=True)
class TrainingData:
    unsafe: tuple[str, ...]
    benign: tuple[str, ...]
    content: tuple[str, ...]


def extra_benign() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The texts of ``config/safety/model/benign.yaml``, and its plain ideas (every subject with
    every wish), which weigh as little as the vetted content: they are many and all alike."""
    data = yaml.safe_load(EXTRA_BENIGN.read_text(encoding="utf-8")) or {}
    texts = data.get("benign") if isinstance(data, dict) else None
    if not isinstance(texts, list) or not all(isinstance(t, str) and t.strip() for t in texts):
        raise ValueError(f"{EXTRA_BENIGN}: 'benign' must be a list of non-empty texts")
    ideas = data.get("ideas") or {}
    ideas_out: list[str] = []
    if not isinstance(ideas, dict):
        raise ValueError(f"{EXTRA_BENIGN}: 'ideas' must map a language to subjects and wishes")
    for language, parts in ideas.items():
        words = [parts.get(k) if isinstance(parts, dict) else None for k in ("subjects", "wishes")]
        if not all(isinstance(w, list) and w and all(isinstance(x, str) for x in w) for w in words):
            raise ValueError(
                f"{EXTRA_BENIGN}: ideas.{language} needs non-empty 'subjects' and 'wishes' lists"
            )
        ideas_out += [f"{subject} {wish}" for subject in words[0] for wish in words[1]]
    return tuple(texts), tuple(ideas_out)


def extra_unsafe() -> tuple[str, ...]:
    """The texts of ``config/safety/model/unsafe.yaml``: a list ``unsafe`` of cases shaped like the
    suite's (``lang``, ``category``, ``kind``, ``split``, ``text``), learned as unsafe."""
    data = yaml.safe_load(EXTRA_UNSAFE.read_text(encoding="utf-8")) or {}
    cases = data.get("unsafe") if isinstance(data, dict) else None
    if not isinstance(cases, list) or not cases:
        raise ValueError(f"{EXTRA_UNSAFE}: 'unsafe' must be a non-empty list of cases")
    texts: list[str] = []
    for index, case in enumerate(cases):
        if not isinstance(case, dict):
            raise ValueError(f"{EXTRA_UNSAFE}: unsafe[{index}] must be a mapping with a 'text'")
        missing = [k for k in ("lang", "category", "text") if k not in case]
        if missing:
            raise ValueError(f"{EXTRA_UNSAFE}: unsafe[{index}] lacks {', '.join(missing)}")
        text = case["text"]
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{EXTRA_UNSAFE}: unsafe[{index}].text must be a non-empty text")
        texts.append(text)
    return tuple(texts)


def training_files() -> list[tuple[str, Path]]:
    """Every file the model learns from, each with a stable name for the cache key."""
    return [
        ("suite", SUITE),
        ("benign", EXTRA_BENIGN),
        ("unsafe", EXTRA_UNSAFE),
        *(
            (f"content/{p.relative_to(CONTENT).as_posix()}", p)
            for p in sorted(CONTENT.rglob("*.yaml"))
        ),
    ]


def training_digest() -> str:
    """The cache key of the fitted model: a hash of the raw bytes of every training file, of
    how texts are drawn from them and of the learner's version. Reading the bytes costs a few
    milliseconds; the YAML is parsed only when the model must be fitted. A change that leaves
    the texts as they were (a comment, the layout) refits once, which is harmless."""
    from importlib.metadata import version

    h = hashlib.sha256(
        f"{MODEL_VERSION}/{version('scikit-learn')}/{CONTENT_WEIGHT}/{MIN_CONTENT_WORDS}".encode()
    )
    for name, path in training_files():
        data = path.read_bytes()
        h.update(f"\x00{name}\x00{len(data)}\x00".encode())
        h.update(data)
    return h.hexdigest()[:24]


def training_data() -> TrainingData:
    suite = yaml.safe_load(SUITE.read_text(encoding="utf-8"))
    texts, ideas = extra_benign()
    content: list[str] = list(ideas)
    for name, path in training_files():
        if not name.startswith("content/"):
            continue
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        content += [s for s in _strings(data) if len(s.split()) >= MIN_CONTENT_WORDS]
    return TrainingData(
        unsafe=(
            *(c["text"] for c in suite.get("unsafe") or ()),
            *extra_unsafe(),
        ),
        benign=(
            *(c["text"] for c in suite.get("benign") or ()),
            *texts,
        ),
        content=tuple(dict.fromkeys(content)),
    )


class SafetyModel:
    """A fitted vectoriser and logistic regression; ``score(text)`` is P(unsafe)."""

    def __init__(self, vectoriser, classifier, digest: str):
        self._vectoriser = vectoriser
        self._classifier = classifier
        self.digest = digest

    @classmethod
    def fit(cls, data: TrainingData, digest: str | None = None) -> SafetyModel:
        """Fit on ``data``; ``digest`` is the cache key of the files it was read from."""
        import numpy
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion

        vectoriser = FeatureUnion(
            [
                (
                    "chars",
                    TfidfVectorizer(
                        preprocessor=fold,
                        analyzer="char_wb",
                        ngram_range=(2, 5),
                        min_df=2,
                        sublinear_tf=True,
                        dtype=numpy.float32,
                    ),
                ),
                (
                    "words",
                    TfidfVectorizer(
                        preprocessor=fold,
                        ngram_range=(1, 2),
                        sublinear_tf=True,
                        dtype=numpy.float32,
                    ),
                ),
            ]
        )
        texts = [*data.unsafe, *data.benign, *data.content]
        labels = [1] * len(data.unsafe) + [0] * (len(data.benign) + len(data.content))
        weights = [1.0] * (len(data.unsafe) + len(data.benign)) + [CONTENT_WEIGHT] * len(
            data.content
        )
        matrix = vectoriser.fit_transform(texts)
        classifier = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced")
        classifier.fit(matrix, labels, sample_weight=weights)
        return cls(vectoriser, classifier, digest or training_digest())

    def scores(self, texts: list[str]) -> list[float]:
        if not texts:
            return []
        matrix = self._vectoriser.transform(texts)
        return [float(p) for p in self._classifier.predict_proba(matrix)[:, 1]]

    def score(self, text: str) -> float:
        return self.scores([text])[0]


def _cache_dir() -> Path:
    from django.conf import settings

    configured = getattr(settings, "SAFETY_MODEL_CACHE_DIR", None)
    return Path(configured) if configured else ROOT / ".cache" / "safety-model"


def _load_or_fit() -> SafetyModel:
    import joblib

    digest = training_digest()
    directory = _cache_dir()
    path = directory / f"model-{digest}.joblib"
    if path.exists():
        try:
            model = joblib.load(path)
            if isinstance(model, SafetyModel) and model.digest == digest:
                return model
        except Exception:  # a truncated or foreign file: refit and replace it
            log.warning("safety model cache %s unreadable; refitting", path, exc_info=True)
    model = SafetyModel.fit(training_data(), digest)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # Written under another name, then renamed: a process never loads half a file.
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        os.close(fd)
        joblib.dump(model, tmp)
        os.replace(tmp, path)
    except OSError:
        log.warning("safety model cache %s not writable; model kept in memory", directory)
    return model


_lock = threading.Lock()
_model: SafetyModel | None = None


def model() -> SafetyModel:
    """This process's model, loaded (or fitted) on first use."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = _load_or_fit()
    return _model


def reset() -> None:
    """Forget the loaded model (tests that change the training data)."""
    global _model
    with _lock:
        _model = None


def windows(text: str) -> list[str]:
    """``text`` as its sentences and its overlapping pairs of sentences (the whole text when it
    is that short), so one unsafe sentence in a long story is scored on its own terms, and one
    that needs its neighbour to be unsafe is scored with it."""
    import re

    sentences = [s for s in re.split(r"(?<=[.!?…])\s+|\n+", text.strip()) if s.strip()]
    if len(sentences) <= WINDOW_SENTENCES:
        return [text.strip()] if text.strip() else []
    pairs = [
        " ".join(sentences[i : i + WINDOW_SENTENCES])
        for i in range(len(sentences) - WINDOW_SENTENCES + 1)
    ]
    return list(dict.fromkeys([*sentences, *pairs]))


def unsafe_score(text: str) -> float:
    """The highest P(unsafe) over ``text``'s windows (0.0 for empty text)."""
    parts = windows(text)
    return max(model().scores(parts), default=0.0)
