"""GlueLLM's ``ReflectionWorkflow``: llmgine's ``Reflection``; the reflector replies with a
``Review`` (a score and feedback), and the best-scored version is the answer."""

from __future__ import annotations

from llmgine.compat.gluellm._runner import ExecutesWorkflow
from llmgine.compat.gluellm.models.workflow import ReflectionConfig
from llmgine.workflows import Executor, Reflection

__all__ = ["ReflectionConfig", "ReflectionWorkflow"]


class ReflectionWorkflow(ExecutesWorkflow, Reflection):
    """``generator`` writes and revises; ``reflector`` (default: the generator) critiques."""

    def __init__(
        self,
        generator: Executor,
        reflector: Executor | None = None,
        config: ReflectionConfig | None = None,
    ) -> None:
        super().__init__(generator, reflector, (config or ReflectionConfig()).llmgine())
