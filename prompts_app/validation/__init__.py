"""Validation of prompt documents, alone and as a set: what ``check_prompts`` and every admin
save run before anything is stored or published.

Each problem is an ``Issue`` naming the file and the line, e.g.
``prompts/system/story_generation.yaml, line 23: 'kid_name' is undefined (system, age 2-3, bedtime)``.
"""

from .issues import Issue
from .parameters import PARAMETER_RULES, configured_providers
from .samples import SENTINEL, render_matrix
from .schema import (
    HEADER_KEYS,
    PRIMARY_METRICS,
    READING_LEVELS,
    TOP_KEYS,
    validate_document,
    validate_text,
)
from .sets import REQUIRED_KEYS, validate_set, variant_document

__all__ = [
    "HEADER_KEYS",
    "PARAMETER_RULES",
    "PRIMARY_METRICS",
    "READING_LEVELS",
    "REQUIRED_KEYS",
    "SENTINEL",
    "TOP_KEYS",
    "Issue",
    "configured_providers",
    "render_matrix",
    "validate_document",
    "validate_set",
    "validate_text",
    "variant_document",
]
