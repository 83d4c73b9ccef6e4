"""Tree of thoughts through the bus: every node of a level expanded at once, every new
thought scored at once, the best path returned."""

from __future__ import annotations

import json

from llmgine.llm import LLMRequest
from llmgine.testing import FunctionProvider
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    TreeOfThoughts,
    TreeOfThoughtsConfig,
    WorkflowStepStartedEvent,
)
from tests.workflows.conftest import Crowd, prompt_of, system_of, workflows

THINKER = AgentExecutor(Agent(name="thinker", system_prompt="Think."))
JUDGE = AgentExecutor(Agent(name="judge", system_prompt="Score."))
SCORES = {"a": 0.6, "b": 0.8, "c": 0.1, "a1": 0.3, "a2": 0.5, "b1": 0.9, "b2": 0.7}


def last_thought(prompt: str) -> str:
    """The last numbered line of the path in a prompt ("" when there is none)."""
    lines = [line for line in prompt.splitlines() if line[:1].isdigit() and ". " in line]
    return lines[-1].split(". ", 1)[1] if lines else ""


async def test_every_kept_node_is_expanded_at_once_and_the_best_path_is_returned() -> None:
    crowd = Crowd(2)  # level 2 expands both kept thoughts together

    async def answer(request: LLMRequest) -> str:
        prompt = prompt_of(request)
        if system_of(request) == "Score.":
            return json.dumps({"score": SCORES[last_thought(prompt)]})
        node = last_thought(prompt)
        if node:
            await crowd.enter()
            return json.dumps({"thoughts": [f"{node}1", f"{node}2"]})
        return json.dumps({"thoughts": ["a", "b", "c"]})

    config = TreeOfThoughtsConfig(branching=3, beam_width=2, max_depth=2)
    model = FunctionProvider(answer)
    async with workflows(model) as setup:
        result = await setup.runtime.run(TreeOfThoughts(THINKER, JUDGE, config), "Make 24.")
    assert crowd.peak == 2
    assert "Propose 3 different next steps" in prompt_of(model.requests[0])
    assert result.reason == "completed"
    assert result.output == "b1"
    assert result.metadata["path"] == ["b", "b1"]
    assert result.metadata["score"] == 0.9
    assert result.iterations == 2
    started = setup.of_type(WorkflowStepStartedEvent)
    assert [(e.role, e.tags["node"]) for e in started] == [
        ("thinker", ""), ("evaluator", "1"), ("evaluator", "2"), ("evaluator", "3"),
        ("thinker", "2"), ("thinker", "1"),  # both kept at level 1, best first: "b", "a"
        ("evaluator", "2.1"), ("evaluator", "2.2"), ("evaluator", "1.1"), ("evaluator", "1.2"),
    ]  # fmt: skip
    assert [e.executor for e in started if e.role == "evaluator"] == ["judge"] * 7
    assert setup.peak_steps_in_flight() == 4  # four scores at once at level 2
