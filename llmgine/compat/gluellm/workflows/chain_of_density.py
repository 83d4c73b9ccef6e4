"""GlueLLM's ``ChainOfDensityWorkflow``: llmgine's ``ChainOfDensity``; each round replies
with a ``DenseSummary`` (its new entities and the summary), checked against the entities of
the rounds before."""

from __future__ import annotations

from llmgine.compat.gluellm._runner import ExecutesWorkflow
from llmgine.compat.gluellm.models.workflow import ChainOfDensityConfig
from llmgine.workflows import ChainOfDensity, Executor

__all__ = ["ChainOfDensityConfig", "ChainOfDensityWorkflow"]


class ChainOfDensityWorkflow(ExecutesWorkflow, ChainOfDensity):
    """``generator`` writes ever denser summaries of the input."""

    def __init__(self, generator: Executor, config: ChainOfDensityConfig | None = None) -> None:
        super().__init__(generator, (config or ChainOfDensityConfig()).llmgine())
