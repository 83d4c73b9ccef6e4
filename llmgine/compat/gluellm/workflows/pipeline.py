"""GlueLLM's ``PipelineWorkflow``: llmgine's ``Pipeline``, stage after stage."""

from __future__ import annotations

from collections.abc import Sequence

from llmgine.compat.gluellm._runner import ExecutesWorkflow
from llmgine.workflows import Executor, Pipeline

__all__ = ["PipelineWorkflow"]


class PipelineWorkflow(ExecutesWorkflow, Pipeline):
    """``stages``: ``(name, executor)`` pairs (or executors), run in order, each given the
    output of the one before."""

    def __init__(self, stages: Sequence[tuple[str, Executor] | Executor]) -> None:
        super().__init__(stages)
