"""GlueLLM's ``Agent``: llmgine's ``Agent``, whose system prompt may be a ``SystemPrompt``.

The agent's system prompt is sent as llmgine sends every system prompt, with its tools
listed by the prompt templates of the engine that runs it.
"""

from __future__ import annotations

from pydantic import field_validator

from llmgine.compat.gluellm.models.prompt import SystemPrompt
from llmgine.workflows import Agent as _Agent

__all__ = ["Agent"]


class Agent(_Agent):
    """``Agent(name=..., description=..., system_prompt=SystemPrompt(content=...),
    tools=[...], max_tool_iterations=10, model=None)``; see ``llmgine.workflows.Agent``."""

    @field_validator("system_prompt", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return value.content if isinstance(value, SystemPrompt) else value
