"""GlueLLM's ``MapReduceWorkflow``: llmgine's ``MapReduce``."""

from __future__ import annotations

from llmgine.compat.gluellm._runner import ExecutesWorkflow
from llmgine.compat.gluellm.models.workflow import MapReduceConfig
from llmgine.workflows import Executor, MapReduce

__all__ = ["MapReduceConfig", "MapReduceWorkflow"]


class MapReduceWorkflow(ExecutesWorkflow, MapReduce):
    """``mapper`` processes each chunk; ``reducer`` (default: the mapper) combines, except
    with ``reduce_strategy="concatenate"``, which joins the results with no model call."""

    def __init__(
        self,
        mapper: Executor,
        reducer: Executor | None = None,
        config: MapReduceConfig | None = None,
    ) -> None:
        config = config or MapReduceConfig()
        joined = config.reduce_strategy == "concatenate"
        super().__init__(mapper, None if joined else reducer, config.llmgine())
