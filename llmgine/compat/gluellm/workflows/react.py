"""GlueLLM's ``ReActWorkflow``: llmgine's ``ReAct``. The reasoner's tool calls are the
actions, run through the bus; their real results are the observations."""

from __future__ import annotations

from llmgine.compat.gluellm._runner import ExecutesWorkflow
from llmgine.compat.gluellm.models.workflow import ReActConfig
from llmgine.workflows import AgentExecutor, ReAct

__all__ = ["ReActConfig", "ReActWorkflow"]


class ReActWorkflow(ExecutesWorkflow, ReAct):
    """``reasoner``: an agent executor whose agent has tools."""

    def __init__(self, reasoner: AgentExecutor, config: ReActConfig | None = None) -> None:
        super().__init__(reasoner, (config or ReActConfig()).llmgine())
