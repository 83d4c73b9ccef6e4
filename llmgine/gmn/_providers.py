"""Which models a GMN factory fails over between, from a FreeAgentics-style config.

The config is the mapping FreeAgentics' ``LLMProviderFactory`` takes: ``provider``
(``auto``, ``openai``, ``anthropic``, ``ollama``, ``mock``; ``$LLM_PROVIDER`` when absent)
and a section per provider (``model``, ``api_key``, ``base_url``, ``timeout``,
``max_retries``). llmgine adds ``models``, a list of ``provider:model`` names tried in
that order, for any provider llmgine has (``xai:grok-beta``).

``auto`` starts from ``detect_model()`` (``LLMGINE_MODEL``, an API key, a local Ollama),
then adds the providers whose key the config or the settings hold (the environment,
``.env``), then an Ollama the config names; with none of them, the offline stand-in. A
provider without its key, or that cannot be built, is left out of the failover and
reported by the health check; one without a key is not even imported, so that an offline
run does not load the OpenAI and Anthropic SDKs. Choosing the names (``plan``) is a plain
function; building them is the effect.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from llmgine.llm import (
    ANTHROPIC_DEFAULT,
    OFFLINE_MODEL,
    OPENAI_DEFAULT,
    LLMError,
    LLMProvider,
    RetryingProvider,
    RetryPolicy,
    resolve_model,
)

logger = logging.getLogger("llmgine.gmn.factory")

PROVIDER_CHOICES = ("auto", "openai", "anthropic", "ollama", "mock", "offline")
_DEFAULT_MODELS = {
    "openai": OPENAI_DEFAULT,
    "anthropic": ANTHROPIC_DEFAULT,
    "ollama": "ollama:llama3.2",
}
_KEYED = ("openai", "anthropic")
_OPTIONS = ("api_key", "base_url", "timeout")
_READ_ELSEWHERE = ("model", "max_retries", "temperature")
_DEFAULT_ATTEMPTS = 3


def provider_choice(config: Mapping[str, Any]) -> str:
    """``config["provider"]``, else ``$LLM_PROVIDER``, else ``auto``; checked."""
    choice = str(config.get("provider") or os.environ.get("LLM_PROVIDER") or "auto").lower()
    if choice not in PROVIDER_CHOICES:
        raise ValueError(
            f"unknown provider {choice!r}; choose one of {', '.join(PROVIDER_CHOICES)}, or "
            "list models as 'provider:model' names under 'models'"
        )
    return choice


def model_of(config: Mapping[str, Any], prefix: str) -> str:
    """The model of ``prefix`` the config names (its section's ``model``), or the default."""
    section = config.get(prefix) or {}
    if section.get("model"):
        return f"{prefix}:{section['model']}"
    return _DEFAULT_MODELS.get(prefix, OFFLINE_MODEL)


def plan(config: Mapping[str, Any], detected: str | None) -> list[str]:
    """The models to try, in order, before knowing which can be built. ``detected`` is what
    ``detect_model()`` found (needed for ``auto`` only)."""
    listed: Sequence[str] = config.get("models") or ()
    if listed:
        return list(dict.fromkeys(listed))
    choice = provider_choice(config)
    if choice in ("mock", "offline"):
        return [OFFLINE_MODEL]
    names: list[str] = []
    if choice != "auto":
        names.append(model_of(config, choice))
    elif detected is not None and not detected.startswith(("offline:", "ollama:")):
        names.append(_configured(config, detected))
    names += [model_of(config, prefix) for prefix in _KEYED]
    if "ollama" in config or (choice == "auto" and (detected or "").startswith("ollama:")):
        names.append(model_of(config, "ollama") if "ollama" in config else str(detected))
    return _one_per_provider(names)


@dataclass(frozen=True)
class Built:
    """The providers that could be built, in order, and why the others could not."""

    providers: list[LLMProvider]
    unavailable: dict[str, str]
    """Model name -> the error that kept it out."""


def build(
    names: Sequence[str],
    config: Mapping[str, Any],
    keys: Callable[[str], str | None],
    *,
    auto: bool,
) -> Built:
    """Build each model of ``names`` with its section's options, wrapped in retries;
    ``keys(prefix)`` is the key the settings hold for a provider, if any.

    A provider that cannot be built is only reported (most machines hold one key, not
    two), unless it is the one explicitly chosen (not ``auto``): that one raises, saying
    which key it lacks.
    """
    providers: list[LLMProvider] = []
    unavailable: dict[str, str] = {}
    for position, name in enumerate(names):
        prefix = name.partition(":")[0]
        key = (config.get(prefix) or {}).get("api_key") or keys(prefix)
        if prefix in _KEYED and not key and (auto or position > 0):
            variable = f"{prefix.upper()}_API_KEY"
            unavailable[name] = f"no API key: set {variable} (or LLMGINE_{variable})"
            continue
        try:
            providers.append(_built(name, config, key))
        except (LLMError, ValueError) as exc:
            if position == 0 and not auto:
                raise
            unavailable[name] = str(exc)
    if not providers:
        providers.append(resolve_model(OFFLINE_MODEL))
    return Built(providers, unavailable)


def temperature_of(config: Mapping[str, Any], primary: str, default: float) -> float:
    """The top-level ``temperature``, else the primary provider's section's, else ``default``."""
    section = config.get(primary.partition(":")[0]) or {}
    value = config.get("temperature", section.get("temperature", default))
    return float(value)


def _built(name: str, config: Mapping[str, Any], key: str | None) -> LLMProvider:
    prefix = name.partition(":")[0]
    section: Mapping[str, Any] = config.get(prefix) or {}
    ignored = sorted(set(section) - set(_OPTIONS) - set(_READ_ELSEWHERE))
    if ignored:
        logger.warning("%s: ignoring %s, which llmgine's providers do not take", name, ignored)
    options = {option: section[option] for option in _OPTIONS if section.get(option) is not None}
    if key:
        options["api_key"] = key
    provider = resolve_model(name, **options)
    attempts = int(section.get("max_retries", _DEFAULT_ATTEMPTS))
    if attempts > 1 and prefix != "offline":
        provider = RetryingProvider(provider, RetryPolicy(max_attempts=attempts))
    return provider


def _configured(config: Mapping[str, Any], detected: str) -> str:
    """The detected model, or the one the config names for the same provider."""
    prefix = detected.partition(":")[0]
    section = config.get(prefix) or {}
    return model_of(config, prefix) if section.get("model") else detected


def _one_per_provider(names: list[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for name in names:
        prefix = name.partition(":")[0]
        if prefix not in seen:
            seen.add(prefix)
            kept.append(name)
    return kept
