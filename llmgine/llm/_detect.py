"""Choosing a model from what this machine has: an API key, a local Ollama, or nothing.

So that an example runs as it is everywhere: with an OpenAI key on a real model, on a laptop
with Ollama on a local one, and in CI on the offline stand-in.
"""

from __future__ import annotations

import asyncio

from llmgine.llm._env import from_env, ollama_host
from llmgine.llm._errors import LLMError
from llmgine.llm._offline import OFFLINE_MODEL
from llmgine.llm._ollama import ollama_tags
from llmgine.llm._registry import full_model_name

OPENAI_DEFAULT = "openai:gpt-4o-mini"
ANTHROPIC_DEFAULT = "anthropic:claude-haiku-4-5"
OLLAMA_DEFAULT = "ollama:llama3.2"


async def detect_model(*, probe_timeout: float = 0.5) -> str:
    """The name (``provider:model``) of the best model available here, first match wins:

    1. ``LLMGINE_MODEL`` (or ``LLMGINE_DEFAULT_MODEL``), when set: the user's explicit
       choice, a bare ``gpt-4o`` given its provider (``full_model_name``);
    2. ``openai:gpt-4o-mini`` when ``OPENAI_API_KEY`` or ``LLMGINE_OPENAI_API_KEY`` is set;
    3. ``anthropic:claude-haiku-4-5`` when ``ANTHROPIC_API_KEY`` or
       ``LLMGINE_ANTHROPIC_API_KEY`` is set;
    4. ``ollama:<model>`` when an Ollama server answers at ``OLLAMA_HOST`` (default
       ``localhost:11434``) within ``probe_timeout`` seconds: its first installed model, or
       ``ollama:llama3.2`` when none is installed yet;
    5. ``offline:stand-in``, which needs nothing.
    """
    explicit = from_env("LLMGINE_MODEL", "LLMGINE_DEFAULT_MODEL")  # GlueLLM's name too
    if explicit:
        return full_model_name(explicit)
    if from_env("OPENAI_API_KEY", "LLMGINE_OPENAI_API_KEY"):
        return OPENAI_DEFAULT
    if from_env("ANTHROPIC_API_KEY", "LLMGINE_ANTHROPIC_API_KEY"):
        return ANTHROPIC_DEFAULT
    models = await asyncio.to_thread(_ollama_models, ollama_host(), probe_timeout)
    if models is not None:
        return f"ollama:{models[0]}" if models else OLLAMA_DEFAULT
    return OFFLINE_MODEL


def _ollama_models(host: str, timeout: float) -> list[str] | None:
    """The models an Ollama server at ``host`` lists, or None when nothing answers as one."""
    try:
        return ollama_tags(host, timeout)
    except LLMError:
        return None
