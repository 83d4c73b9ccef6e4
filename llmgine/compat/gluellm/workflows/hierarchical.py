"""GlueLLM's ``HierarchicalWorkflow``: llmgine's ``Hierarchical``; the manager plans with a
structured list of subtasks, read strictly, and synthesizes the workers' results."""

from __future__ import annotations

from collections.abc import Sequence

from llmgine.compat.gluellm._runner import ExecutesWorkflow
from llmgine.compat.gluellm.models.workflow import HierarchicalConfig
from llmgine.workflows import Executor, Hierarchical

__all__ = ["HierarchicalConfig", "HierarchicalWorkflow"]


class HierarchicalWorkflow(ExecutesWorkflow, Hierarchical):
    """``manager`` plans and combines; ``workers`` (``(name, executor)`` pairs) do."""

    def __init__(
        self,
        manager: Executor,
        workers: Sequence[tuple[str, Executor] | Executor],
        config: HierarchicalConfig | None = None,
    ) -> None:
        super().__init__(manager, workers, config=(config or HierarchicalConfig()).llmgine())
