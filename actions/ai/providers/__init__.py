"""AI providers, registered by name in `providers`: `get_provider(name, **config)` builds one (the offline
`local` default, `openai`)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from actions.ai.providers.base import (
    ArticleIn,
    ArticleOut,
    ClusterIn,
    ClusterOut,
    ContentBrief,
    IdeaOut,
    ImageOut,
    ImagePromptOut,
    KeywordIn,
    Provider,
    ProviderError,
    ProviderResult,
    Usage,
)
from actions.ai.providers.prompts import validate_prompt_overrides
from rules.core.registry import Registry

__all__ = [
    "ArticleIn",
    "ArticleOut",
    "ClusterIn",
    "ClusterOut",
    "ContentBrief",
    "IdeaOut",
    "ImageOut",
    "ImagePromptOut",
    "KeywordIn",
    "Provider",
    "ProviderError",
    "ProviderResult",
    "Usage",
    "ProviderEntry",
    "get_provider",
    "provider_class",
    "providers",
]


@dataclass(frozen=True)
class ProviderEntry:
    """A registered provider: where its class is (imported on first use: the SDKs behind it are heavy to load),
    the config keys it takes, and which of them come from settings (a mapping of settings to its config)."""

    path: str  # "module:Class"
    config_keys: frozenset[str]
    from_settings: Callable[[Any], dict[str, Any]] = field(default=lambda settings: {})

    def load(self) -> type[Provider]:
        module, _, name = self.path.partition(":")
        cls: type[Provider] = getattr(importlib.import_module(module), name)
        return cls


# Adding a provider: a module with a Provider subclass, and one entry here (or, for a deployment's own provider,
# `providers.register(...)` in a module named in AUTOMATION_EXTRA_ACTION_MODULES).
providers: Registry[ProviderEntry] = Registry("AI provider")
providers.register(
    "local",
    ProviderEntry(
        "actions.ai.providers.local:LocalProvider",
        config_keys=frozenset({"latency", "prompt_overrides", "sleep"}),
        from_settings=lambda settings: {"latency": settings.AI_LOCAL_LATENCY or None},
    ),
)
providers.register(
    "openai",
    ProviderEntry(
        "actions.ai.providers.openai_provider:OpenAIProvider",
        config_keys=frozenset(
            {
                "api_key",
                "base_url",
                "timeout",
                "max_retries",
                "backoff_base",
                "backoff_max",
                "max_retry_wait",
                "text_model",
                "image_model",
                "models",
                "prompt_overrides",
                "sleep",
                "client",
            }
        ),
        from_settings=lambda settings: {
            "api_key": settings.OPENAI_API_KEY,
            "base_url": settings.OPENAI_BASE_URL,
            "timeout": settings.OPENAI_TIMEOUT,
            "max_retries": settings.OPENAI_MAX_RETRIES,
            "backoff_base": settings.OPENAI_BACKOFF_SECONDS,
            "models": settings.AI_MODELS or None,
        },
    ),
)


def _entry(name: str) -> ProviderEntry:
    entry = providers.find((name or "").strip().lower())
    if entry is None:
        raise ValueError(f"unknown AI provider {name!r}; expected one of {sorted(providers.keys())}")
    return entry


def provider_class(name: str) -> type[Provider]:
    """The provider class of a name (for what it declares, such as its expected output ratios)."""
    return _entry(name).load()


def get_provider(name: str, **config: Any) -> Provider:
    """Build a provider; None values mean "use the default", keys meant for another provider are ignored."""
    entry = _entry(name)
    every_key = frozenset().union(*(other.config_keys for other in providers))
    unknown = sorted(set(config) - every_key)
    if unknown:
        raise ValueError(f"unknown provider config key(s) {unknown}; expected some of {sorted(every_key)}")
    options = {k: v for k, v in config.items() if k in entry.config_keys and v is not None}
    if "prompt_overrides" in options:
        validate_prompt_overrides(options["prompt_overrides"])
    return entry.load()(**options)
