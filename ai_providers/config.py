"""Load and validate ``config/ai_providers.yaml``.

``${VAR}`` and ``${VAR:-default}`` are interpolated from the environment. Any structural
mistake raises ``ConfigurationError`` naming the key path (``providers.openai.models...``),
so a bad file stops start-up with a message a person can act on.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings

from mira.config_file import (
    ConfigFileError,
    config_document,
    interpolate,
    read_document,
    reset_config_document,
)

from .errors import ConfigurationError
from .types import Operation

PRICE_UNITS = frozenset(
    {"input_token", "output_token", "character", "audio_minute", "audio_second", "image", "request"}
)
# Keys that hold credentials: a provider with any of these empty is not configured.
CREDENTIAL_KEYS = ("api_key", "credentials_path")


@dataclass(frozen=True)
class ModelSettings:
    model: str
    prices: dict[str, Any]  # unit -> Decimal, or for "image": "size/quality" -> Decimal
    options: dict[str, Any] = field(default_factory=dict)  # voice, size, quality, ...


@dataclass(frozen=True)
class ProviderSettings:
    name: str
    quality_rank: int
    models: dict[Operation, ModelSettings]
    options: dict[str, Any]  # api_key, base_url, region, rate_limits, ...
    missing_credentials: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        return not self.missing_credentials


@dataclass(frozen=True)
class OperationRoute:
    operation: Operation
    chain: tuple[str, ...]
    timeout_seconds: float


@dataclass(frozen=True)
class AIConfig:
    version: str
    environment: str
    routes: dict[Operation, OperationRoute]
    providers: dict[str, ProviderSettings]
    raw: dict[str, Any]  # the interpolated document, for sections other apps read

    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name) or {}
        return value if isinstance(value, dict) else {}


def _require_mapping(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigurationError(f"{path}: expected a mapping, got {type(value).__name__}")
    return value


def _decimal(value: Any, path: str) -> Decimal:
    if isinstance(value, float):
        # YAML floats are binary; go through repr so 0.000015 stays 0.000015.
        value = repr(value)
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ConfigurationError(f"{path}: {value!r} is not a number") from None
    if not result.is_finite() or result < 0:
        raise ConfigurationError(f"{path}: must be a non-negative number, got {value!r}")
    return result


def _parse_prices(raw: Any, path: str) -> dict[str, Any]:
    prices: dict[str, Any] = {}
    for unit, value in _require_mapping(raw or {}, path).items():
        if unit not in PRICE_UNITS:
            raise ConfigurationError(
                f"{path}.{unit}: unknown price unit (expected one of {', '.join(sorted(PRICE_UNITS))})"
            )
        if unit == "image" and isinstance(value, dict):
            prices[unit] = {str(k): _decimal(v, f"{path}.image.{k}") for k, v in value.items()}
        else:
            prices[unit] = _decimal(value, f"{path}.{unit}")
    return prices


def _operation(name: Any, path: str) -> Operation:
    try:
        return Operation(name)
    except ValueError:
        known = ", ".join(o.value for o in Operation)
        raise ConfigurationError(
            f"{path}: unknown operation {name!r} (expected one of {known})"
        ) from None


def parse_config(document: Any) -> AIConfig:
    doc = _require_mapping(interpolate(document), "<root>")

    providers: dict[str, ProviderSettings] = {}
    for name, raw in _require_mapping(doc.get("providers"), "providers").items():
        path = f"providers.{name}"
        raw = _require_mapping(raw, path)
        models: dict[Operation, ModelSettings] = {}
        for op_name, model_raw in _require_mapping(
            raw.get("models") or {}, f"{path}.models"
        ).items():
            mpath = f"{path}.models.{op_name}"
            operation = _operation(op_name, mpath)
            model_raw = _require_mapping(model_raw, mpath)
            model = model_raw.get("model")
            if not isinstance(model, str) or not model:
                raise ConfigurationError(f"{mpath}.model: a model name is required")
            options = {k: v for k, v in model_raw.items() if k not in {"model", "prices"}}
            voices = options.get("voices")
            if voices is not None and (
                not isinstance(voices, dict)
                or not all(isinstance(v, str) and v for v in voices.values())
            ):
                raise ConfigurationError(
                    f"{mpath}.voices: expected a mapping of language code to voice name"
                )
            models[operation] = ModelSettings(
                model=model,
                prices=_parse_prices(model_raw.get("prices"), f"{mpath}.prices"),
                options=options,
            )
        rank = raw.get("quality_rank", 5)
        if not isinstance(rank, int) or isinstance(rank, bool):
            raise ConfigurationError(f"{path}.quality_rank: expected a whole number, got {rank!r}")
        missing = tuple(k for k in CREDENTIAL_KEYS if k in raw and not raw.get(k))
        options = {k: v for k, v in raw.items() if k not in {"models", "quality_rank"}}
        providers[name] = ProviderSettings(
            name=name,
            quality_rank=rank,
            models=models,
            options=options,
            missing_credentials=missing,
        )

    routes: dict[Operation, OperationRoute] = {}
    for op_name, raw in _require_mapping(doc.get("operations"), "operations").items():
        path = f"operations.{op_name}"
        operation = _operation(op_name, path)
        raw = _require_mapping(raw, path)
        primary = raw.get("primary")
        fallbacks = raw.get("fallbacks") or []
        if not isinstance(fallbacks, list):
            raise ConfigurationError(f"{path}.fallbacks: expected a list of provider names")
        chain = tuple(dict.fromkeys([primary, *fallbacks]))
        for i, provider in enumerate(chain):
            where = f"{path}.primary" if i == 0 else f"{path}.fallbacks"
            if provider not in providers:
                raise ConfigurationError(f"{where}: unknown provider {provider!r}")
            if operation not in providers[provider].models:
                raise ConfigurationError(
                    f"{where}: provider {provider!r} has no model for {operation.value} "
                    f"(add providers.{provider}.models.{operation.value})"
                )
        timeout = raw.get("timeout_seconds", 60)
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
            raise ConfigurationError(f"{path}.timeout_seconds: expected a positive number")
        routes[operation] = OperationRoute(
            operation=operation, chain=chain, timeout_seconds=float(timeout)
        )

    missing_routes = [o.value for o in Operation if o not in routes]
    if missing_routes:
        raise ConfigurationError(f"operations: no route for {', '.join(missing_routes)}")

    return AIConfig(
        version=str(doc.get("version", "")),
        environment=str(doc.get("environment", "")),
        routes=routes,
        providers=providers,
        raw=doc,
    )


def load_config_file(path: Path) -> AIConfig:
    try:
        document = read_document(path)
    except ConfigFileError as exc:
        raise ConfigurationError(str(exc)) from None
    try:
        return parse_config(document)
    except ConfigurationError as exc:
        raise ConfigurationError(f"{path}: {exc}") from None


_lock = threading.Lock()
_cached: AIConfig | None = None


def get_config() -> AIConfig:
    """The process-wide parsed config, loaded once (``reset_config`` drops it, e.g. in tests)."""
    global _cached
    if _cached is None:
        with _lock:
            if _cached is None:
                try:
                    _cached = parse_config(config_document())
                except ConfigFileError as exc:
                    raise ConfigurationError(str(exc)) from None
                except ConfigurationError as exc:
                    raise ConfigurationError(f"{settings.MIRA_AI_PROVIDERS_FILE}: {exc}") from None
    return _cached


def reset_config() -> None:
    global _cached
    with _lock:
        _cached = None
    reset_config_document()
