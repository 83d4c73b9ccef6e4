"""GlueLLM's ``RAGWorkflow``: llmgine's ``RAG``. The retriever may be sync or async and runs
as a tool through the bus; the verifier, asked only with ``verify_facts``, replies with a
verdict that is recorded (``metadata["verification"]``), and flags the answer rather than
failing it, as GlueLLM's report did not fail it either."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from llmgine.compat.gluellm._runner import ExecutesWorkflow
from llmgine.compat.gluellm.models.workflow import RAGConfig
from llmgine.workflows import RAG, Executor

__all__ = ["RAGConfig", "RAGWorkflow"]


class RAGWorkflow(ExecutesWorkflow, RAG):
    """``retriever`` (a function of the question returning passages: dicts with
    ``content`` and ``source``, or strings) finds, ``generator`` answers."""

    def __init__(
        self,
        retriever: Callable[[str], Any],
        generator: Executor,
        verifier: Executor | None = None,
        config: RAGConfig | None = None,
    ) -> None:
        config = config or RAGConfig()
        verifier = verifier if config.verify_facts else None
        super().__init__(retriever, generator, verifier, config.llmgine(verifier is not None))
