"""Models from settings: which model an app runs on, and each provider built and wrapped.

The model is, first match wins: the one the app names, ``settings.model``, the default
model of a provider whose key the settings hold (OpenAI, then Anthropic), then
``detect_model()`` (a local Ollama, else the offline stand-in).

Every provider is built with what the settings say for its prefix (API key, base URL,
request timeout), then wrapped: in a ``RateLimitedProvider`` when
``rate_limit_requests_per_second`` is set, all models of the app sharing one budget, and
that in a ``RetryingProvider`` when ``retry_max_attempts`` is above 1, so each attempt waits
for its own token. Providers of prefixes registered by the app get no options, since their
factories may not take them; they are wrapped all the same.
"""

from __future__ import annotations

from typing import Any

from llmgine.config import Settings
from llmgine.llm import (
    ANTHROPIC_DEFAULT,
    OPENAI_DEFAULT,
    LLMProvider,
    RateLimit,
    RateLimitedProvider,
    RetryingProvider,
    RetryPolicy,
    detect_model,
    full_model_name,
    resolve_model,
    split_model_name,
)

_DEFAULT_MODELS = {"openai": OPENAI_DEFAULT, "anthropic": ANTHROPIC_DEFAULT}
_WITH_TIMEOUT = frozenset({"openai", "anthropic", "xai", "ollama"})


def settings_model(settings: Settings) -> str | None:
    """The model ``settings`` name (a bare ``gpt-4o`` with its provider added), or the
    default of a provider whose key they hold; None when they say nothing (then
    ``choose_model`` looks for a local server). Raises ``ValueError`` for a bare name of no
    known provider."""
    if settings.model:
        return full_model_name(settings.model)
    for provider, model in _DEFAULT_MODELS.items():
        if settings.api_key_for(provider):
            return model
    return None


async def choose_model(settings: Settings) -> str:
    """The model an app with ``settings`` runs on when it names none itself."""
    return settings_model(settings) or await detect_model()


class SettingsProviders:
    """Builds the provider of a model name from the settings: the engine's
    ``provider_factory``. Call it with ``provider:model``. ``options`` (``api_key``,
    ``base_url``, ``timeout``...) win over what the settings say, for every provider."""

    def __init__(self, settings: Settings, options: dict[str, Any] | None = None) -> None:
        self.settings = settings
        self.extra = dict(options or {})
        self.retry = RetryPolicy(
            max_attempts=settings.retry_max_attempts,
            initial_wait=settings.retry_initial_wait,
            max_wait=settings.retry_max_wait,
            multiplier=settings.retry_multiplier,
        )
        rate = settings.rate_limit_requests_per_second
        self.rate_limit = None if rate is None else RateLimit(rate, settings.rate_limit_burst_size)

    def __call__(self, name: str) -> LLMProvider:
        prefix, _ = split_model_name(name)
        return self.wrap(resolve_model(name, **self.options(prefix)))

    def options(self, prefix: str) -> dict[str, Any]:
        """What ``resolve_model`` gets for a model of ``prefix`` (secrets included: never log)."""
        settings = self.settings
        options: dict[str, Any] = {}
        key = settings.api_key_for(prefix)
        if key:
            options["api_key"] = key
        base_url = {
            "openai": settings.openai_base_url,
            "anthropic": settings.anthropic_base_url,
        }.get(prefix)
        if base_url:
            options["base_url"] = base_url
        if prefix in _WITH_TIMEOUT:
            options["timeout"] = settings.request_timeout
            options["max_reply_bytes"] = settings.max_reply_bytes
        return options | self.extra

    def wrap(self, provider: LLMProvider) -> LLMProvider:
        """``provider`` behind the rate limit and the retries the settings ask for."""
        if self.rate_limit is not None:
            provider = RateLimitedProvider(provider, self.rate_limit)
        if self.retry.max_attempts > 1:
            provider = RetryingProvider(provider, self.retry)
        return provider
