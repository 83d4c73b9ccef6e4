"""``await executor.execute(text)``, GlueLLM's way to run an agent or a workflow, on llmgine.

Each call builds what an app would (a bus with the settings' sinks, a chat engine whose
providers carry the settings' keys, retries and timeouts, a ``WorkflowRuntime``) from
``llmgine.compat.gluellm.config.settings``, runs the executor, and stops it all again, so
the run is logged and traced, and nothing is left running. GlueLLM's ``WorkflowResult``
shape is read off llmgine's result: ``final_output``, ``iterations``,
``agent_interactions`` (one dict per step) and ``metadata``; ``result`` is llmgine's own.

A run that does not complete raises ``WorkflowFailedError`` saying why: llmgine gives no
answer for it (GlueLLM passed errors on as text, or raised from deep inside).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llmgine.bootstrap import build_bus, build_engine, build_sinks, build_tools, settings_model
from llmgine.compat.gluellm import config
from llmgine.context import ContextManager
from llmgine.workflows import Executor, StepRecord, WorkflowRuntime
from llmgine.workflows import WorkflowResult as RunResult


class WorkflowFailedError(RuntimeError):
    """A run ended without an answer (failed, cancelled, timed out or over a budget);
    ``result`` holds every step it made."""

    def __init__(self, result: RunResult) -> None:
        why = f": {result.error}" if result.error else ""
        super().__init__(f"the {result.workflow} run {result.reason.replace('_', ' ')}{why}")
        self.result = result


@dataclass(frozen=True)
class WorkflowResult:
    """What ``execute`` returns, in GlueLLM's shape."""

    final_output: str
    iterations: int
    agent_interactions: list[dict[str, Any]]
    metadata: dict[str, Any]
    result: RunResult = field(repr=False)
    """llmgine's result: steps, usage, cost, duration, run id."""

    @classmethod
    def of(cls, result: RunResult) -> WorkflowResult:
        return cls(
            final_output=result.output,
            iterations=result.iterations,
            agent_interactions=[interaction(step) for step in result.steps],
            metadata=dict(result.metadata),
            result=result,
        )


def interaction(step: StepRecord) -> dict[str, Any]:
    """One step as GlueLLM recorded an agent interaction: its stage (the step's role, a
    pipeline's stage name), the agent, the pattern's tags (``iteration``, ``round``...),
    what went in and what came out."""
    record: dict[str, Any] = {"stage": step.role, "agent": step.executor, **step.tags}
    record |= {"input": step.input, "output": step.output, "status": step.status}
    if step.error is not None:
        record["error"] = step.error
    return record


async def run(executor: Executor, task: str) -> RunResult:
    """Run ``executor`` on ``task`` on a bus of its own; raise if the run did not complete."""
    settings = config.settings
    async with build_bus(settings, build_sinks(settings, console=False).sinks) as bus:
        engine = build_engine(
            bus,
            settings,
            model=settings_model(settings),
            tools=build_tools(settings),
            context=ContextManager(),
        )
        async with WorkflowRuntime(engine) as runtime:
            result = await runtime.run(executor, task)
    if not result.completed:
        raise WorkflowFailedError(result)
    return result


class Executes:
    """GlueLLM's ``execute``, for an llmgine executor: the answer as text."""

    async def execute(self, query: str) -> str:
        assert isinstance(self, Executor)
        return (await run(self, query)).output


class ExecutesWorkflow:
    """GlueLLM's ``execute`` and ``validate_config``, for an llmgine workflow."""

    async def execute(
        self, initial_input: str, context: dict[str, Any] | None = None
    ) -> WorkflowResult:
        """Run the workflow on ``initial_input`` (``context`` is accepted and unused, as
        it was in GlueLLM)."""
        assert isinstance(self, Executor)
        return WorkflowResult.of(await run(self, initial_input))

    def validate_config(self) -> bool:
        """True: an llmgine workflow checks its configuration when it is built."""
        return True
