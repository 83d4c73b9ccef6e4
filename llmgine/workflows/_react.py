"""ReAct: reason, act with real tools, observe, until the reasoner answers.

Each step the reasoner (an agent with tools) gets the question and every step so far:
its thoughts, the tool calls it made, and what the tools returned. Its reply's text is
the thought; the tool calls it asks for are the actions. The runtime runs each action as
an ``ExecuteToolCommand`` through the bus, handled by the chat engine's tool manager (so
tool hooks, timeouts and the log apply), one after the other unless ``parallel_actions``,
and the tools' real results are the observations of the next step. A reply with no tool
call is the final answer (after a ``Final Answer:`` marker, if it writes one).

After ``max_steps`` steps with actions, ``answer_at_limit`` asks the reasoner once more,
offered no tools, for its answer from what it has observed; without it the run fails. A
tool that fails is observed as its error and the reasoning goes on; a failed reasoner
call fails the run. ``iterations`` counts the steps.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from llmgine.workflows._executors import AgentExecutor
from llmgine.workflows._plan import (
    AgentStep,
    Decision,
    Fail,
    Finish,
    RunSteps,
    ToolStep,
    failed,
    of_role,
    one,
    tagged,
)
from llmgine.workflows._results import StepRecord
from llmgine.workflows._workflow import Workflow, WorkflowConfigError

REASONER = "reasoner"
TOOL = "tool"
_FINAL = re.compile(r"final answer\s*:\s*", re.IGNORECASE)


class ReActConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_steps: int = Field(default=10, ge=1)
    """Reasoning steps with actions at most."""
    parallel_actions: bool = False
    """Run the actions of one step at once instead of one after the other."""
    answer_at_limit: bool = True
    """At the step limit, ask for an answer without tools instead of failing."""


def decide_react(config: ReActConfig, task: str, steps: Sequence[StepRecord]) -> Decision:
    """The next reasoning step, its actions, or the answer."""
    thoughts = of_role(steps, REASONER)
    if not thoughts:
        return one(_think(config, task, steps, 1))
    last = thoughts[-1]
    if not last.ok:
        return failed(last, "the reasoning step")
    number = int(last.tags["iteration"])
    actions = of_role(steps, TOOL)
    metadata: dict[str, JsonValue] = {"steps": number, "actions": len(actions)}
    if last.tags.get("final") or not last.tool_calls:
        metadata["answered_at_limit"] = "final" in last.tags
        return Finish(final_answer(last.output), metadata)
    if not tagged(actions, "iteration", number):
        return RunSteps(
            tuple(
                ToolStep(call, {"iteration": number, "action": n})
                for n, call in enumerate(last.tool_calls, 1)
            ),
            None if config.parallel_actions else 1,
        )
    if number < config.max_steps:
        return one(_think(config, task, steps, number + 1))
    if config.answer_at_limit:
        return one(_think(config, task, steps, number, final=True))
    return Fail(f"no final answer within {config.max_steps} steps", metadata)


def final_answer(reply: str) -> str:
    """The answer in a final reply: what follows its last ``Final Answer:``, if any."""
    parts = _FINAL.split(reply)
    return parts[-1].strip()


def _think(
    config: ReActConfig, task: str, steps: Sequence[StepRecord], number: int, final: bool = False
) -> AgentStep:
    history = "\n\n".join(_step_text(steps, thought) for thought in of_role(steps, REASONER))
    so_far = f"Steps so far:\n\n{history}\n\n" if history else ""
    if final:
        ask = (
            f"You have used all {config.max_steps} steps. Give your final answer now, "
            "from the observations above, without calling a tool."
        )
    else:
        ask = f"This is step {number} of at most {config.max_steps}."
    prompt = (
        f"Question: {task}\n\n"
        "Work in steps. In each step, think about what you need, then call the tools "
        "that get it; their results come back as observations. When you can answer, "
        "reply with the final answer and call no tool.\n\n"
        f"{so_far}{ask}"
    )
    tags: dict[str, int | str] = {"iteration": number}
    if final:
        tags["final"] = 1
    return AgentStep(REASONER, prompt, tags, run_tools=False, offer_tools=not final)


def _step_text(steps: Sequence[StepRecord], thought: StepRecord) -> str:
    number = thought.tags["iteration"]
    lines = [f"Step {number}", f"Thought: {thought.output.strip() or '(none given)'}"]
    done = {int(s.tags["action"]): s for s in tagged(of_role(steps, TOOL), "iteration", number)}
    for n, call in enumerate(thought.tool_calls, 1):
        lines.append(f"Action: {call.name}({call.arguments})")
        action = done.get(n)
        if action is not None:
            lines.append(f"Observation: {action.output if action.ok else action.error}")
    return "\n".join(lines)


class ReAct(Workflow[ReActConfig]):
    """``reasoner`` (an agent with at least one tool) reasons and acts until it answers."""

    pattern = "react"

    def __init__(
        self,
        reasoner: AgentExecutor,
        config: ReActConfig | None = None,
        *,
        name: str | None = None,
        description: str = "",
    ) -> None:
        if not isinstance(reasoner, AgentExecutor):
            raise WorkflowConfigError(
                f"the ReAct reasoner must be an agent executor (its tool calls are the "
                f"actions), not {reasoner!r}"
            )
        if not reasoner.agent.tools:
            raise WorkflowConfigError(
                f"the ReAct reasoner {reasoner.name!r} has no tools, so it could never act; "
                "give its Agent tools=[...]"
            )
        if reasoner.response_format is not None:
            raise WorkflowConfigError(
                "the ReAct reasoner answers in text: give it no response_format"
            )
        super().__init__(
            config or ReActConfig(), {REASONER: reasoner}, name=name, description=description
        )

    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        return decide_react(self.config, task, steps)
