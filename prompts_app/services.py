"""Writes: new versions, publish, roll back, and the file tree ⇄ database sync."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from . import cache as stamp_cache
from .checks import check_tree, validate_candidate
from .documents import normalise_content, parse_document, version_sort_key
from .errors import NothingToRollBack, PromptInvalid, PromptNotFound
from .models import (
    Prompt,
    PromptRelease,
    PromptReleaseEvent,
    PromptVersion,
    ReleaseAction,
    VersionStatus,
)
from .selectors import current_definitions, environment_name, known_version_labels
from .tree import archive_files, current_files, point_current, write_if_changed
from .validation import Issue, validate_text, variant_document

logger = logging.getLogger(__name__)


def _label_for(prompt: Prompt, declared: str, digest: str) -> str:
    """The declared version, unless another content of this prompt already has that label:
    then "<declared>+<7 hex>", so a label always means one text."""
    if not prompt.versions.filter(version=declared).exists():
        return declared
    return f"{declared}+{digest[:7]}"


def prompt_validate(*, key: str, content: str, where: str | None = None) -> list[Issue]:
    """Problems of ``content`` as the next version of ``key``, joined to the current set."""
    where = where or f"{key}.yaml"
    doc, issues = validate_text(key, content, where=where)
    if issues or doc is None:
        return issues
    others = {k: d for k, d in current_definitions().items() if k != key}
    return validate_candidate(doc, others, where=where, known_versions=known_version_labels())


def prompt_version_create(
    *,
    key: str,
    content: str,
    author: str,
    change_note: str = "",
    created_by: Any = None,
    status: str = VersionStatus.DRAFT,
    validate: bool = True,
) -> tuple[PromptVersion, bool]:
    """Store ``content`` as a version of ``key``; returns ``(version, created)``. The same
    content again returns the existing version (sync and imports are idempotent). Invalid
    content raises ``PromptInvalid`` and stores nothing."""
    content = normalise_content(content)
    if validate:
        issues = prompt_validate(key=key, content=content)
        if issues:
            raise PromptInvalid(issues)
    doc = parse_document(key, content)
    author = (author or str(doc.data.get("created_by") or "unknown"))[:150]
    change_note = change_note or str(doc.data.get("change_note") or "")
    with transaction.atomic():
        try:
            prompt, _ = Prompt.objects.get_or_create(
                key=key, defaults={"description": str(doc.data.get("description", ""))[:300]}
            )
        except IntegrityError:  # created concurrently by another save
            prompt = Prompt.objects.get(key=key)
        # Serialises label choice and hash dedup for this prompt: two editors saving at once
        # would otherwise both take "1.3".
        prompt = Prompt.objects.select_for_update().get(pk=prompt.pk)
        existing = prompt.versions.filter(content_hash=doc.content_hash).first()
        if existing is not None:
            return existing, False
        version = PromptVersion.objects.create(
            prompt=prompt,
            version=_label_for(prompt, doc.declared_version, doc.content_hash),
            declared_version=doc.declared_version,
            content=content,
            content_hash=doc.content_hash,
            author=author,
            created_by=created_by,
            change_note=change_note,
            status=status,
        )
    logger.info("prompt version created", extra={"prompt": key, "version": version.version})
    return version, True


def _refresh_statuses(prompt: Prompt) -> None:
    """published = current in some environment; a published version that no longer is
    becomes archived; drafts stay drafts until first published."""
    current_ids = set(
        PromptRelease.objects.filter(prompt=prompt).values_list("version_id", flat=True)
    )
    prompt.versions.filter(pk__in=current_ids).exclude(status=VersionStatus.PUBLISHED).update(
        status=VersionStatus.PUBLISHED
    )
    prompt.versions.filter(status=VersionStatus.PUBLISHED).exclude(pk__in=current_ids).update(
        status=VersionStatus.ARCHIVED
    )


def _move_pointer(
    *,
    version: PromptVersion,
    environment: str | None,
    actor: Any,
    actor_name: str,
    action: str,
    note: str,
    validate: bool,
) -> PromptRelease:
    env = environment_name(environment)
    if validate:
        issues = prompt_validate(key=version.prompt.key, content=version.content)
        if issues:
            raise PromptInvalid(issues)
    with transaction.atomic():
        # One pointer move per prompt at a time: two publishes racing would otherwise both
        # read the same "previous" version and write a history that never happened.
        prompt = Prompt.objects.select_for_update().get(pk=version.prompt_id)
        release = (
            PromptRelease.objects.filter(prompt=prompt, environment=env)
            .select_related("version")
            .first()
        )
        previous = release.version if release else None
        if previous is not None and previous.pk == version.pk:
            return release
        if release is None:
            release = PromptRelease.objects.create(
                prompt=prompt, environment=env, version=version, updated_by=actor
            )
        else:
            release.version = version
            release.updated_by = actor
            release.save(update_fields=["version", "updated_by", "updated_at"])
        PromptReleaseEvent.objects.create(
            prompt=prompt,
            environment=env,
            action=action,
            from_version=previous,
            to_version=version,
            actor=actor,
            actor_name=(actor_name or getattr(actor, "username", "") or "system")[:150],
            note=note,
        )
        _refresh_statuses(prompt)
        stamp_cache.invalidate_on_commit(env)
    logger.info(
        "prompt pointer moved",
        extra={
            "prompt": prompt.key,
            "environment": env,
            "action": action,
            "version": version.version,
        },
    )
    return release


def prompt_publish(
    *,
    version: PromptVersion,
    environment: str | None = None,
    actor: Any = None,
    actor_name: str = "",
    note: str = "",
    validate: bool = True,
) -> PromptRelease:
    """Make ``version`` current in ``environment``; every process renders it next time."""
    return _move_pointer(
        version=version,
        environment=environment,
        actor=actor,
        actor_name=actor_name,
        action=ReleaseAction.PUBLISH,
        note=note,
        validate=validate,
    )


def prompt_rollback_target(prompt: Prompt, *, environment: str | None = None) -> PromptVersion:
    """The version that was current before the current one was published. Rolling back
    twice walks further back, like undo."""
    env = environment_name(environment)
    release = PromptRelease.objects.filter(prompt=prompt, environment=env).first()
    if release is None:
        raise NothingToRollBack(f"{prompt.key} has no published version in {env}")
    event = (
        PromptReleaseEvent.objects.filter(
            prompt=prompt,
            environment=env,
            action=ReleaseAction.PUBLISH,
            to_version_id=release.version_id,
        )
        .exclude(from_version=None)
        .select_related("from_version")
        .order_by("-created_at")
        .first()
    )
    if event is not None:
        return event.from_version
    # No publish history here (a fresh database loaded by sync_prompts): the archive's
    # versions were each published once, so step back to the newest one before the current.
    current_key = version_sort_key(release.version.version)
    earlier = [
        v
        for v in prompt.versions.filter(status=VersionStatus.ARCHIVED)
        if version_sort_key(v.version) < current_key
    ]
    if not earlier:
        raise NothingToRollBack(
            f"{prompt.key}: nothing was published before v{release.version.version} in {env}"
        )
    return max(earlier, key=lambda v: version_sort_key(v.version))


def prompt_rollback(
    *,
    prompt: Prompt,
    environment: str | None = None,
    actor: Any = None,
    actor_name: str = "",
    note: str = "",
) -> PromptRelease:
    target = prompt_rollback_target(prompt, environment=environment)
    # A rollback returns to a version that was live and is known to work; re-validating it
    # against fragments that changed since could only block an emergency undo.
    return _move_pointer(
        version=target,
        environment=environment,
        actor=actor,
        actor_name=actor_name,
        action=ReleaseAction.ROLLBACK,
        note=note,
        validate=False,
    )


# --- files ⇄ database -----------------------------------------------------------------------------


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    unchanged: int = 0

    def __str__(self) -> str:
        return (
            f"{len(self.created)} new version(s), {len(self.published)} published, "
            f"{self.unchanged} unchanged"
        )


def prompts_sync(
    *, root: Path | None = None, environment: str | None = None, publish: bool = True
) -> SyncReport:
    """Load the tree into the database. Idempotent: content already stored makes no new
    version. Archived files become archived versions; a top-level file whose content is new
    becomes a version and, with ``publish``, the current one (a change merged in git goes
    live on deploy). A top-level file whose content is already stored moves no pointer, so a
    rollback or publish made in the admin survives deploys until it is exported and
    committed. The whole tree is validated first; a broken tree changes nothing."""
    root = Path(root or settings.MIRA_PROMPTS_DIR)
    issues = check_tree(root)
    if issues:
        raise PromptInvalid(issues)
    env = environment_name(environment)
    report = SyncReport()
    new_ids: set[Any] = set()
    with transaction.atomic():
        for file in sorted(archive_files(root), key=lambda f: version_sort_key(f.release or "")):
            version, created = prompt_version_create(
                key=file.key,
                content=file.read(),
                author="",
                status=VersionStatus.ARCHIVED,
                validate=False,
            )
            _count(report, version, created)
            if created:
                new_ids.add(version.pk)
        for file in current_files(root):
            version, created = prompt_version_create(
                key=file.key, content=file.read(), author="", validate=False
            )
            _count(report, version, created)
            release = PromptRelease.objects.filter(prompt=version.prompt, environment=env).first()
            # New to the database in this run (from the file or its archive copy) → it is the
            # change being deployed; an already known content leaves the pointer alone.
            is_new = created or version.pk in new_ids
            if publish and (release is None or (is_new and release.version_id != version.pk)):
                prompt_publish(
                    version=version,
                    environment=env,
                    actor_name="sync_prompts",
                    note=f"from {file.where}",
                    validate=False,
                )
                report.published.append(f"{file.key} v{version.version}")
        for file in current_files(root):
            if file.key.startswith("experiments/"):
                _sync_variants(file.key, report)
    return report


def _count(report: SyncReport, version: PromptVersion, created: bool) -> None:
    if created:
        report.created.append(f"{version.prompt.key} v{version.version}")
    else:
        report.unchanged += 1


def _sync_variants(key: str, report: SyncReport) -> None:
    """Experiment variants become draft versions of their prompt, built over the base."""
    row = PromptRelease.objects.select_related("version").filter(prompt__key=key).first()
    holder = (
        row.version
        if row
        else PromptVersion.objects.filter(prompt__key=key).order_by("-created_at").first()
    )
    if holder is None:
        return
    data = parse_document(key, holder.content).data
    for name, variant in (data.get("variants") or {}).items():
        target = f"system/{variant['prompt_type']}"
        base = PromptVersion.objects.filter(
            prompt__key=target, version=variant["base_version"]
        ).first()
        if base is None:
            raise PromptNotFound(
                f"{key}: variant {name} is based on {target} v{variant['base_version']}, which does not exist"
            )
        content = variant_document(variant, parse_document(target, base.content), target)
        version, created = prompt_version_create(
            key=target,
            content=content,
            author=str(data.get("created_by", "")),
            change_note=f"experiment variant '{name}' from {key}",
            validate=False,
        )
        _count(report, version, created)


def prompts_export(*, root: Path | None = None, environment: str | None = None) -> list[Path]:
    """Write the database's versions into the tree: each current version to its top-level
    file, every published or archived version to ``versions/v<label>/``, and point
    ``versions/current`` at the newest current label. Returns the files that changed.
    Drafts stay in the database: they were never live."""
    root = Path(root or settings.MIRA_PROMPTS_DIR)
    env = environment_name(environment)
    written: list[Path] = []
    newest: str | None = None
    for release in PromptRelease.objects.select_related("prompt", "version").filter(
        environment=env
    ):
        path = root / f"{release.prompt.key}.yaml"
        if write_if_changed(path, release.version.content):
            written.append(path)
        if newest is None or version_sort_key(release.version.version) > version_sort_key(newest):
            newest = release.version.version
    for version in PromptVersion.objects.select_related("prompt").exclude(
        status=VersionStatus.DRAFT
    ):
        path = root / "versions" / f"v{version.version}" / f"{version.prompt.key}.yaml"
        if write_if_changed(path, version.content):
            written.append(path)
    newest_dir = root / "versions" / f"v{newest}"
    if newest is not None and newest_dir.is_dir() and point_current(root, newest):
        written.append(root / "versions" / "current")
    return written
