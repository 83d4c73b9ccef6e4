"""What a pattern decides: the next steps to run, or how the run ends.

A pattern's control flow is a pure function of the task and the steps so far that returns
one ``Decision``:

    RunSteps(steps, max_parallel)   run these steps (at most ``max_parallel`` at once), then
                                    ask again with their records added
    Finish(output, metadata)        the run completed with this answer
    Fail(error, metadata)           the run cannot go on (a step it needed failed)

The runtime carries decisions out and owns everything with an effect: the bus, the
concurrency, the budgets, the cancellation. So a pattern is tested by calling its function
with ``StepRecord``s, without an event loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pydantic import JsonValue

from llmgine.llm import ToolCall
from llmgine.workflows._results import StepRecord


@dataclass(frozen=True, slots=True)
class AgentStep:
    """Call the executor the pattern knows as ``role`` with ``input``.

    ``run_tools=False`` leaves the tool calls the agent asks for unrun, in the step's record
    (ReAct runs them itself); ``offer_tools=False`` offers the agent no tools for this call.
    Both matter only for agents, not for nested workflows.
    """

    role: str
    input: str
    tags: Mapping[str, int | str] = field(default_factory=dict)
    run_tools: bool = True
    offer_tools: bool = True


@dataclass(frozen=True, slots=True)
class ToolStep:
    """Run one tool call through the bus, as the tool manager of the chat engine runs it."""

    call: ToolCall
    tags: Mapping[str, int | str] = field(default_factory=dict)


Step = AgentStep | ToolStep


@dataclass(frozen=True, slots=True)
class RunSteps:
    """Run ``steps`` concurrently, at most ``max_parallel`` at a time (None: all at once,
    within the runtime's own limit)."""

    steps: tuple[Step, ...]
    max_parallel: int | None = None


@dataclass(frozen=True, slots=True)
class Finish:
    """The run completed: ``output`` is its answer (``parsed`` its structured form)."""

    output: str
    metadata: Mapping[str, JsonValue] = field(default_factory=dict)
    parsed: object = None


@dataclass(frozen=True, slots=True)
class Fail:
    """The run failed: ``error`` says why, in a sentence."""

    error: str
    metadata: Mapping[str, JsonValue] = field(default_factory=dict)


Decision = RunSteps | Finish | Fail


def one(step: Step) -> RunSteps:
    """A decision to run a single step."""
    return RunSteps((step,))


def first_failure(steps: Iterable[StepRecord]) -> StepRecord | None:
    """The first step that did not complete, if any."""
    return next((step for step in steps if not step.ok), None)


def failed(step: StepRecord, what: str) -> Fail:
    """The usual end when a step the pattern needed did not complete."""
    return Fail(f"{what} ({step.executor!r}, step {step.index}) {step.status}: {step.error}")


def of_role(steps: Iterable[StepRecord], role: str) -> list[StepRecord]:
    return [step for step in steps if step.role == role]


def tagged(steps: Iterable[StepRecord], key: str, value: int | str) -> list[StepRecord]:
    return [step for step in steps if step.tags.get(key) == value]
