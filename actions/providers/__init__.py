"""AI providers: `get_provider(name, **config)` returns the local (offline) or the OpenAI implementation."""

from __future__ import annotations

from typing import Any

from actions.providers.base import (
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
    "get_provider",
    "provider_class",
    "PROVIDER_CONFIG_KEYS",
]

PROVIDER_CONFIG_KEYS: dict[str, frozenset[str]] = {
    "local": frozenset({"latency", "prompt_overrides", "sleep"}),
    "openai": frozenset(
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
}


def provider_class(name: str) -> type[Provider]:
    """The provider class of a name (for what it declares, such as its expected output ratios)."""
    key = (name or "").strip().lower()
    if key == "local":
        from actions.providers.local import LocalProvider

        return LocalProvider
    if key == "openai":
        from actions.providers.openai_provider import OpenAIProvider

        return OpenAIProvider
    raise ValueError(f"unknown AI provider {name!r}; expected one of {sorted(PROVIDER_CONFIG_KEYS)}")


def get_provider(name: str, **config: Any) -> Provider:
    """Build a provider; None values mean "use the default", keys meant for the other provider are ignored."""
    key = (name or "").strip().lower()
    if key not in PROVIDER_CONFIG_KEYS:
        raise ValueError(f"unknown AI provider {name!r}; expected one of {sorted(PROVIDER_CONFIG_KEYS)}")
    every_key = frozenset().union(*PROVIDER_CONFIG_KEYS.values())
    unknown = sorted(set(config) - every_key)
    if unknown:
        raise ValueError(f"unknown provider config key(s) {unknown}; expected some of {sorted(every_key)}")
    options = {k: v for k, v in config.items() if k in PROVIDER_CONFIG_KEYS[key] and v is not None}
    if "prompt_overrides" in options:
        from actions.providers.prompts import validate_prompt_overrides

        validate_prompt_overrides(options["prompt_overrides"])
    if key == "local":
        from actions.providers.local import LocalProvider

        return LocalProvider(**options)
    from actions.providers.openai_provider import OpenAIProvider

    return OpenAIProvider(**options)
