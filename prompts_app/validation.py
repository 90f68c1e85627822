"""Validation of prompt documents, alone and as a set: what ``check_prompts`` and every admin
save run before anything is stored or published.

Each problem is an ``Issue`` naming the file and the line, e.g.
``prompts/system/story_generation.yaml, line 23: 'kid_name' is undefined (system, age 2-3, bedtime)``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import jinja2

from mira.config_file import ConfigFileError, config_section

from .documents import (
    AGE_GROUPS,
    CONTENT_FILTERS,
    DECLARED_VERSION,
    DECLARED_VERSION_MAX,
    KIND_EXPERIMENT,
    KIND_STORY_TYPE,
    KIND_SYSTEM,
    KIND_USER_CONTEXT,
    QUALITY_ELEMENTS,
    STORY_LENGTHS,
    STORY_TYPES,
    USER_TYPED_VARIABLES,
    VOCABULARY_LIMITS,
    DocumentError,
    PromptDocument,
    parse_document,
)
from .guidance import GuidanceError, sample_context
from .sandbox import TemplateProblem, compiled, error_line, render, template_problems
from .types import PromptDefinition

REQUIRED_KEYS = (
    "system/story_generation",
    "system/image_recognition",
    "system/content_safety",
    "system/audio_transcription",
    "user_context/kid_profiles",
    "user_context/parent_preferences",
    "user_context/accessibility",
    *(f"story_types/{t}" for t in STORY_TYPES),
)
HEADER_KEYS = {"version", "created_by", "last_modified", "description", "change_note"}
TOP_KEYS = {
    KIND_SYSTEM: HEADER_KEYS | {"prompts", "parameters", "quality_checks", "sample_context"},
    KIND_STORY_TYPE: HEADER_KEYS | {"label", "story_elements", "structure", "age_adaptations"},
    KIND_USER_CONTEXT: HEADER_KEYS | {"age_groups", "rules", "accommodations"},
    KIND_EXPERIMENT: HEADER_KEYS | {"experiment", "variants"},
}
READING_LEVELS = ("emergent", "early", "developing", "fluent")
PRIMARY_METRICS = ("user_rating", "completion_rate", "cost_efficiency")

# What each provider accepts, with bounds from its API reference. A key not listed here is a
# typo or a parameter we do not pass through, and is refused.
_OPENAI = {
    "model": str,
    "max_tokens": (int, 1, 16384),
    "temperature": (float, 0.0, 2.0),
    "top_p": (float, 0.0, 1.0),
    "frequency_penalty": (float, -2.0, 2.0),
    "presence_penalty": (float, -2.0, 2.0),
}
PARAMETER_RULES: dict[str, dict[str, Any]] = {
    "openai": _OPENAI,
    "azure": _OPENAI,
    "anthropic": {
        "model": str,
        "max_tokens": (int, 1, 8192),
        "temperature": (float, 0.0, 1.0),
        "top_p": (float, 0.0, 1.0),
        "top_k": (int, 1, 500),
    },
    "google": {
        "model": str,
        "max_output_tokens": (int, 1, 8192),
        "temperature": (float, 0.0, 2.0),
        "top_p": (float, 0.0, 1.0),
        "top_k": (int, 1, 500),
    },
    "local": {"model": str},
}
SENTINEL = "\u27e6{}\u27e7"  # ⟦name⟧: a value no template could produce by accident
_DATA_BLOCK = re.compile(r"<data>.*?</data>", re.DOTALL)


@dataclass(frozen=True)
class Issue:
    where: str  # the file, as the author knows it: "prompts/system/story_generation.yaml"
    line: int | None
    message: str

    def __str__(self) -> str:
        return (
            f"{self.where}, line {self.line}: {self.message}"
            if self.line
            else f"{self.where}: {self.message}"
        )


class _Collector:
    def __init__(self, doc: PromptDocument, where: str):
        self.doc, self.where, self.issues = doc, where, []

    def add(self, message: str, *path: Any, line: int | None = None) -> None:
        self.issues.append(Issue(self.where, line or self.doc.line(*path), message))


def _dotted(path: Iterable[Any]) -> str:
    return ".".join(str(p) for p in path)


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


def _check_template(c: _Collector, path: tuple, *, required: bool = True) -> None:
    value: Any = c.doc.data
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        if required:
            c.add(f"missing '{_dotted(path)}'", *path)
        return
    if not isinstance(value, str) or not value.strip():
        c.add(f"'{_dotted(path)}' must be non-empty text", *path)
        return
    for problem in template_problems(value):
        c.add(
            f"{_dotted(path)}: {problem.message}",
            line=c.doc.template_line(path, problem.line),
        )


def _check_string_list(c: _Collector, path: tuple, *, allowed: Iterable[str] | None = None) -> list:
    value: Any = c.doc.data
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        c.add(f"'{_dotted(path)}' must be a non-empty list of text", *path)
        return []
    if allowed is not None:
        known = set(allowed)
        for index, item in enumerate(value):
            if item not in known:
                c.add(
                    f"'{item}' in {_dotted(path)} is not a known check (known: {', '.join(sorted(known))})",
                    *path,
                    index,
                )
    return value


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_parameters(c: _Collector, providers: dict[str, Any]) -> None:
    params = c.doc.data.get("parameters")
    if params is None:
        c.add("missing 'parameters' (per provider; an empty mapping {} is fine)")
        return
    if not isinstance(params, dict):
        c.add("'parameters' must be a mapping of provider → settings", "parameters")
        return
    for provider, settings in params.items():
        path = ("parameters", provider)
        if provider == "fallback_strategy":
            _check_fallback(c, settings, providers)
            continue
        if provider not in providers:
            c.add(
                f"'{provider}' is not a provider in config/ai_providers.yaml "
                f"(known: {', '.join(sorted(providers))})",
                *path,
                "__key__",
            )
            continue
        rules = PARAMETER_RULES.get(provider)
        if rules is None:
            c.add(f"no parameter rules for provider '{provider}'", *path, "__key__")
            continue
        if settings is None:
            continue
        if not isinstance(settings, dict):
            c.add(f"parameters.{provider} must be a mapping", *path)
            continue
        for name, value in settings.items():
            rule = rules.get(name)
            where = (*path, name)
            if rule is None:
                allowed = ", ".join(sorted(rules)) or "none"
                c.add(
                    f"'{name}' is not a {provider} parameter (allowed: {allowed})",
                    *where,
                    "__key__",
                )
            elif rule is str:
                models = _provider_models(providers, provider)
                if not isinstance(value, str) or not value:
                    c.add(f"parameters.{provider}.{name} must be a model name", *where)
                elif models and value not in models:
                    c.add(
                        f"model '{value}' is not configured for {provider} in "
                        f"config/ai_providers.yaml (configured: {', '.join(sorted(models))})",
                        *where,
                    )
            else:
                kind, low, high = rule
                ok = isinstance(value, int) if kind is int else _number(value)
                if not ok or isinstance(value, bool) or not low <= value <= high:
                    c.add(
                        f"parameters.{provider}.{name} must be {'an integer' if kind is int else 'a number'} "
                        f"between {low} and {high}, not {value!r}",
                        *where,
                    )


def _provider_models(providers: dict[str, Any], provider: str) -> set[str]:
    models = (providers.get(provider) or {}).get("models") or {}
    return {str(m.get("model")) for m in models.values() if isinstance(m, dict) and m.get("model")}


def _check_fallback(c: _Collector, chain: Any, providers: dict[str, Any]) -> None:
    path = ("parameters", "fallback_strategy")
    if not isinstance(chain, list) or not chain:
        c.add("fallback_strategy must be a non-empty list of {provider, model}", *path)
        return
    for index, step in enumerate(chain):
        where = (*path, index)
        if (
            not isinstance(step, dict)
            or "provider" not in step
            or set(step) - {"provider", "model"}
        ):
            c.add("each fallback_strategy step needs 'provider' (and optionally 'model')", *where)
            continue
        provider, model = step["provider"], step.get("model")
        if provider not in providers:
            c.add(f"fallback provider '{provider}' is not in config/ai_providers.yaml", *where)
        elif model is not None and model not in _provider_models(providers, provider):
            c.add(f"fallback model '{model}' is not configured for {provider}", *where, "model")


def _check_quality(c: _Collector) -> None:
    checks = c.doc.data.get("quality_checks")
    path = ("quality_checks",)
    if checks is None:
        if c.doc.key == "system/story_generation":
            c.add("missing 'quality_checks' (the story prompt must say what a good story is)")
        return
    if not isinstance(checks, dict):
        c.add("'quality_checks' must be a mapping", *path)
        return
    allowed = {
        "min_word_count",
        "max_word_count",
        "length_bands",
        "required_elements",
        "vocabulary",
        "content_filters",
    }
    for key in checks:
        if key not in allowed:
            c.add(
                f"unknown quality check '{key}' (allowed: {', '.join(sorted(allowed))})",
                *path,
                key,
                "__key__",
            )
    low_all, high_all = checks.get("min_word_count"), checks.get("max_word_count")
    for name, value in (("min_word_count", low_all), ("max_word_count", high_all)):
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 1
        ):
            c.add(f"quality_checks.{name} must be a positive integer", *path, name)
    if isinstance(low_all, int) and isinstance(high_all, int) and low_all >= high_all:
        c.add(
            f"min_word_count ({low_all}) must be below max_word_count ({high_all})",
            *path,
            "min_word_count",
        )
    bands = checks.get("length_bands")
    previous: tuple[int, int] | None = None
    if bands is not None:
        if not isinstance(bands, dict) or set(bands) != set(STORY_LENGTHS):
            c.add("length_bands needs exactly short, medium and long", *path, "length_bands")
        else:
            for length in STORY_LENGTHS:
                band, where = bands[length], (*path, "length_bands", length)
                if (
                    not isinstance(band, list)
                    or len(band) != 2
                    or not all(isinstance(b, int) and not isinstance(b, bool) for b in band)
                    or not 0 < band[0] < band[1]
                ):
                    c.add(f"length_bands.{length} must be [low, high] with 0 < low < high", *where)
                    previous = None
                    continue
                if isinstance(low_all, int) and band[0] < low_all:
                    c.add(f"length_bands.{length} starts below min_word_count ({low_all})", *where)
                if isinstance(high_all, int) and band[1] > high_all:
                    c.add(f"length_bands.{length} ends above max_word_count ({high_all})", *where)
                if previous and (band[0] < previous[0] or band[1] < previous[1]):
                    c.add(
                        f"length_bands.{length} must not be shorter than the band before it", *where
                    )
                previous = (band[0], band[1])
    if "required_elements" in checks:
        _check_string_list(c, (*path, "required_elements"), allowed=QUALITY_ELEMENTS)
    if "content_filters" in checks:
        _check_string_list(c, (*path, "content_filters"), allowed=CONTENT_FILTERS)
    vocabulary = checks.get("vocabulary")
    wants_vocabulary = "age_appropriate_vocabulary" in (checks.get("required_elements") or [])
    if vocabulary is None:
        if wants_vocabulary:
            c.add(
                "age_appropriate_vocabulary needs a 'vocabulary' block per age group",
                *path,
                "required_elements",
            )
        return
    if not isinstance(vocabulary, dict) or set(vocabulary) != set(AGE_GROUPS):
        c.add(
            f"vocabulary needs exactly the age groups {', '.join(AGE_GROUPS)}", *path, "vocabulary"
        )
        return
    last: dict[str, float] = {}
    for group in AGE_GROUPS:
        limits, where = vocabulary[group], (*path, "vocabulary", group)
        if not isinstance(limits, dict) or set(limits) != set(VOCABULARY_LIMITS):
            c.add(f"vocabulary.{group} needs exactly {', '.join(VOCABULARY_LIMITS)}", *where)
            continue
        share, sentence = limits["max_long_word_share"], limits["max_average_sentence_words"]
        if not _number(share) or not 0 < share <= 1:
            c.add(f"vocabulary.{group}.max_long_word_share must be between 0 and 1", *where)
        if not _number(sentence) or not 3 <= sentence <= 60:
            c.add(f"vocabulary.{group}.max_average_sentence_words must be between 3 and 60", *where)
        # Older children may get harder text, never easier limits than younger ones.
        for name, value in limits.items():
            if _number(value) and name in last and value < last[name]:
                c.add(
                    f"vocabulary.{group}.{name} is stricter than for a younger age group",
                    *where,
                    name,
                )
            if _number(value):
                last[name] = value


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
        from .guidance import PREFERENCE_RULES

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


def configured_providers() -> dict[str, Any]:
    try:
        return config_section("providers")
    except ConfigFileError:
        return {}


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


# --- the set: every template rendered for every age group and story type -------------------------


def variant_document(variant: dict[str, Any], base: PromptDocument, key: str) -> str:
    """The YAML text of a draft version built from an experiments variant over ``base``."""
    import yaml

    data = dict(base.data)
    data["version"] = variant["version"]
    data["description"] = variant["description"]
    data["change_note"] = f"Experiment variant, based on {variant['base_version']}."
    data["prompts"] = variant["prompts"]

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper, value):
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


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


def validate_set(
    documents: dict[str, tuple[PromptDefinition, str]],
    *,
    known_versions: dict[str, set[str]] | None = None,
) -> list[Issue]:
    """Cross-file checks of a complete prompt set: ``documents`` maps key → (definition, where).
    Required files exist; every system prompt (and every experiment variant) renders for
    every age group and story type; experiments name versions that exist."""
    issues: list[Issue] = []
    for key in REQUIRED_KEYS:
        if key not in documents:
            issues.append(Issue(f"{key}.yaml", None, "required prompt file is missing"))
    if issues:
        return issues

    def source(key: str) -> PromptDefinition:
        return documents[key][0]

    for _key, (definition, where) in sorted(documents.items()):
        if definition.document.kind == KIND_SYSTEM:
            issues.extend(render_matrix(definition, source, where=where))
    versions = {k: set(v) for k, v in (known_versions or {}).items()}
    for _key, (definition, where) in sorted(documents.items()):
        if definition.document.kind != KIND_EXPERIMENT:
            continue
        data = definition.data
        for name, variant in (data.get("variants") or {}).items():
            target = f"system/{variant.get('prompt_type')}"
            base_versions = versions.get(target, set())
            if target not in documents:
                issues.append(
                    Issue(
                        where,
                        definition.document.line("variants", name),
                        f"variants.{name}: no prompt {target}",
                    )
                )
                continue
            if variant.get("base_version") not in base_versions:
                issues.append(
                    Issue(
                        where,
                        definition.document.line("variants", name, "base_version"),
                        f"variants.{name}.base_version {variant.get('base_version')!r} is not a version of {target}",
                    )
                )
                continue
            draft = PromptDefinition(
                key=target,
                version=str(variant["version"]),
                content_hash=f"variant:{definition.content_hash}:{name}",
                document=parse_document(
                    target, variant_document(variant, source(target).document, target)
                ),
            )
            for issue in render_matrix(draft, source, where=where):
                issues.append(
                    Issue(
                        where,
                        definition.document.line("variants", name),
                        f"variants.{name}: {issue.message}",
                    )
                )
            versions.setdefault(target, set()).add(str(variant["version"]))
    # Experiments are checked after every variant file, whatever the files' order.
    for _key, (definition, where) in sorted(documents.items()):
        if definition.document.kind != KIND_EXPERIMENT:
            continue
        exp = definition.data.get("experiment")
        if isinstance(exp, dict):
            target = f"system/{exp.get('prompt_type')}"
            for field in ("control_version", "variant_versions"):
                values = exp.get(field)
                for value in values if isinstance(values, list) else [values]:
                    if versions and value not in versions.get(target, set()):
                        issues.append(
                            Issue(
                                where,
                                definition.document.line("experiment", field),
                                f"experiment.{field}: {value!r} is not a version of {target}",
                            )
                        )
    return issues
