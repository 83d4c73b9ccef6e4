"""GlueLLM's ``RoundRobinWorkflow``: llmgine's ``RoundRobin``, in a fixed order, the first
agent writing the synthesis when ``final_synthesis``, as in GlueLLM."""

from __future__ import annotations

from collections.abc import Sequence

from llmgine.compat.gluellm._runner import ExecutesWorkflow
from llmgine.compat.gluellm.models.workflow import RoundRobinConfig
from llmgine.workflows import Executor, RoundRobin

__all__ = ["RoundRobinConfig", "RoundRobinWorkflow"]


class RoundRobinWorkflow(ExecutesWorkflow, RoundRobin):
    """``agents``: ``(name, executor)`` pairs (or executors) that take turns."""

    def __init__(
        self,
        agents: Sequence[tuple[str, Executor] | Executor],
        config: RoundRobinConfig | None = None,
    ) -> None:
        config = config or RoundRobinConfig()
        first = agents[0] if agents else None
        synthesizer = (first[1] if isinstance(first, tuple) else first) if first else None
        super().__init__(
            agents,
            synthesizer=synthesizer if config.final_synthesis else None,
            config=config.llmgine(),
        )
