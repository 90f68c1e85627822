import shutil
from pathlib import Path

from django.conf import settings

from prompts_app.services import prompts_sync

SHIPPED = Path(settings.MIRA_PROMPTS_DIR)


def copy_tree(tmp_path: Path) -> Path:
    """A private copy of the shipped tree (the versions/current symlink kept as a link)."""
    root = tmp_path / "prompts"
    shutil.copytree(SHIPPED, root, symlinks=True)
    return root


def sync(root: Path | None = None, **kwargs):
    return prompts_sync(root=root or SHIPPED, **kwargs)


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))
