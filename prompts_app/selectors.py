"""Reads: the current or a named version of a prompt, lists for the admin."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet

from . import cache as stamp_cache
from .documents import DocumentError, parse_document
from .errors import PromptError, PromptNotFound
from .models import Prompt, PromptRelease, PromptReleaseEvent, PromptVersion
from .types import PromptDefinition

logger = logging.getLogger(__name__)

_by_label: OrderedDict[tuple[str, str], PromptDefinition] = OrderedDict()
_by_label_lock = threading.Lock()
_files: dict[Path, tuple[tuple[int, int], PromptDefinition]] = {}
BY_LABEL_CACHE_SIZE = 128


def environment_name(environment: str | None = None) -> str:
    return environment or settings.MIRA_ENVIRONMENT


def definition_from_version(version: PromptVersion) -> PromptDefinition:
    try:
        document = parse_document(version.prompt.key, version.content)
    except DocumentError as exc:  # validated on save; only a hand-edited row gets here
        raise PromptError(
            f"prompt {version.prompt.key} v{version.version}: {exc.message}"
        ) from None
    return PromptDefinition(
        key=version.prompt.key,
        version=version.version,
        content_hash=version.content_hash,
        document=document,
        source="database",
    )


def prompt_file_definition(key: str, *, root: Path | None = None) -> PromptDefinition:
    """The tree's file for ``key``: used before the first ``sync_prompts`` and by checks."""
    path = Path(root or settings.MIRA_PROMPTS_DIR) / f"{key}.yaml"
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise PromptNotFound(
            f"prompt {key}: no version in the database and no file {path}"
        ) from None
    signature = (stat.st_mtime_ns, stat.st_size)
    cached = _files.get(path)
    if cached and cached[0] == signature:
        return cached[1]
    try:
        document = parse_document(key, path.read_text(encoding="utf-8"))
    except DocumentError as exc:
        where = f"{path}, line {exc.line}" if exc.line else str(path)
        raise PromptError(f"{where}: {exc.message}") from None
    definition = PromptDefinition(
        key=key,
        version=document.declared_version,
        content_hash=document.content_hash,
        document=document,
        source="file",
    )
    _files[path] = (signature, definition)
    return definition


def prompt_current(key: str, *, environment: str | None = None) -> PromptDefinition:
    """The current published version of ``key`` in this environment. Before the first sync
    (no release row yet) the tree's file stands in, so a fresh checkout still works."""
    env = environment_name(environment)
    stamp = stamp_cache.current_stamp(env)
    found = stamp_cache.memo_get(env, key, stamp)
    if found is not None:
        return found
    release = (
        PromptRelease.objects.select_related("version__prompt")
        .filter(prompt__key=key, environment=env)
        .first()
    )
    if release is None:
        logger.info("prompt has no published version yet; using its file", extra={"prompt": key})
        definition = prompt_file_definition(key)
    else:
        definition = definition_from_version(release.version)
    stamp_cache.memo_put(env, key, stamp, definition)
    return definition


def prompt_at_version(key: str, version: str) -> PromptDefinition:
    """A named version (experiments render these). Versions never change, so each is cached
    for the life of the process."""
    with _by_label_lock:
        found = _by_label.get((key, version))
        if found is not None:
            _by_label.move_to_end((key, version))
            return found
    row = (
        PromptVersion.objects.select_related("prompt")
        .filter(prompt__key=key, version=version)
        .first()
    )
    if row is None:
        if not Prompt.objects.filter(key=key).exists():
            # Before the first sync the file is the only version there is.
            definition = prompt_file_definition(key)
            if definition.version == version:
                return definition
        raise PromptNotFound(f"prompt {key} has no version {version!r}")
    definition = definition_from_version(row)
    with _by_label_lock:
        _by_label[(key, version)] = definition
        while len(_by_label) > BY_LABEL_CACHE_SIZE:
            _by_label.popitem(last=False)
    return definition


def prompt_definition(key: str, version: str | None = None) -> PromptDefinition:
    return prompt_current(key) if version is None else prompt_at_version(key, version)


def prompt_list() -> QuerySet[Prompt]:
    return Prompt.objects.all().order_by("key")


def prompt_versions(prompt: Prompt) -> QuerySet[PromptVersion]:
    return prompt.versions.select_related("created_by").order_by("-created_at")


def prompt_release_get(prompt: Prompt, *, environment: str | None = None) -> PromptRelease | None:
    return (
        PromptRelease.objects.select_related("version", "updated_by")
        .filter(prompt=prompt, environment=environment_name(environment))
        .first()
    )


def prompt_release_history(
    prompt: Prompt, *, environment: str | None = None
) -> QuerySet[PromptReleaseEvent]:
    return (
        PromptReleaseEvent.objects.select_related("from_version", "to_version", "actor")
        .filter(prompt=prompt, environment=environment_name(environment))
        .order_by("-created_at")
    )


def current_definitions(*, environment: str | None = None) -> dict[str, PromptDefinition]:
    """The current definition of every prompt: database rows, files for prompts not yet synced."""
    env = environment_name(environment)
    found = {
        r.prompt.key: definition_from_version(r.version)
        for r in PromptRelease.objects.select_related("prompt", "version__prompt").filter(
            environment=env
        )
    }
    from .tree import current_files

    for file in current_files(Path(settings.MIRA_PROMPTS_DIR)):
        if file.key not in found:
            try:
                found[file.key] = prompt_file_definition(file.key)
            except PromptError:
                continue
    return found


def known_version_labels() -> dict[str, set[str]]:
    labels: dict[str, set[str]] = {}
    for key, label in PromptVersion.objects.values_list("prompt__key", "version"):
        labels.setdefault(key, set()).add(label)
    return labels


def reset_prompt_caches() -> None:
    """Forget every process-local prompt cache (tests roll back the rows they describe)."""
    stamp_cache.forget_local()
    with _by_label_lock:
        _by_label.clear()
    _files.clear()
