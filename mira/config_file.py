"""The project's configuration file, ``config/ai_providers.yaml``, read once per process.

Several apps read sections of it (``ai_providers`` its providers and routes, ``usage`` its tiers
and thresholds, ``remoteconfig`` its feature defaults); this module only loads the YAML and
interpolates ``${VAR}`` / ``${VAR:-default}`` from the environment. Each app validates its own
section and names the bad key when it is wrong. Imports no app.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

_ENV_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigFileError(Exception):
    """The file is missing, unreadable or not YAML; the message names the file."""


def interpolate(value: Any) -> Any:
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            found = os.environ.get(match.group(1))
            if not found:
                return match.group(2) if match.group(2) is not None else ""
            return found

        return _ENV_PATTERN.sub(replace, value)
    if isinstance(value, dict):
        return {k: interpolate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v) for v in value]
    return value


def read_document(path: Path) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigFileError(f"cannot read {path}: {exc.strerror}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise ConfigFileError(f"{path}: expected a mapping at the top level")
    return interpolate(document)


_lock = threading.Lock()
_document: dict[str, Any] | None = None


def config_document() -> dict[str, Any]:
    """The interpolated document of ``settings.MIRA_AI_PROVIDERS_FILE``, cached per process."""
    global _document
    if _document is None:
        with _lock:
            if _document is None:
                _document = read_document(settings.MIRA_AI_PROVIDERS_FILE)
    return _document


def config_section(name: str) -> dict[str, Any]:
    value = config_document().get(name) or {}
    return value if isinstance(value, dict) else {}


def reset_config_document() -> None:
    global _document
    with _lock:
        _document = None
