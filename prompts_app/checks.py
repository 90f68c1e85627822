"""``check_prompts``: the whole tree on disk, validated as ``make test`` and the admin do."""

from __future__ import annotations

from pathlib import Path

from .documents import KIND_SYSTEM, PromptDocument
from .tree import ARCHIVE_DIR, CURRENT_LINK, archive_files, current_files, current_link_target
from .types import PromptDefinition
from .validation import Issue, render_matrix, validate_document, validate_set, validate_text


def _definition(doc: PromptDocument, version: str) -> PromptDefinition:
    return PromptDefinition(
        key=doc.key, version=version, content_hash=doc.content_hash, document=doc, source="file"
    )


def check_tree(root: Path) -> list[Issue]:
    """Every problem in the tree at ``root``, each naming its file and line."""
    root = Path(root)
    if not root.is_dir():
        return [Issue(str(root), None, "prompt directory does not exist")]
    issues: list[Issue] = []
    current: dict[str, tuple[PromptDefinition, str]] = {}
    for file in current_files(root):
        doc, found = validate_text(file.key, file.read(), where=file.where)
        issues.extend(found)
        if doc is not None:
            current[file.key] = (_definition(doc, doc.declared_version), file.where)

    known: dict[str, set[str]] = {}
    archived: list[tuple[PromptDefinition, str]] = []
    for file in archive_files(root):
        doc, found = validate_text(file.key, file.read(), where=file.where)
        issues.extend(found)
        if doc is None:
            continue
        declared = doc.declared_version
        if file.release != declared and not file.release.startswith(f"{declared}+"):
            issues.append(
                Issue(
                    file.where,
                    doc.line("version"),
                    f"declares version {declared!r} but is archived under v{file.release}/",
                )
            )
        known.setdefault(file.key, set()).add(file.release)
        archived.append((_definition(doc, file.release), file.where))
    for key, (definition, _where) in current.items():
        known.setdefault(key, set()).add(definition.version)

    if issues:
        return issues  # render checks on broken documents only repeat the same problems
    issues.extend(validate_set(current, known_versions=known))

    # Archived system prompts are rollback targets: they must still render with today's
    # fragments and contexts.
    def source(key: str) -> PromptDefinition:
        return current[key][0]

    if all(k in current for k in ("user_context/kid_profiles", "user_context/accessibility")):
        for definition, where in archived:
            if definition.document.kind == KIND_SYSTEM:
                issues.extend(render_matrix(definition, source, where=where))

    issues.extend(_check_pointer(root, current))
    return issues


def _check_pointer(root: Path, current: dict[str, tuple[PromptDefinition, str]]) -> list[Issue]:
    """``versions/current`` points at a release directory, and a version label means one
    text: a current file that declares a version already archived must be that archived
    file (otherwise it was edited without a version bump)."""
    where = f"{root.name}/{ARCHIVE_DIR}/{CURRENT_LINK}"
    target = current_link_target(root)
    if target is None:
        return [
            Issue(
                where, None, "missing: it must point at the newest release directory (v<version>)"
            )
        ]
    base = (root / ARCHIVE_DIR).resolve()
    if target.parent != base or not target.is_dir() or not target.name.startswith("v"):
        return [Issue(where, None, f"must point at a v<version> directory inside {ARCHIVE_DIR}/")]
    archived: dict[str, dict[str, str]] = {}
    for file in archive_files(root):
        archived.setdefault(file.key, {})[file.release] = file.read()
    issues = []
    for key, (definition, file_where) in sorted(current.items()):
        copies = archived.get(key, {})
        content = definition.document.content
        if content in copies.values():
            continue
        declared = definition.document.declared_version
        if declared in copies:
            issues.append(
                Issue(
                    file_where,
                    definition.document.line("version"),
                    f"declares version {declared!r} but differs from "
                    f"{root.name}/{ARCHIVE_DIR}/v{declared}/{key}.yaml: bump the version "
                    "(or run export_prompts after editing in the admin)",
                )
            )
    return issues


def validate_candidate(
    doc: PromptDocument,
    others: dict[str, PromptDefinition],
    *,
    where: str,
    known_versions: dict[str, set[str]] | None = None,
) -> list[Issue]:
    """One document as it would join the current set (admin saves and publishes): its own
    problems, plus any problem the set gains because of it (a fragment that breaks the story
    prompt's rendering, a story prompt that needs a variable no fragment gives)."""
    issues = validate_document(doc, where=where)
    if issues:
        return issues
    before = {key: (d, f"{key}.yaml") for key, d in others.items()}
    after = dict(before)
    after[doc.key] = (_definition(doc, doc.declared_version), where)
    known = {key: set(v) for key, v in (known_versions or {}).items()}
    for key, d in others.items():
        known.setdefault(key, set()).add(d.version)
    known.setdefault(doc.key, set()).add(doc.declared_version)
    baseline = (
        {str(i) for i in validate_set(before, known_versions=known)} if doc.key in before else set()
    )
    return [i for i in validate_set(after, known_versions=known) if str(i) not in baseline]
