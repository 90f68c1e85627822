from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mira.errors import ApplicationError

if TYPE_CHECKING:
    from .validation import Issue


class PromptError(ApplicationError):
    """A prompt is missing, malformed, or failed to render; the message names it, its version
    and, for a missing variable, the variable."""

    code = "prompt_error"
    http_status = 500


class PromptInvalid(PromptError):
    """A prompt document (or the set it would join) failed validation. ``issues`` lists every
    problem with its file and line; nothing was stored."""

    code = "prompt_invalid"
    http_status = 400

    def __init__(self, issues: Sequence[Issue], *, limit: int = 20):
        self.issues = list(issues)
        shown = "\n".join(str(i) for i in self.issues[:limit])
        more = len(self.issues) - limit
        if more > 0:
            shown += f"\n... and {more} more"
        super().__init__(
            f"{len(self.issues)} problem(s) in the prompts:\n{shown}",
            extra={"problems": [str(i) for i in self.issues]},
        )


class PromptNotFound(PromptError):
    code = "prompt_not_found"
    http_status = 404


class NothingToRollBack(PromptError):
    code = "prompt_nothing_to_roll_back"
    http_status = 409
