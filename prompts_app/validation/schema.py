"""The YAML schema of one document, per kind (header, system, story type, user context,
experiment): ``validate_document`` and ``validate_text``."""

from __future__ import annotations

import datetime
from typing import Any

from mira.vocabulary import AGE_GROUPS, STORY_TYPES

from ..documents import (
    DECLARED_VERSION,
    DECLARED_VERSION_MAX,
    KIND_EXPERIMENT,
    KIND_STORY_TYPE,
    KIND_SYSTEM,
    KIND_USER_CONTEXT,
    DocumentError,
    PromptDocument,
    parse_document,
)
from .issues import Issue, _check_string_list, _check_template, _Collector, _number
from .parameters import _check_parameters, configured_providers
from .quality import _check_quality

HEADER_KEYS = {"version", "created_by", "last_modified", "description", "change_note"}
TOP_KEYS = {
    KIND_SYSTEM: HEADER_KEYS | {"prompts", "parameters", "quality_checks", "sample_context"},
    KIND_STORY_TYPE: HEADER_KEYS | {"label", "story_elements", "structure", "age_adaptations"},
    KIND_USER_CONTEXT: HEADER_KEYS | {"age_groups", "rules", "accommodations"},
    KIND_EXPERIMENT: HEADER_KEYS | {"experiment", "variants"},
}
READING_LEVELS = ("emergent", "early", "developing", "fluent")
PRIMARY_METRICS = ("user_rating", "completion_rate", "cost_efficiency")


# --- one document --------------------------------------------------------------------------------


