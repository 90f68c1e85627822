"""Rendering a system prompt against sample contexts for every age group, story type and
length, and where text a parent typed may land: ``render_matrix``."""

from __future__ import annotations

import re
from collections.abc import Callable

import jinja2

from mira.vocabulary import AGE_GROUPS, STORY_LENGTHS, STORY_TYPES

from ..documents import USER_TYPED_VARIABLES
from ..guidance import GuidanceError, sample_context
from ..sandbox import TemplateProblem, compiled, error_line, render
from ..types import PromptDefinition
from .issues import Issue, _dotted

SENTINEL = "\u27e6{}\u27e7"  # ⟦name⟧: a value no template could produce by accident
_DATA_BLOCK = re.compile(r"<data>.*?</data>", re.DOTALL)


def render_matrix(
    definition: PromptDefinition, source: Callable[[str], PromptDefinition], *, where: str
) -> list[Issue]:
    """Render a system prompt for every age group x story type x length, with every fragment
    switched on and off, and check that typed text only lands inside <data> in the user
    message."""
    issues: list[Issue] = []
    doc = definition.document
    prompts = doc.data.get("prompts") or {}
    extra = doc.data.get("sample_context") or {}
    seen: set[tuple[str, str]] = set()
    for prompt_name, body in prompts.items():
        lengths = STORY_LENGTHS if prompt_name == "story_generation" else ("short",)
        for group in AGE_GROUPS:
            for story_type in STORY_TYPES:
                for length in lengths:
                    for everything in (True, False):
                        label = f"{group}, {story_type}, {length}"
                        try:
                            context = {
                                **extra,
                                **sample_context(
                                    source,
                                    prompt_name,
                                    group=group,
                                    story_type=story_type,
                                    story_length=length,
                                    with_everything=everything,
                                ),
                            }
                        except GuidanceError as exc:
                            issues.append(
                                Issue(
                                    f"{exc.key}.yaml",
                                    exc.line,
                                    f"{_dotted(exc.path)}: {exc.message} ({label})",
                                )
                            )
                            return issues
                        for part in ("system", "user_template"):
                            path = ("prompts", prompt_name, part)
                            try:
                                template = compiled(
                                    body[part],
                                    cache_key=f"{definition.content_hash}:{_dotted(path)}",
                                )
                                render(template, context)
                            except TemplateProblem:
                                continue  # reported by validate_document
                            except jinja2.TemplateError as exc:
                                message = f"{_dotted(path)}: {exc.message or exc} ({label})"
                                if (part, message) not in seen:
                                    seen.add((part, message))
                                    issues.append(
                                        Issue(
                                            where,
                                            doc.template_line(path, error_line(exc))
                                            or doc.line(*path),
                                            message,
                                        )
                                    )
        issues.extend(_placement_issues(definition, prompt_name, body, source, where))
    return issues


def _placement_issues(
    definition: PromptDefinition, prompt_name: str, body: dict[str, str], source, where: str
) -> list[Issue]:
    """Typed text must never reach the system role, and only inside <data> in the user one."""
    doc = definition.document
    sentinels = {name: SENTINEL.format(name) for name in USER_TYPED_VARIABLES}
    try:
        context = {
            **(doc.data.get("sample_context") or {}),
            **sample_context(
                source, prompt_name, group="4-6", story_type="adventure", user_text=sentinels
            ),
        }
        for name, value in sentinels.items():
            context.setdefault(name, value)
        rendered = {
            part: render(
                compiled(
                    body[part], cache_key=f"{definition.content_hash}:prompts.{prompt_name}.{part}"
                ),
                context,
            )
            for part in ("system", "user_template")
        }
    except (jinja2.TemplateError, TemplateProblem, GuidanceError):
        return []  # already reported by the matrix
    issues = []
    for name, value in sentinels.items():
        if value in rendered["system"]:
            issues.append(
                Issue(
                    where,
                    doc.line("prompts", prompt_name, "system"),
                    f"prompts.{prompt_name}.system uses '{name}', text a parent typed: "
                    "put it in the user_template's <data> block instead",
                )
            )
        outside = _DATA_BLOCK.sub("", rendered["user_template"])
        if value in outside:
            issues.append(
                Issue(
                    where,
                    doc.line("prompts", prompt_name, "user_template"),
                    f"prompts.{prompt_name}.user_template uses '{name}' outside "
                    "<data>...</data>: typed text must stay inside the data block",
                )
            )
    return issues
