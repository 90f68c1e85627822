"""The story prompt's fixed guidance, composed from the user_context and story_types files.

Only text from our own files reaches the system role: the age group's profile, the story
type's structure (with "the child" in place of a name), accommodations chosen by keyword from
the parent's accessibility notes, and rules that *point at* the parent's preferences. The
parent's own words stay in the user message's <data> block.

Validation and runtime share this code: ``source`` maps a prompt key to the definition to use
(current versions at runtime, the candidate tree in ``check_prompts`` and the admin).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jinja2

from mira.vocabulary import AGE_GROUPS, EXAMPLE_KIDS, LENGTH_BANDS, age_group

from .sandbox import TemplateProblem, compiled, error_line, render
from .types import PromptDefinition, StoryGuidance

KID_PROFILES = "user_context/kid_profiles"
PARENT_PREFERENCES = "user_context/parent_preferences"
ACCESSIBILITY = "user_context/accessibility"
PREFERENCE_RULES = (
    "content_preferences",
    "educational_focus",
    "avoid_topics",
    "special_requests",
    "language",
)
# What structure lines say instead of the child's name in the system role.
CHILD_PLACEHOLDER = "the child"

Source = Callable[[str], PromptDefinition]


class GuidanceError(Exception):
    """A fragment could not be used; names the key, version, path and line."""

    def __init__(self, message: str, *, key: str, path: tuple, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.key = key
        self.path = path
        self.line = line


def render_fragment(definition: PromptDefinition, path: tuple, context: dict[str, Any]) -> str:
    """Render the template string at ``path`` of ``definition``'s document."""
    value: Any = definition.data
    for part in path:
        value = value[part]
    try:
        template = compiled(
            str(value), cache_key=f"{definition.content_hash}:{'/'.join(map(str, path))}"
        )
        return render(template, context)
    except TemplateProblem as exc:
        line = definition.document.template_line(path, exc.line)
        raise GuidanceError(exc.message, key=definition.key, path=path, line=line) from None
    except jinja2.TemplateError as exc:
        line = definition.document.template_line(path, error_line(exc))
        raise GuidanceError(
            f"{exc.message or exc}", key=definition.key, path=path, line=line
        ) from None


def matching_accommodations(definition: PromptDefinition, notes: str) -> list[str]:
    """Names of accommodations whose keywords appear in the parent's notes."""
    text = " ".join(notes.lower().split())
    found = []
    for name, entry in (definition.data.get("accommodations") or {}).items():
        for keyword in entry.get("keywords") or ():
            if re.search(rf"(?<![\w-]){re.escape(str(keyword).lower())}(?![\w-])", text):
                found.append(name)
                break
    return found


def story_type_elements(definition: PromptDefinition, *, kid_name: str) -> dict[str, Any]:
    """The story type as ``StoryContext.story_elements``: themes, settings, characters, the
    structure rendered for ``kid_name``, and the label."""
    elements = {
        key: list(values) for key, values in (definition.data.get("story_elements") or {}).items()
    }
    elements["structure"] = {
        part: render_fragment(definition, ("structure", part), {"kid_name": kid_name})
        for part in (definition.data.get("structure") or {})
    }
    elements["label"] = definition.data.get("label", definition.key.split("/", 1)[1])
    return elements


def story_prompt_guidance(
    source: Source,
    *,
    kid_age: int,
    story_type: str,
    accessibility_needs: str = "",
    preferences: dict[str, bool] | None = None,
    language: str = "en",
    story_length: str = "short",
) -> StoryGuidance:
    """Variables for the story prompt's system role, and the versions they came from.

    ``preferences`` says which parent preferences are set (``{"avoid_topics": True, ...}``);
    only whether they are set is used here, never their text.
    """
    group = age_group(kid_age)
    profiles = source(KID_PROFILES)
    rules = source(PARENT_PREFERENCES)
    access = source(ACCESSIBILITY)
    kind = source(f"story_types/{story_type}")
    fixed = {"kid_age": kid_age, "language": language, "story_length": story_length}

    profile = dict(profiles.data["age_groups"][group])
    for part in ("guidance", "vocabulary"):
        profile[part] = render_fragment(profiles, ("age_groups", group, part), fixed)

    adaptation = dict((kind.data.get("age_adaptations") or {}).get(group) or {})
    guide = story_type_elements(kind, kid_name=CHILD_PLACEHOLDER)
    guide["structure"] = {k: v[:1].upper() + v[1:] for k, v in guide["structure"].items()}
    guide["adaptation"] = adaptation

    accommodations = [
        render_fragment(access, ("accommodations", name, "guidance"), fixed)
        for name in matching_accommodations(access, accessibility_needs or "")
    ]
    chosen = preferences or {}
    preference_rules = [
        render_fragment(rules, ("rules", name), fixed)
        for name in PREFERENCE_RULES
        if chosen.get(name) and name in (rules.data.get("rules") or {})
    ]
    return StoryGuidance(
        variables={
            "age_group": group,
            "age_profile": profile,
            "story_guide": guide,
            "accommodations": accommodations,
            "preference_rules": preference_rules,
        },
        versions={d.key: d.version for d in (profiles, rules, access, kind)},
    )


