"""Provider parameters: what each AI provider accepts, its bounds, and the fallback chain."""

from __future__ import annotations

from typing import Any

from mira.config_file import ConfigFileError, config_section

from .issues import _Collector, _number

# What each provider accepts, with bounds from its API reference. A key not listed here is a
# typo or a parameter we do not pass through, and is refused.
_OPENAI = {
    "model": str,
    "max_tokens": (int, 1, 16384),
    "temperature": (float, 0.0, 2.0),
    "top_p": (float, 0.0, 1.0),
    "frequency_penalty": (float, -2.0, 2.0),
    "presence_penalty": (float, -2.0, 2.0),
}
PARAMETER_RULES: dict[str, dict[str, Any]] = {
    "openai": _OPENAI,
    "azure": _OPENAI,
    "anthropic": {
        "model": str,
        "max_tokens": (int, 1, 8192),
        "temperature": (float, 0.0, 1.0),
        "top_p": (float, 0.0, 1.0),
        "top_k": (int, 1, 500),
    },
    "google": {
        "model": str,
        "max_output_tokens": (int, 1, 8192),
        "temperature": (float, 0.0, 2.0),
        "top_p": (float, 0.0, 1.0),
        "top_k": (int, 1, 500),
    },
    "local": {"model": str},
}


# Prompt files whose parameters go to an AI operation, and which one.
PROMPT_OPERATIONS = {
    "story_generation": "story_generation",
    "image_recognition": "image_recognition",
    "content_safety": "content_safety",
    "audio_transcription": "transcription",
}


def _sendable(provider: str, operation: str) -> frozenset[str] | None:
    """What the provider's adapter sends for ``operation``, asked of the AI layer through
    ``MIRA_PROMPT_PARAMETER_SENDERS`` (this app sits beside it and does not import it)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    dotted = getattr(settings, "MIRA_PROMPT_PARAMETER_SENDERS", "")
    if not dotted:
        return None
    return import_string(dotted)(provider, operation)


def _check_parameters(c: _Collector, providers: dict[str, Any]) -> None:
    params = c.doc.data.get("parameters")
    if params is None:
        c.add("missing 'parameters' (per provider; an empty mapping {} is fine)")
        return
    if not isinstance(params, dict):
        c.add("'parameters' must be a mapping of provider → settings", "parameters")
        return
    for provider, settings in params.items():
        path = ("parameters", provider)
        if provider == "fallback_strategy":
            _check_fallback(c, settings, providers)
            continue
        if provider not in providers:
            c.add(
                f"'{provider}' is not a provider in config/ai_providers.yaml "
                f"(known: {', '.join(sorted(providers))})",
                *path,
                "__key__",
            )
            continue
        rules = PARAMETER_RULES.get(provider)
        if rules is None:
            c.add(f"no parameter rules for provider '{provider}'", *path, "__key__")
            continue
        if settings is None:
            continue
        if not isinstance(settings, dict):
            c.add(f"parameters.{provider} must be a mapping", *path)
            continue
        operation = PROMPT_OPERATIONS.get(c.doc.name.rsplit("/", 1)[-1])
        sendable = _sendable(provider, operation) if operation else None
        for name, value in settings.items():
            rule = rules.get(name)
            where = (*path, name)
            if rule is not None and sendable is not None and name not in sendable:
                can = ", ".join(sorted(sendable)) or "none"
                c.add(
                    f"parameters.{provider}.{name} is declared but the {provider} adapter "
                    f"cannot send it for {operation} (it sends: {can})",
                    *where,
                    "__key__",
                )
                continue
            if rule is None:
                allowed = ", ".join(sorted(rules)) or "none"
                c.add(
                    f"'{name}' is not a {provider} parameter (allowed: {allowed})",
                    *where,
                    "__key__",
                )
            elif rule is str:
                models = _provider_models(providers, provider)
                if not isinstance(value, str) or not value:
                    c.add(f"parameters.{provider}.{name} must be a model name", *where)
                elif models and value not in models:
                    c.add(
                        f"model '{value}' is not configured for {provider} in "
                        f"config/ai_providers.yaml (configured: {', '.join(sorted(models))})",
                        *where,
                    )
            else:
                kind, low, high = rule
                ok = isinstance(value, int) if kind is int else _number(value)
                if not ok or isinstance(value, bool) or not low <= value <= high:
                    c.add(
                        f"parameters.{provider}.{name} must be {'an integer' if kind is int else 'a number'} "
                        f"between {low} and {high}, not {value!r}",
                        *where,
                    )


def _provider_models(providers: dict[str, Any], provider: str) -> set[str]:
    models = (providers.get(provider) or {}).get("models") or {}
    return {str(m.get("model")) for m in models.values() if isinstance(m, dict) and m.get("model")}


def _check_fallback(c: _Collector, chain: Any, providers: dict[str, Any]) -> None:
    path = ("parameters", "fallback_strategy")
    if not isinstance(chain, list) or not chain:
        c.add("fallback_strategy must be a non-empty list of {provider, model}", *path)
        return
    for index, step in enumerate(chain):
        where = (*path, index)
        if (
            not isinstance(step, dict)
            or "provider" not in step
            or set(step) - {"provider", "model"}
        ):
            c.add("each fallback_strategy step needs 'provider' (and optionally 'model')", *where)
            continue
        provider, model = step["provider"], step.get("model")
        if provider not in providers:
            c.add(f"fallback provider '{provider}' is not in config/ai_providers.yaml", *where)
        elif model is not None and model not in _provider_models(providers, provider):
            c.add(f"fallback model '{model}' is not configured for {provider}", *where, "model")


def configured_providers() -> dict[str, Any]:
    try:
        return config_section("providers")
    except ConfigFileError:
        return {}
