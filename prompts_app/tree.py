"""The prompt tree on disk: which file is which prompt, the archive under ``versions/``, and
the ``versions/current`` pointer.

Layout (spec section 4)::

    prompts/system/*.yaml, user_context/*.yaml, story_types/*.yaml, experiments/*.yaml
        the current version of every prompt
    prompts/versions/v<label>/<kind>/<name>.yaml
        every published version of a prompt, by its version label
    prompts/versions/current -> v<label>
        the newest release; each file in it is identical to the top-level file
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .documents import KINDS, normalise_content, version_sort_key

ARCHIVE_DIR = "versions"
CURRENT_LINK = "current"


@dataclass(frozen=True)
class TreeFile:
    key: str  # "system/story_generation"
    path: Path
    where: str  # how messages name it: "prompts/system/story_generation.yaml"
    release: str | None = None  # the archive directory's label ("1.1"), None for current files

    def read(self) -> str:
        return normalise_content(self.path.read_text(encoding="utf-8"))


def _where(root: Path, path: Path) -> str:
    return f"{root.name}/{path.relative_to(root).as_posix()}"


def current_files(root: Path) -> list[TreeFile]:
    files = []
    for kind in KINDS:
        for path in sorted((root / kind).glob("*.yaml")):
            files.append(TreeFile(key=f"{kind}/{path.stem}", path=path, where=_where(root, path)))
    return files


def release_dirs(root: Path) -> list[Path]:
    """Archive directories ``versions/v<label>`` in version order (the pointer excluded)."""
    base = root / ARCHIVE_DIR
    if not base.is_dir():
        return []
    dirs = [
        d
        for d in base.iterdir()
        if d.name != CURRENT_LINK and d.is_dir() and not d.is_symlink() and d.name.startswith("v")
    ]
    return sorted(dirs, key=lambda d: version_sort_key(d.name[1:]))


def archive_files(root: Path) -> list[TreeFile]:
    files = []
    for directory in release_dirs(root):
        for kind in KINDS:
            for path in sorted((directory / kind).glob("*.yaml")):
                files.append(
                    TreeFile(
                        key=f"{kind}/{path.stem}",
                        path=path,
                        where=_where(root, path),
                        release=directory.name[1:],
                    )
                )
    return files


def current_link_target(root: Path) -> Path | None:
    link = root / ARCHIVE_DIR / CURRENT_LINK
    if not link.exists():
        return None
    return link.resolve()


def write_if_changed(path: Path, content: str) -> bool:
    content = normalise_content(content)
    if path.exists() and normalise_content(path.read_text(encoding="utf-8")) == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)  # atomic: a reader never sees half a file
    return True


def point_current(root: Path, label: str) -> bool:
    """Make ``versions/current`` a relative symlink to ``v<label>``."""
    link = root / ARCHIVE_DIR / CURRENT_LINK
    target = f"v{label}"
    if link.is_symlink() and os.readlink(link) == target:
        return False
    tmp = link.with_name(CURRENT_LINK + ".tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(target)
    os.replace(tmp, link)
    return True