def _check_header(c: _Collector) -> None:
    data = c.doc.data
    version = data.get("version")
    if version is None:
        c.add("missing 'version' (quote it: version: \"1.2\")")
    elif not isinstance(version, str):
        c.add(f"'version' must be a quoted string such as \"1.2\", not {version!r}", "version")
    elif not DECLARED_VERSION.match(version) or len(version) > DECLARED_VERSION_MAX:
        c.add(
            f"'version' {version!r} must look like 1.2, 1.2.1 or 1.3-lean "
            f"(at most {DECLARED_VERSION_MAX} characters)",
            "version",
        )
    for name in ("created_by", "description"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            c.add(f"'{name}' must be a non-empty string", name)
    modified = data.get("last_modified")
    if isinstance(modified, str):
        try:
            datetime.date.fromisoformat(modified)
        except ValueError:
            c.add(f"'last_modified' {modified!r} must be a date like 2026-11-25", "last_modified")
    elif not isinstance(modified, datetime.date):
        c.add("'last_modified' must be a date like \"2026-11-25\"", "last_modified")
    if "change_note" in data and not isinstance(data["change_note"], str):
        c.add("'change_note' must be text", "change_note")
    allowed = TOP_KEYS[c.doc.kind]
    for key in data:
        if key not in allowed:
            c.add(
                f"unknown key '{key}' for a {c.doc.kind} file (allowed: {', '.join(sorted(allowed))})",
                key,
                "__key__",
            )


def _check_system(c: _Collector, providers: dict[str, Any]) -> None:
    prompts = c.doc.data.get("prompts")
    name = c.doc.name
    if not isinstance(prompts, dict) or name not in prompts:
        c.add(f"needs prompts.{name} with 'system' and 'user_template'", "prompts")
        return
    for prompt_name, body in prompts.items():
        path = ("prompts", prompt_name)
        if not isinstance(body, dict):
            c.add(f"prompts.{prompt_name} must be a mapping with system and user_template", *path)
            continue
        for extra in set(body) - {"system", "user_template"}:
            c.add(f"unknown key prompts.{prompt_name}.{extra}", *path, extra, "__key__")
        _check_template(c, (*path, "system"))
        _check_template(c, (*path, "user_template"))
    _check_parameters(c, providers)
    _check_quality(c)
    sample = c.doc.data.get("sample_context")
    if sample is not None and not isinstance(sample, dict):
        c.add("sample_context must be a mapping of variable → example value", "sample_context")


def _check_story_type(c: _Collector) -> None:
    label = c.doc.data.get("label")
    if not isinstance(label, str) or not label.strip():
        c.add("'label' must be non-empty text (how the story type is named in prompts)", "label")
    for part in ("themes", "settings", "characters"):
        _check_string_list(c, ("story_elements", part))
    for part in ("opening", "middle", "ending"):
        _check_template(c, ("structure", part))
    adaptations = c.doc.data.get("age_adaptations")
    if not isinstance(adaptations, dict) or set(adaptations) != set(AGE_GROUPS):
        c.add(
            f"age_adaptations needs exactly the age groups {', '.join(AGE_GROUPS)}",
            "age_adaptations",
        )
        return
    for group in AGE_GROUPS:
        entry, where = adaptations[group], ("age_adaptations", group)
        if not isinstance(entry, dict):
            c.add(f"age_adaptations.{group} must be a mapping", *where)
            continue
        for part in ("complexity", "vocabulary"):
            if not isinstance(entry.get(part), str) or not entry[part].strip():
                c.add(f"age_adaptations.{group}.{part} must be non-empty text", *where)
        _check_string_list(c, (*where, "themes"))


def _check_user_context(c: _Collector) -> None:
    name = c.doc.name
    data = c.doc.data
    if name == "kid_profiles":
        groups = data.get("age_groups")
        if not isinstance(groups, dict) or set(groups) != set(AGE_GROUPS):
            c.add(f"age_groups needs exactly {', '.join(AGE_GROUPS)}", "age_groups")
            return
        previous = 0
        for group in AGE_GROUPS:
            entry, where = groups[group], ("age_groups", group)
            if not isinstance(entry, dict):
                c.add(f"age_groups.{group} must be a mapping", *where)
                continue
            if not isinstance(entry.get("label"), str) or not entry["label"].strip():
                c.add(f"age_groups.{group}.label must be non-empty text", *where)
            if entry.get("reading_level") not in READING_LEVELS:
                c.add(
                    f"age_groups.{group}.reading_level must be one of {', '.join(READING_LEVELS)}",
                    *where,
                )
            words = entry.get("sentence_words")
            if not isinstance(words, int) or isinstance(words, bool) or not 3 <= words <= 40:
                c.add(f"age_groups.{group}.sentence_words must be an integer from 3 to 40", *where)
            elif words < previous:
                c.add(
                    f"age_groups.{group}.sentence_words is below a younger group's",
                    *where,
                    "sentence_words",
                )
            else:
                previous = words
            _check_template(c, (*where, "vocabulary"))
            _check_template(c, (*where, "guidance"))
    elif name == "parent_preferences":
        rules = data.get("rules")
        from ..guidance import PREFERENCE_RULES

        if not isinstance(rules, dict) or set(rules) != set(PREFERENCE_RULES):
            c.add(f"rules needs exactly {', '.join(PREFERENCE_RULES)}", "rules")
            return
        for rule in PREFERENCE_RULES:
            _check_template(c, ("rules", rule))
    elif name == "accessibility":
        entries = data.get("accommodations")
        if not isinstance(entries, dict) or not entries:
            c.add("accommodations must be a non-empty mapping", "accommodations")
            return
        for key, entry in entries.items():
            where = ("accommodations", key)
            if not isinstance(entry, dict):
                c.add(f"accommodations.{key} must be a mapping", *where)
                continue
            if not isinstance(entry.get("label"), str) or not entry["label"].strip():
                c.add(f"accommodations.{key}.label must be non-empty text", *where)
            _check_string_list(c, (*where, "keywords"))
            _check_template(c, (*where, "guidance"))
    else:
        c.add(
            "unknown user_context file: expected kid_profiles, parent_preferences or accessibility"
        )


def _check_experiment(c: _Collector) -> None:
    data = c.doc.data
    if ("experiment" in data) == ("variants" in data):
        c.add("an experiments file has either an 'experiment' block or a 'variants' block")
        return
    if "experiment" in data:
        exp = data["experiment"]
        path = ("experiment",)
        if not isinstance(exp, dict):
            c.add("'experiment' must be a mapping", *path)
            return
        for name in ("name", "prompt_type", "control_version", "primary_metric"):
            if not isinstance(exp.get(name), str) or not exp[name]:
                c.add(f"experiment.{name} must be non-empty text", *path, name)
        if exp.get("primary_metric") not in PRIMARY_METRICS:
            c.add(
                f"experiment.primary_metric must be one of {', '.join(PRIMARY_METRICS)}",
                *path,
                "primary_metric",
            )
        variants = exp.get("variant_versions")
        if not isinstance(variants, list) or not variants:
            c.add(
                "experiment.variant_versions must list at least one version",
                *path,
                "variant_versions",
            )
            variants = []
        split = exp.get("traffic_split")
        groups = ["control"] + [f"variant_{chr(ord('a') + i)}" for i in range(len(variants))]
        if not isinstance(split, dict) or set(split) != set(groups):
            c.add(
                f"experiment.traffic_split needs exactly {', '.join(groups)}",
                *path,
                "traffic_split",
            )
        elif (
            not all(isinstance(v, int) and v >= 0 for v in split.values())
            or sum(split.values()) != 100
        ):
            c.add(
                "experiment.traffic_split must be whole percentages adding up to 100",
                *path,
                "traffic_split",
            )
        size = exp.get("minimum_sample_size")
        if not isinstance(size, int) or size < 1:
            c.add(
                "experiment.minimum_sample_size must be a positive integer",
                *path,
                "minimum_sample_size",
            )
        if "success_threshold" in exp and not _number(exp["success_threshold"]):
            c.add("experiment.success_threshold must be a number", *path, "success_threshold")
        return
    variants = data["variants"]
    if not isinstance(variants, dict) or not variants:
        c.add("'variants' must be a non-empty mapping", "variants")
        return
    for name, variant in variants.items():
        where = ("variants", name)
        if not isinstance(variant, dict):
            c.add(f"variants.{name} must be a mapping", *where)
            continue
        for field in ("prompt_type", "base_version", "version", "description"):
            if not isinstance(variant.get(field), str) or not variant[field]:
                c.add(f"variants.{name}.{field} must be non-empty text", *where, field)
        version = variant.get("version")
        if isinstance(version, str) and (
            not DECLARED_VERSION.match(version) or len(version) > DECLARED_VERSION_MAX
        ):
            c.add(
                f"variants.{name}.version {version!r} must look like 1.3 or 1.3-lean",
                *where,
                "version",
            )
        prompts = variant.get("prompts")
        prompt_type = variant.get("prompt_type")
        if not isinstance(prompts, dict) or prompt_type not in prompts:
            c.add(
                f"variants.{name}.prompts needs {prompt_type} with system and user_template", *where
            )
            continue
        _check_template(c, (*where, "prompts", prompt_type, "system"))
        _check_template(c, (*where, "prompts", prompt_type, "user_template"))


def validate_document(
    doc: PromptDocument, *, where: str | None = None, providers: dict[str, Any] | None = None
) -> list[Issue]:
    """Schema, template syntax, sandbox refusals, provider parameters and quality bounds of one
    document. Rendering against sample contexts needs the whole set: ``validate_set``."""
    c = _Collector(doc, where or f"{doc.key}.yaml")
    _check_header(c)
    providers = configured_providers() if providers is None else providers
    if doc.kind == KIND_SYSTEM:
        _check_system(c, providers)
    elif doc.kind == KIND_STORY_TYPE:
        _check_story_type(c)
        if doc.name not in STORY_TYPES:
            c.add(f"unknown story type '{doc.name}' (known: {', '.join(STORY_TYPES)})")
    elif doc.kind == KIND_USER_CONTEXT:
        _check_user_context(c)
    elif doc.kind == KIND_EXPERIMENT:
        _check_experiment(c)
    return c.issues


def validate_text(
    key: str, content: str, *, where: str | None = None
) -> tuple[PromptDocument | None, list[Issue]]:
    try:
        doc = parse_document(key, content)
    except DocumentError as exc:
        return None, [Issue(where or f"{key}.yaml", exc.line, exc.message)]
    return doc, validate_document(doc, where=where)
