"""Prompt versions → rendered prompts, in Jinja2's immutable sandbox with StrictUndefined.

``prompt_render(prompt_type, context, version=None)`` renders the current published version in
this environment (``settings.MIRA_ENVIRONMENT``), or the named version for experiments.
Compiled templates are cached by content hash, so a version is compiled once per process.

Text that users typed (names, interests, special requests, avoid-topics) is cleaned here and
placed inside the user message's <data> block by the templates, never in the system role;
validation refuses any prompt that does otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import jinja2

from . import guidance
from .documents import content_hash, key_for_prompt_type
from .errors import PromptError
from .sandbox import TemplateProblem, compiled, render
from .selectors import prompt_current, prompt_definition
from .types import PromptDefinition, RenderedPrompt, StoryGuidance

USER_TEXT_LIMITS = {
    "kid_name": 40,
    "special_requests": 300,
    "kid_interests": 200,
    "avoid_topics": 200,
}
# Control, bidi, zero-width and other invisible characters: removed, not replaced, so
# "Zoë\u202eevil\u202c" stays one word ("Zoëevil") instead of becoming "Zoë evil".
_CONTROL = re.compile(
    "[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5"
    "\u180b-\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
    "\U000e0000-\U000e007f]"
)
# Line and paragraph separators are whitespace: folded like any other.
_BREAKS = re.compile("[\r\u000b\u000c\u0085\u2028\u2029]")
_DELIMITERS = re.compile(r"</?\s*(data|text)\s*>", re.IGNORECASE)


def clean_user_text(value: str, *, limit: int) -> str:
    """User-typed text, safe to place inside a delimited data block: control and bidi
    characters removed, our delimiter tags neutralised, whitespace folded, length capped."""
    value = unicodedata.normalize("NFKC", value or "")
    value = _CONTROL.sub("", _BREAKS.sub(" ", value))
    value = _DELIMITERS.sub(" ", value)
    value = " ".join(value.split())
    return value[:limit].rstrip()


def render_template(source: str, context: dict[str, Any], *, name: str) -> str:
    """Render a one-off template string in the sandbox; errors name ``name``."""
    try:
        return render(compiled(source, cache_key=f"adhoc:{content_hash(source)}"), context)
    except TemplateProblem as exc:
        raise PromptError(f"{name}, line {exc.line}: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise PromptError(f"{name}: {exc.message}") from None
    except jinja2.exceptions.SecurityError as exc:
        raise PromptError(f"{name}: refused by the sandbox: {exc}") from None
    except jinja2.TemplateError as exc:
        raise PromptError(f"{name}: {exc}") from None


def _render_part(
    definition: PromptDefinition, name: str, part: str, context: dict[str, Any]
) -> str:
    path = ("prompts", name, part)
    where = f"prompt {name} v{definition.version} ({part})"
    try:
        source = definition.data["prompts"][name][part]
    except (KeyError, TypeError):
        raise PromptError(f"{where}: the document has no prompts.{name}.{part}") from None
    try:
        template = compiled(source, cache_key=f"{definition.content_hash}:prompts.{name}.{part}")
        return render(template, context)
    except TemplateProblem as exc:
        line = definition.document.template_line(path, exc.line)
        raise PromptError(f"{where}, line {line}: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        # StrictUndefined: "'kid_name' is undefined", with the prompt and version in front.
        raise PromptError(
            f"{where}: {exc.message}", extra={"prompt": name, "version": definition.version}
        ) from None
    except jinja2.exceptions.SecurityError as exc:
        raise PromptError(f"{where}: refused by the sandbox: {exc}") from None
    except jinja2.TemplateError as exc:
        raise PromptError(f"{where}: {exc}") from None


def prompt_resolve(prompt_type: str, version: str | None = None) -> PromptDefinition:
    """The definition ``prompt_render`` would use. Resolve once and pass ``version`` on, so
    several renders of one story use the same version even if someone publishes meanwhile."""
    return prompt_definition(key_for_prompt_type(prompt_type), version)


def prompt_render(
    prompt_type: str, context: dict[str, Any], version: str | None = None
) -> RenderedPrompt:
    """Render a prompt's system and user messages. ``version=None`` is the current published
    version; a version string renders exactly that version. Errors name prompt, version and
    the missing variable."""
    definition = prompt_resolve(prompt_type, version)
    name = definition.document.name
    return RenderedPrompt(
        prompt_type=name,
        version=definition.version,
        system=_render_part(definition, name, "system", context),
        user=_render_part(definition, name, "user_template", context),
        parameters=definition.parameters,
        quality_checks=definition.quality_checks,
        content_hash=definition.content_hash,
    )


def story_type_get(story_type: str) -> dict[str, Any]:
    """The current story type's elements, as ``StoryContext.story_elements`` expects them
    (structure lines unrendered: callers render them with the child's name)."""
    definition = prompt_current(f"story_types/{story_type}")
    data = definition.data
    elements = {k: list(v) for k, v in (data.get("story_elements") or {}).items()}
    elements["structure"] = dict(data.get("structure") or {})
    elements["label"] = data.get("label", story_type)
    elements["version"] = definition.version
    return elements


def story_guidance(
    *,
    kid_age: int,
    story_type: str,
    accessibility_needs: str = "",
    preferences: dict[str, bool] | None = None,
    language: str = "en",
    story_length: str = "short",
) -> StoryGuidance:
    """The story prompt's system-role guidance from the current user_context and story_types
    versions (see ``guidance.story_prompt_guidance``)."""
    try:
        return guidance.story_prompt_guidance(
            prompt_current,
            kid_age=kid_age,
            story_type=story_type,
            accessibility_needs=accessibility_needs,
            preferences=preferences,
            language=language,
            story_length=story_length,
        )
    except guidance.GuidanceError as exc:
        where = f"{exc.key}.yaml" + (f", line {exc.line}" if exc.line else "")
        raise PromptError(f"{where}: {exc.message}") from None
    except KeyError as exc:
        raise PromptError(
            f"prompt fragment missing {exc} for a {story_type} story at age {kid_age}"
        ) from None


story_variables = guidance.story_variables


def vendor_parameters(declared: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """A prompt's ``parameters`` as the AI gateway takes them: one mapping per vendor (each
    adapter sends what its API takes from its own entry), without ``fallback_strategy``."""
    return {
        vendor: dict(values)
        for vendor, values in (declared or {}).items()
        if vendor != "fallback_strategy" and isinstance(values, dict)
    }
