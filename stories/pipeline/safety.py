"""Child safety in the pipeline: what the project's own classifier checks on every path.

Every free-text field is cleaned of personal data before any vendor sees it (the child's idea
or transcript, special requests, interests, the parent's preferences); what a child or parent
typed is screened by Mira's own classifiers (the rules of ``ai_providers.content_rules`` and
the learned model beside them, ``content_rules.model``) before the first vendor call, and every
story written (title and body, each regeneration) is screened again
after it. Vendor moderation, where configured, runs beside these checks, never instead of
them. docs/safety.md describes the whole chain.
"""

from __future__ import annotations

from collections.abc import Iterable

from ai_providers.content_rules import check_text, personal_data_remove
from ai_providers.content_rules.model import unsafe_score
from remoteconfig.selectors import config_get

from ..errors import StoryFailed

PERSONAL_DATA = "personal_data"
# Names are a word or two: the learned classifier has nothing to go on there.
_NOT_SCORED = frozenset({"name"})


def model_findings(text: str) -> list[str]:
    """The learned classifier's reason against ``text`` (``model: unsafe (0.91)``), or nothing.
    Off when ``safety_model_threshold`` is empty."""
    threshold = config_get("safety_model_threshold")
    if threshold is None or not text.strip():
        return []
    score = unsafe_score(text)
    return [f"model: unsafe ({score:.2f})"] if score * 100 >= threshold else []


def without_personal_data(text: str) -> tuple[str, tuple[str, ...]]:
    """``text`` with emails, phone numbers, addresses, school and teacher names removed, and
    the kinds that were removed (never the values)."""
    return personal_data_remove(text or "")


def interests_without_personal_data(interests: Iterable[str]) -> tuple[tuple[str, ...], set[str]]:
    kept: list[str] = []
    removed: set[str] = set()
    for interest in interests:
        cleaned, kinds = without_personal_data(interest)
        removed.update(kinds)
        if cleaned.strip():
            kept.append(cleaned.strip())
    return tuple(kept), removed


def screen_child_inputs(fields: dict[str, str], *, language: str) -> None:
    """Raise ``StoryFailed(unsafe_input)`` when any field is unsafe by Mira's own rules. Runs
    before the first vendor call, whatever vendor moderation would say.

    ``fields`` hold what was typed, *before* personal data was removed: the classifier runs
    here, in process, so nothing leaves, and removing personal data can also remove the harm's
    signal ("the player from Roblox asked Leo which playground..." loses "Roblox asked" as a
    handle). Both the text as typed and the text vendors will see are screened."""
    reasons: list[str] = []
    for field, typed in fields.items():
        if not typed:
            continue
        cleaned, _removed = without_personal_data(typed)
        found: dict[str, None] = {}
        for text in dict.fromkeys((typed, cleaned)):
            for reason in check_text(text, language).reasons:
                if not reason.startswith(PERSONAL_DATA):
                    found[f"{field}: {reason}"] = None
            if field not in _NOT_SCORED:
                found.update(dict.fromkeys(f"{field}: {r}" for r in model_findings(text)))
        reasons += found
    if reasons:
        raise StoryFailed(
            "The story idea was not suitable for a children's story.",
            code="unsafe_input",
            warnings=reasons,
        )


def story_findings(
    title: str,
    text: str,
    *,
    language: str,
    avoid_topics: Iterable[str] = (),
    learned: bool = True,
) -> list[str]:
    """Why Mira's own classifiers (the rules, then, with ``learned``, the learned model) refuse
    this story (title and body), or nothing. The pipeline leaves the model out for stories the
    offline storyteller composed: they are vetted content only, which the model learns as
    benign, and the rules still run on them."""
    result = check_text(f"{title}\n\n{text}", language, avoid_topics=avoid_topics)
    if result.reasons or not learned:
        return list(result.reasons)
    return model_findings(f"{title}\n\n{text}")
