"""What a service offers: the models behind a provider prefix, from the service's own list.

``await list_models("openai", api_key=..., base_url=...)`` asks the server
(OpenAI-compatible ``GET /models``, Anthropic's ``GET /v1/models``, Ollama's
``/api/tags``) and returns full names (``openai:gpt-4o``), sorted. The offline stand-in
offers itself. A service that cannot be asked raises the ``LLMError`` a model call would
(``AuthenticationError``, ``APIConnectionError`` naming the address...), whose
``message`` fits on one line. Like the registry's adapters, each lister is imported on
first use.
"""

from __future__ import annotations

import importlib
from typing import Any

LISTING = "(listing models)"
"""The model an adapter is bound to while it only lists the others (named in its errors)."""

LIST_TIMEOUT = 10.0
"""Seconds a service gets to list its models, unless the caller says otherwise."""

_LISTERS: dict[str, str] = {
    "anthropic": "llmgine.llm._anthropic:anthropic_models",
    "offline": "llmgine.llm._offline:offline_models",
    "ollama": "llmgine.llm._ollama:ollama_models",
    "openai": "llmgine.llm._openai:openai_models",
    "xai": "llmgine.llm._openai:xai_models",
}


def listable_providers() -> list[str]:
    """The prefixes whose models ``list_models`` can ask for, sorted."""
    return sorted(_LISTERS)


async def list_models(prefix: str, **options: Any) -> list[str]:
    """The models the service of ``prefix`` offers, as ``prefix:model`` names, sorted.

    ``options`` are what a provider of the prefix takes (``api_key``, ``base_url``,
    ``timeout``...); ``timeout`` defaults to ``LIST_TIMEOUT``. Raises ``ValueError`` for a
    prefix with no list (one an app registered) and ``LLMError`` when the service cannot
    be asked.
    """
    lister = _LISTERS.get(prefix)
    if lister is None:
        raise ValueError(
            f"the models of {prefix!r} cannot be listed; those of "
            f"{', '.join(listable_providers())} can"
        )
    options.setdefault("timeout", LIST_TIMEOUT)
    options.pop("max_reply_bytes", None)  # a list is small; the adapters' default is kept
    module, _, attr = lister.partition(":")
    names = await getattr(importlib.import_module(module), attr)(**options)
    return [f"{prefix}:{name}" for name in sorted(set(names))]
