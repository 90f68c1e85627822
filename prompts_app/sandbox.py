"""The Jinja2 sandbox prompt templates run in, and the static checks that refuse escapes.

Templates are written by the content team in the admin, so they are untrusted code. They run
in ``ImmutableSandboxedEnvironment`` (no attribute writes, no mutation of lists or dicts,
unsafe attributes raise) with ``StrictUndefined`` (a missing variable is an error, never an
empty string). On top of the sandbox, ``template_problems`` refuses, before anything is saved,
the constructs that only ever serve to probe it: ``str.format``/``format_map``, the ``attr``
filter, dunder or private attribute access, ``include``/``import``/``extends``, and filters
outside a small allow-list. The sandbox stays the enforcement; the static check gives the
author a clear message naming the line.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

ALLOWED_FILTERS = frozenset(
    {
        "capitalize",
        "center",
        "count",
        "d",
        "default",
        "first",
        "indent",
        "int",
        "join",
        "last",
        "length",
        "list",
        "lower",
        "replace",
        "reverse",
        "round",
        "sort",
        "string",
        "title",
        "trim",
        "truncate",
        "unique",
        "upper",
        "wordcount",
    }
)
FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map", "mro", "func_globals", "gi_frame"})
COMPILED_CACHE_SIZE = 256


class TemplateProblem(Exception):
    """A template cannot be used; ``line`` is 1-based inside the template when known."""

    def __init__(self, message: str, *, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # prompts are plain text, not HTML
        trim_blocks=True,  # "{% for %}" lines leave no blank line behind
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    # No globals: range/lipsum/cycler/joiner/namespace are not needed in prompts, and each is
    # one more object to reason about inside the sandbox.
    env.globals.clear()
    return env


ENV = _environment()


def _describe(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_describe(node.node)}.{node.attr}"
    return "a value"


def template_problems(source: str) -> list[TemplateProblem]:
    """Syntax errors and refused constructs in ``source``; empty when it is usable."""
    try:
        tree = ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return [TemplateProblem(f"template syntax: {exc.message}", line=exc.lineno)]
    problems: list[TemplateProblem] = []
    for node in tree.find_all(
        (
            nodes.Getattr,
            nodes.Getitem,
            nodes.Filter,
            nodes.Include,
            nodes.Import,
            nodes.FromImport,
            nodes.Extends,
        )
    ):
        line = node.lineno
        if isinstance(node, nodes.Include | nodes.Import | nodes.FromImport | nodes.Extends):
            problems.append(
                TemplateProblem("include/import/extends are not available in prompts", line=line)
            )
        elif isinstance(node, nodes.Getattr):
            if node.attr.startswith("_"):
                problems.append(
                    TemplateProblem(
                        f"'{_describe(node)}': attributes starting with '_' (dunder or private) "
                        "are refused in prompts",
                        line=line,
                    )
                )
            elif node.attr in FORBIDDEN_ATTRIBUTES:
                problems.append(
                    TemplateProblem(
                        f"'{_describe(node)}': str.{node.attr} and similar calls are refused in "
                        "prompts; write {{ variable }} instead",
                        line=line,
                    )
                )
        elif isinstance(node, nodes.Getitem):
            index = node.arg
            if (
                isinstance(index, nodes.Const)
                and isinstance(index.value, str)
                and (index.value.startswith("_") or index.value in FORBIDDEN_ATTRIBUTES)
            ):
                problems.append(
                    TemplateProblem(
                        f"[{index.value!r}]: keys starting with '_' and format lookups are "
                        "refused in prompts",
                        line=line,
                    )
                )
        elif isinstance(node, nodes.Filter):
            if node.name == "attr":
                problems.append(
                    TemplateProblem(
                        "the |attr filter is refused in prompts: use {{ value.name }}", line=line
                    )
                )
            elif node.name not in ALLOWED_FILTERS:
                problems.append(
                    TemplateProblem(
                        f"the |{node.name} filter is not available in prompts (allowed: "
                        f"{', '.join(sorted(ALLOWED_FILTERS))})",
                        line=line,
                    )
                )
    return problems


_compiled: OrderedDict[str, jinja2.Template] = OrderedDict()
_compiled_lock = threading.Lock()


def compiled(source: str, *, cache_key: str) -> jinja2.Template:
    """The compiled template for ``source``, cached under ``cache_key`` (a content hash plus
    the template's place in the document). Refused constructs raise ``TemplateProblem``."""
    with _compiled_lock:
        template = _compiled.get(cache_key)
        if template is not None:
            _compiled.move_to_end(cache_key)
            return template
    problems = template_problems(source)
    if problems:
        raise problems[0]
    template = ENV.from_string(source)
    with _compiled_lock:
        _compiled[cache_key] = template
        while len(_compiled) > COMPILED_CACHE_SIZE:
            _compiled.popitem(last=False)
    return template


def compiled_cache_info() -> dict[str, int]:
    with _compiled_lock:
        return {"size": len(_compiled), "max": COMPILED_CACHE_SIZE}


def error_line(exc: BaseException) -> int | None:
    """The template line a render-time error happened on. Jinja rewrites tracebacks so that
    template frames carry template line numbers under the file name "<template>"."""
    line = getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render(template: jinja2.Template, context: dict[str, Any]) -> str:
    """Render; raises ``jinja2.UndefinedError`` / ``SecurityError`` for the caller to name."""
    return template.render(context).strip()
