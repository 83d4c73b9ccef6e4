"""GlueLLM's ``DebateWorkflow`` and ``DebateConfig``: llmgine's ``Debate``."""

from __future__ import annotations

from collections.abc import Sequence

from llmgine.compat.gluellm._runner import ExecutesWorkflow
from llmgine.compat.gluellm.models.workflow import DebateConfig
from llmgine.workflows import Debate, Executor

__all__ = ["DebateConfig", "DebateWorkflow"]


class DebateWorkflow(ExecutesWorkflow, Debate):
    """``participants`` argue in turn, round after round; ``judge`` (unless
    ``judge_decides=False``) decides, else the transcript is the answer."""

    def __init__(
        self,
        participants: Sequence[tuple[str, Executor] | Executor],
        judge: Executor | None = None,
        config: DebateConfig | None = None,
    ) -> None:
        config = config or DebateConfig()
        super().__init__(participants, judge if config.judge_decides else None, config.llmgine())
