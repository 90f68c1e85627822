"""Provider names → classes, imported only when a provider is configured and used.

Only the gateway calls into this module; nothing else imports a vendor.
"""

from __future__ import annotations

import logging
import threading

from django.utils.module_loading import import_string

from .config import AIConfig, get_config
from .errors import ConfigurationError
from .providers.base import Provider
from .types import Operation

logger = logging.getLogger(__name__)

PROVIDER_CLASSES: dict[str, str] = {
    "local": "ai_providers.providers.local.provider.LocalProvider",
    "openai": "ai_providers.providers.openai.OpenAIProvider",
    "anthropic": "ai_providers.providers.anthropic.AnthropicProvider",
    "google": "ai_providers.providers.google.GoogleProvider",
    "azure": "ai_providers.providers.azure.AzureProvider",
}

_lock = threading.Lock()
_instances: dict[str, Provider] = {}
_logged_missing: set[str] = set()


def provider_get(name: str, config: AIConfig | None = None) -> Provider | None:
    """The provider called ``name``, or None when it is not configured (no credentials)."""
    config = config or get_config()
    settings = config.providers.get(name)
    if settings is None:
        raise ConfigurationError(f"providers.{name}: not in the configuration")
    if not settings.configured:
        if name not in _logged_missing:
            _logged_missing.add(name)
            logger.info(
                "AI provider %s left out: %s not set", name, ", ".join(settings.missing_credentials)
            )
        return None
    with _lock:
        instance = _instances.get(name)
        if instance is None or instance.settings is not settings:
            # ``adapter:`` in the file names a class for a provider we do not ship, e.g. a second
            # OpenAI-compatible server under another name.
            dotted = settings.options.get("adapter") or PROVIDER_CLASSES.get(name)
            if dotted is None:
                raise ConfigurationError(
                    f"providers.{name}: no adapter is registered for this name"
                )
            instance = import_string(dotted)(settings)
            _instances[name] = instance
    return instance


def provider_chain(operation: Operation, config: AIConfig | None = None) -> list[Provider]:
    """Configured providers for ``operation`` in the configured order."""
    config = config or get_config()
    chain = []
    for name in config.routes[operation].chain:
        provider = provider_get(name, config)
        if provider is not None and provider.supports(operation):
            chain.append(provider)
    return chain


def reset_registry() -> None:
    with _lock:
        _instances.clear()
        _logged_missing.clear()


def sendable_parameters(provider: str, operation: str) -> frozenset[str] | None:
    """The prompt parameters ``provider``'s adapter sends for ``operation``; None when no
    adapter is registered under that name (check_prompts asks, through
    ``MIRA_PROMPT_PARAMETER_SENDERS``)."""
    dotted = PROVIDER_CLASSES.get(provider)
    if dotted is None:
        return None
    adapter = import_string(dotted)
    return adapter.sendable_parameters.get(Operation(operation), frozenset())
