"""GlueLLM's ``SocraticWorkflow``: llmgine's ``Socratic``, the responder writing the
synthesis when ``synthesis_at_end``, as in GlueLLM."""

from __future__ import annotations

from llmgine.compat.gluellm._runner import ExecutesWorkflow
from llmgine.compat.gluellm.models.workflow import SocraticConfig
from llmgine.workflows import Executor, Socratic

__all__ = ["SocraticConfig", "SocraticWorkflow"]


class SocraticWorkflow(ExecutesWorkflow, Socratic):
    """``questioner`` asks, ``responder`` answers."""

    def __init__(
        self, questioner: Executor, responder: Executor, config: SocraticConfig | None = None
    ) -> None:
        config = config or SocraticConfig()
        synthesizer = responder if config.synthesis_at_end else None
        super().__init__(questioner, responder, synthesizer, config.llmgine())
