"""Model names of the form ``provider:model`` and the factories that serve each prefix.

``resolve_model("openai:gpt-4o-mini")`` finds the factory registered for ``openai`` and asks
it for a provider bound to ``gpt-4o-mini``. Only the first colon separates, so Ollama tags
survive (``ollama:llama3.2:3b``). The built-in adapters are imported on first use, so
naming a prefix costs nothing until a model of it is resolved.

People also write a model the way its maker does (``gpt-4o``, ``claude-haiku-4-5``):
``full_model_name`` adds the provider to such a bare name wherever a model is named (flags,
``LLMGINE_MODEL``, the chat's ``/model``), so every entry point accepts the same names.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any, Protocol

from llmgine.llm._provider import LLMProvider


class ProviderFactory(Protocol):
    """Makes a provider for ``model``; options are ``api_key``, ``base_url``, ``timeout``..."""

    def __call__(self, model: str, /, **options: Any) -> LLMProvider: ...


_BUILTIN: dict[str, str] = {
    "openai": "llmgine.llm._openai:openai_provider",
    "xai": "llmgine.llm._openai:xai_provider",
    "ollama": "llmgine.llm._openai:ollama_provider",
    "anthropic": "llmgine.llm._anthropic:anthropic_provider",
    "offline": "llmgine.llm._offline:offline_provider",
}

_factories: dict[str, ProviderFactory | str] = dict(_BUILTIN)
_lock = threading.Lock()


def register_provider(prefix: str, factory: ProviderFactory, *, replace: bool = False) -> None:
    """Serve models named ``prefix:...`` with ``factory``.

    Registering a prefix that is already taken raises ``ValueError`` unless ``replace``.
    """
    if not prefix or ":" in prefix or prefix != prefix.strip():
        raise ValueError(f"a provider prefix is a non-empty word without ':', got {prefix!r}")
    with _lock:
        if prefix in _factories and not replace:
            raise ValueError(
                f"provider prefix {prefix!r} is already registered; pass replace=True to swap it"
            )
        _factories[prefix] = factory


def unregister_provider(prefix: str) -> None:
    """Forget ``prefix``; a built-in prefix returns to its built-in adapter."""
    with _lock:
        if prefix in _BUILTIN:
            _factories[prefix] = _BUILTIN[prefix]
        else:
            _factories.pop(prefix, None)


def registered_providers() -> list[str]:
    """The prefixes that can be resolved, sorted."""
    return sorted(_factories)


def split_model_name(name: str) -> tuple[str, str]:
    """``"ollama:llama3.2:3b"`` -> ``("ollama", "llama3.2:3b")``; raises ``ValueError``."""
    prefix, sep, model = name.partition(":")
    if not sep or not prefix or not model:
        raise ValueError(
            f"model {name!r} is not of the form provider:model "
            f"(for example openai:gpt-4o-mini); known providers: "
            f"{', '.join(registered_providers())}"
        )
    return prefix, model


_BARE_NAMES: tuple[tuple[str, str], ...] = (
    ("gpt-", "openai"),
    ("chatgpt-", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("claude-", "anthropic"),
    ("grok-", "xai"),
)
"""How a bare name starts -> its provider (``o1`` and the like: alone or followed by ``-``)."""


def full_model_name(name: str) -> str:
    """``name`` as ``provider:model``: ``"gpt-4o"`` -> ``"openai:gpt-4o"``,
    ``"claude-haiku-4-5"`` -> ``"anthropic:claude-haiku-4-5"``, ``"grok-beta"`` ->
    ``"xai:grok-beta"``; a name with a provider is returned as it is (blanks trimmed).

    Raises ``ValueError``, saying how to write it, for a bare name no provider is known for
    (an Ollama model needs its prefix: ``ollama:llama3.2``).
    """
    name = name.strip()
    if ":" in name:
        return name
    for start, provider in _BARE_NAMES:
        if start.endswith("-"):
            matched = name.startswith(start) and len(name) > len(start)
        else:
            matched = name == start or name.startswith(f"{start}-")
        if matched:
            return f"{provider}:{name}"
    raise ValueError(
        f"model {name!r} names no provider: write it as provider:model (for example "
        "openai:gpt-4o-mini, anthropic:claude-haiku-4-5 or ollama:llama3.2); bare names "
        "work for gpt-..., o1/o3/o4..., claude-... and grok-... models"
    )


def resolve_model(name: str, **options: Any) -> LLMProvider:
    """A provider for ``name`` (``provider:model``), built with ``options``."""
    prefix, model = split_model_name(name)
    with _lock:
        factory = _factories.get(prefix)
    if factory is None:
        raise ValueError(
            f"no provider is registered for {prefix!r} (in model {name!r}); known providers: "
            f"{', '.join(registered_providers())}. Add one with register_provider()."
        )
    if isinstance(factory, str):
        module, _, attr = factory.partition(":")
        factory = getattr(importlib.import_module(module), attr)
    return factory(model, **options)