# --- sample contexts for validation and the admin preview ----------------------------------------

SAMPLE_KIDS = EXAMPLE_KIDS


def story_variables(
    *,
    kid_name: str,
    kid_age: int,
    reading_level: str,
    kid_interests: str,
    story_type: str,
    story_type_label: str,
    story_length: str,
    length_band: tuple[int, int],
    language: str = "en",
    accessibility_needs: str = "none",
    content_preferences: str = "none",
    educational_focus: str = "none",
    avoid_topics: str = "none",
    special_requests: str = "none",
    image_description: str = "",
    story_elements: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every variable the story_generation prompt may use, by name. The pipeline and the
    sample contexts both build them here, so the two cannot drift apart."""
    return {
        "kid_name": kid_name,
        "kid_age": kid_age,
        "kid_interests": kid_interests,
        "reading_level": reading_level,
        "accessibility_needs": accessibility_needs,
        "content_preferences": content_preferences,
        "educational_focus": educational_focus,
        "language": language,
        "avoid_topics": avoid_topics,
        "story_type": story_type,
        "story_type_label": story_type_label,
        "story_length": story_length,
        "length_label": story_length,
        "min_words": length_band[0],
        "max_words": length_band[1],
        "image_description": image_description,
        "special_requests": special_requests,
        "story_elements": story_elements or {},
    }


def sample_context(
    source: Source,
    prompt_name: str,
    *,
    group: str,
    story_type: str,
    story_length: str = "short",
    with_everything: bool = True,
    user_text: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A realistic context for rendering ``prompt_name`` (a system prompt's name) for one age
    group and story type. ``with_everything`` switches on every accommodation and preference
    rule, so every fragment is rendered. ``user_text`` overrides the user-typed values."""
    if group not in AGE_GROUPS:
        raise ValueError(f"unknown age group {group!r}")
    kid = SAMPLE_KIDS[group]
    typed = {
        "kid_name": kid["kid_name"],
        "kid_interests": "dinosaurs, the moon, baking",
        "accessibility_needs": "dyslexia; wears a hearing aid" if with_everything else "none",
        "content_preferences": "gentle humour, no loud surprises" if with_everything else "none",
        "educational_focus": "kindness and sharing" if with_everything else "none",
        "avoid_topics": "spiders, the dark" if with_everything else "none",
        "special_requests": "include our cat Pepper" if with_everything else "none",
        "image_description": "A purple dinosaur under a big yellow moon, with a tiny red house.",
        "text": "Once upon a time a turtle wanted to fly to the moon.",
    }
    typed.update(user_text or {})
    context: dict[str, Any] = {"kid_age": kid["kid_age"], "kid_interests": typed["kid_interests"]}
    if prompt_name == "story_generation":
        kind = source(f"story_types/{story_type}")
        band = LENGTH_BANDS[story_length]
        context = story_variables(
            kid_name=typed["kid_name"],
            kid_age=kid["kid_age"],
            reading_level=kid["reading_level"],
            kid_interests=typed["kid_interests"],
            story_type=story_type,
            story_type_label=str(kind.data.get("label", story_type)),
            story_length=story_length,
            length_band=band,
            accessibility_needs=typed["accessibility_needs"],
            content_preferences=typed["content_preferences"],
            educational_focus=typed["educational_focus"],
            avoid_topics=typed["avoid_topics"],
            special_requests=typed["special_requests"],
            image_description=typed["image_description"],
            story_elements=story_type_elements(kind, kid_name=typed["kid_name"]),
        )
        guidance = story_prompt_guidance(
            source,
            kid_age=kid["kid_age"],
            story_type=story_type,
            accessibility_needs=typed["accessibility_needs"],
            preferences={name: with_everything for name in PREFERENCE_RULES},
            story_length=story_length,
        )
        context.update(guidance.variables)
    elif prompt_name == "content_safety":
        context = {"text": typed["text"], "kid_age": kid["kid_age"]}
    return context
