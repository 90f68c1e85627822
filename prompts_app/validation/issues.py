"""Issues and the collector every check reports through, with the field checks they share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..documents import PromptDocument
from ..sandbox import template_problems


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
