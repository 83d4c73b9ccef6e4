"""GlueLLM's ``TreeOfThoughtsWorkflow``: llmgine's ``TreeOfThoughts``, a beam search with
structured thoughts and scores; the answer is the best leaf thought, and its path from the
problem is in ``metadata["path"]`` (GlueLLM answered with the path)."""

from __future__ import annotations

from llmgine.compat.gluellm._runner import ExecutesWorkflow
from llmgine.compat.gluellm.models.workflow import TreeOfThoughtsConfig
from llmgine.workflows import Executor, TreeOfThoughts

__all__ = ["TreeOfThoughtsConfig", "TreeOfThoughtsWorkflow"]


class TreeOfThoughtsWorkflow(ExecutesWorkflow, TreeOfThoughts):
    """``thinker`` expands; ``evaluator`` (default: the thinker) scores."""

    def __init__(
        self,
        thinker: Executor,
        evaluator: Executor | None = None,
        config: TreeOfThoughtsConfig | None = None,
    ) -> None:
        super().__init__(thinker, evaluator, (config or TreeOfThoughtsConfig()).llmgine())
