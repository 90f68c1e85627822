from __future__ import annotations

from typing import Any

from rest_framework import status

from mira.errors import ApplicationError


class ExperimentInvalid(ApplicationError):
    """An experiment's definition is wrong; ``errors`` maps each field to its problems and
    nothing was stored."""

    code = "experiment_invalid"
    http_status = status.HTTP_400_BAD_REQUEST

    def __init__(self, errors: dict[str, list[str]], **kwargs: Any) -> None:
        self.errors = errors
        shown = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
        super().__init__(f"Invalid experiment: {shown}", extra={"errors": errors}, **kwargs)


class ExperimentConflict(ApplicationError):
    """The experiment is not in a state that allows this (ended, no winner, ...)."""

    code = "experiment_conflict"
    http_status = status.HTTP_409_CONFLICT
