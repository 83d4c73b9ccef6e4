"""GlueLLM's ``ConstitutionalWorkflow``: llmgine's ``Constitutional``; the critic replies
with a verdict per principle, read strictly (a principle passes only on its own ``pass``)."""

from __future__ import annotations

from llmgine.compat.gluellm._runner import ExecutesWorkflow
from llmgine.compat.gluellm.models.workflow import ConstitutionalConfig, Principle
from llmgine.workflows import Constitutional, Executor, WorkflowConfigError

__all__ = ["ConstitutionalConfig", "ConstitutionalWorkflow", "Principle"]


class ConstitutionalWorkflow(ExecutesWorkflow, Constitutional):
    """``generator`` drafts and revises; ``critic`` (default: the generator) judges."""

    def __init__(
        self,
        generator: Executor,
        critic: Executor | None = None,
        config: ConstitutionalConfig | None = None,
    ) -> None:
        if config is None:
            raise WorkflowConfigError(
                "a constitutional workflow needs its principles: "
                "config=ConstitutionalConfig(principles=[Principle(...)])"
            )
        super().__init__(generator, critic, config=config.llmgine())
