"""GlueLLM's ``ConsensusWorkflow``: llmgine's ``Consensus``; every proposer proposes, then
votes with a structured ballot, read strictly."""

from __future__ import annotations

from collections.abc import Sequence

from llmgine.compat.gluellm._runner import ExecutesWorkflow
from llmgine.compat.gluellm.models.workflow import ConsensusConfig
from llmgine.workflows import Consensus, Executor

__all__ = ["ConsensusConfig", "ConsensusWorkflow"]


class ConsensusWorkflow(ExecutesWorkflow, Consensus):
    """``proposers``: ``(name, executor)`` pairs (or executors), at least two."""

    def __init__(
        self,
        proposers: Sequence[tuple[str, Executor] | Executor],
        config: ConsensusConfig | None = None,
    ) -> None:
        super().__init__(proposers, config=(config or ConsensusConfig()).llmgine())
