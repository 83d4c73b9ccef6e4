"""GlueLLM's ``GenericAgent``: an ``Agent`` with a name and a description to start from."""

from __future__ import annotations

from llmgine.compat.gluellm.models.agent import Agent

__all__ = ["GenericAgent"]


class GenericAgent(Agent):
    """``GenericAgent()``: "Generic Agent", with the engine's default system prompt and
    model and no tools; any field may be given, as to ``Agent``."""

    name: str = "Generic Agent"
    description: str = "A generic agent that can use any tool"
