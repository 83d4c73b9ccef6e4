"""GlueLLM's executors: llmgine's, with GlueLLM's ``await executor.execute(query)``.

Both are llmgine executors, so they are what the workflows of ``llmgine.workflows`` and of
``llmgine.compat.gluellm.workflows`` take. ``execute`` runs one call on a bus of its own
built from the GlueLLM settings and returns the answer's text; each call starts afresh, as
in GlueLLM (give the agent ``memory=True`` to keep a conversation within one workflow run).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from llmgine.compat.gluellm import config
from llmgine.compat.gluellm._runner import Executes, WorkflowFailedError
from llmgine.compat.gluellm.models.prompt import SystemPrompt
from llmgine.workflows import AgentExecutor as _AgentExecutor
from llmgine.workflows import Executor
from llmgine.workflows import SimpleExecutor as _SimpleExecutor

__all__ = ["AgentExecutor", "Executor", "SimpleExecutor", "WorkflowFailedError"]


class AgentExecutor(Executes, _AgentExecutor):
    """Calls ``agent`` (an ``Agent`` of ``llmgine.compat.gluellm.models.agent`` or of
    ``llmgine.workflows``)."""


class SimpleExecutor(Executes, _SimpleExecutor):
    """An agent made on the spot from a model, a system prompt and tools."""

    def __init__(
        self,
        model: str | None = None,
        system_prompt: str | SystemPrompt | None = None,
        tools: Sequence[Callable[..., Any]] | None = None,
        max_tool_iterations: int | None = None,
        *,
        name: str = "assistant",
        description: str = "",
        max_tokens: int | None = None,
    ) -> None:
        super().__init__(
            model,
            system_prompt.content if isinstance(system_prompt, SystemPrompt) else system_prompt,
            list(tools or ()),
            name=name,
            description=description,
            max_tool_iterations=(
                config.settings.max_tool_iterations
                if max_tool_iterations is None
                else max_tool_iterations
            ),
            max_tokens=max_tokens,
        )
