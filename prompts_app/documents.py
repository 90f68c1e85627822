"""Prompt documents: the YAML text of one prompt file, parsed, with the line of every key.

A prompt is identified by its path in the tree without ``.yaml`` (``system/story_generation``,
``user_context/kid_profiles``, ``story_types/adventure``, ``experiments/prompt_variants``); the
first segment is its kind. Line numbers are kept so every validation message can say
``prompts/system/story_generation.yaml, line 14: ...``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import yaml

from mira.vocabulary import READING_LIMITS

KIND_SYSTEM = "system"
KIND_USER_CONTEXT = "user_context"
KIND_STORY_TYPE = "story_types"
KIND_EXPERIMENT = "experiments"
KINDS = (KIND_SYSTEM, KIND_USER_CONTEXT, KIND_STORY_TYPE, KIND_EXPERIMENT)

# "1.2", "1.2.1", "1.3-lean": what authors write in ``version:``. Kept to 11 characters so the
# stored label, which may gain "+<7 hex>" (see ``version_label``), fits the 20-character
# ``prompt_version`` columns of stories and AI operations.
DECLARED_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?(-[a-z0-9]+)?$")
DECLARED_VERSION_MAX = 11
KEY_PATTERN = re.compile(r"^(system|user_context|story_types|experiments)/[a-z0-9_]+$")


class DocumentError(Exception):
    """The text is not a usable prompt document; ``line`` is 1-based when known."""

    def __init__(self, message: str, *, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def normalise_content(content: str) -> str:
    """One canonical text per content: Unix newlines, exactly one trailing newline. The hash
    is taken of this, so an editor that adds \\r\\n does not make a "new" version."""
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n"


def content_hash(content: str) -> str:
    return hashlib.sha256(normalise_content(content).encode("utf-8")).hexdigest()


def kind_of(key: str) -> str:
    return key.split("/", 1)[0]


def key_for_prompt_type(prompt_type: str) -> str:
    """``story_generation`` → ``system/story_generation``; full keys pass through."""
    return prompt_type if "/" in prompt_type else f"{KIND_SYSTEM}/{prompt_type}"


def _line_map(node: yaml.Node, path: tuple = (), out: dict | None = None) -> dict[tuple, Any]:
    """Path tuple → the composed node, for every mapping value and sequence item."""
    out = {} if out is None else out
    out[path] = node
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[(*path, key, "__key__")] = key_node
            _line_map(value_node, (*path, key), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, (*path, index), out)
    return out


@dataclass(frozen=True)
class PromptDocument:
    """Parsed YAML of one prompt file. ``data`` is the plain mapping."""

    key: str
    content: str
    data: dict[str, Any]
    nodes: dict[tuple, Any] = field(repr=False, compare=False)

    @property
    def kind(self) -> str:
        return kind_of(self.key)

    @property
    def name(self) -> str:
        return self.key.split("/", 1)[1]

    @property
    def declared_version(self) -> str:
        return str(self.data.get("version", ""))

    @cached_property
    def content_hash(self) -> str:
        return content_hash(self.content)

    def line(self, *path: Any) -> int | None:
        """1-based line of the value at ``path``, or of its nearest existing parent."""
        for end in range(len(path), -1, -1):
            node = self.nodes.get(tuple(path[:end]))
            if node is not None:
                return node.start_mark.line + 1
        return None

    def template_line(self, path: tuple, template_line: int | None) -> int | None:
        """The file line of line ``template_line`` (1-based) inside the string at ``path``."""
        node = self.nodes.get(path)
        if node is None:
            return None
        first = node.start_mark.line + 1
        # A block scalar ("|" or ">") starts on the line after its indicator.
        if getattr(node, "style", None) in ("|", ">"):
            first += 1
        return first + max((template_line or 1) - 1, 0)


def parse_document(key: str, content: str) -> PromptDocument:
    """Parse ``content``; raise ``DocumentError`` with the line for YAML and shape errors."""
    if not KEY_PATTERN.match(key):
        raise DocumentError(
            f"{key!r} is not a prompt key: expected <kind>/<name> with kind one of "
            f"{', '.join(KINDS)} and a lower-case name"
        )
    text = normalise_content(content)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise DocumentError(
            f"not valid YAML: {problem}", line=mark.line + 1 if mark else None
        ) from None
    if not isinstance(data, dict) or root is None:
        raise DocumentError("expected a mapping (key: value lines) at the top level", line=1)
    return PromptDocument(key=key, content=text, data=data, nodes=_line_map(root))


def version_sort_key(label: str) -> tuple:
    """Order "1.2" < "1.2.1" < "1.3-lean" < "1.10"; unparsable labels sort last."""
    base = label.split("+", 1)[0]
    match = re.match(r"^(\d+)\.(\d+)(?:\.(\d+))?(?:-([a-z0-9]+))?$", base)
    if not match:
        return (1, (), label)
    major, minor, patch, suffix = match.groups()
    return (0, (int(major), int(minor), int(patch or 0), 1 if suffix else 0, suffix or ""), label)


# The quality checks a prompt may ask for; ``stories.quality`` implements exactly these (a test
# holds the two lists together), so the content team cannot name a check that does not exist.
QUALITY_ELEMENTS = (
    "child_name_mentioned",
    "positive_ending",
    "age_appropriate_vocabulary",
    "avoid_topics_respected",
)
CONTENT_FILTERS = ("no_violence", "no_scary_themes", "no_inappropriate_content", "family_friendly")
VOCABULARY_LIMITS = READING_LIMITS

# Variables that carry text a parent typed. They may only appear in a user_template, inside a
# <data>...</data> block; the system role never sees them.
USER_TYPED_VARIABLES = (
    "kid_name",
    "kid_interests",
    "special_requests",
    "avoid_topics",
    "content_preferences",
    "educational_focus",
    "accessibility_needs",
    "image_description",
    "text",
)
