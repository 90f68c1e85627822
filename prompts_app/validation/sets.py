"""Cross-file checks of a complete prompt set, experiment variants included: ``validate_set``."""

from __future__ import annotations

from typing import Any

from mira.vocabulary import STORY_TYPES

from ..documents import KIND_EXPERIMENT, KIND_SYSTEM, PromptDocument, parse_document
from ..types import PromptDefinition
from .issues import Issue
from .samples import render_matrix

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
