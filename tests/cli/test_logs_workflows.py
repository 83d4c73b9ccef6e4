"""``llmgine logs show`` draws a workflow run as one tree, from the log a real run wrote:
the run, its steps, each step's agent call (in a session of its own), nested run or tool
call, and under an agent call its model and tool calls."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from llmgine.bus import MessageBus
from llmgine.cli import main
from llmgine.engine import ToolChatEngine
from llmgine.llm import LLMRequest
from llmgine.logs import build_timelines, fold_sessions, read_records, summarize_sessions
from llmgine.testing import FunctionProvider, ModelFunction, ScriptStep, tool_call
from llmgine.workflows import (
    Agent,
    AgentExecutor,
    Debate,
    DebateConfig,
    MapReduce,
    MapReduceConfig,
    MaxModelCalls,
    ReAct,
    ReActConfig,
    SimpleExecutor,
    Workflow,
    WorkflowRuntime,
)


def speaker(request: LLMRequest) -> str:
    return f"{request.messages[0].content} has spoken"


def add(a: int, b: int) -> int:
    """Adds two numbers.

    Args:
        a: the first.
        b: the second.
    """
    return a + b


def reasoner(request: LLMRequest) -> ScriptStep:
    if "Observation:" not in request.messages[-1].content:
        return tool_call("add", {"a": 2, "b": 3})
    return "Final Answer: 5"


def write_log(
    folder: Path, workflow: Workflow[Any], task: str, model: ModelFunction = speaker, **run: Any
) -> Path:
    """Run ``workflow`` on ``task`` on a bus writing its JSONL log into ``folder``."""

    async def go() -> Path:
        async with MessageBus(log_dir=folder) as bus:
            engine = ToolChatEngine(bus, model=FunctionProvider(model), tools=[add])
            async with WorkflowRuntime(engine) as runtime:
                await runtime.run(workflow, task, **run)
        assert bus.log_path is not None
        return bus.log_path

    return asyncio.run(go())


def debate_in_map_reduce() -> MapReduce:
    debate = Debate(
        [
            SimpleExecutor(system_prompt="Pro", name="Pro"),
            SimpleExecutor(system_prompt="Con", name="Con"),
        ],
        judge=SimpleExecutor(system_prompt="The judge", name="Judge"),
        config=DebateConfig(max_rounds=1),
    )
    editor = SimpleExecutor(system_prompt="The editor", name="Editor")
    return MapReduce(debate, editor, MapReduceConfig(chunk_size=13, max_parallel=1))


def show(capsys: pytest.CaptureFixture[str], *args: str | Path) -> list[str]:
    assert main(["logs", "show", *map(str, args)]) == 0
    return capsys.readouterr().out.splitlines()


def masked(lines: list[str]) -> list[str]:
    """The tree's lines with durations, times and cost replaced."""
    out = []
    for line in lines:
        line = re.sub(r"\d+(\.\d+)? (ms|s)\b", "<t>", line)
        line = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d → \d\d:\d\d:\d\d", "<when>", line)
        out.append(line)
    return out


def shape(lines: list[str]) -> list[tuple[int, str]]:
    """Each line of a tree as its depth and its text up to the first quote or facts."""
    found = []
    for line in lines:
        text = re.sub(r"^[│├└─ ]*", "", line)
        depth = (len(line) - len(text)) // 4 - 1  # the session is the root
        found.append((depth, text.split('"')[0].split("  ")[0].strip()))
    return found


def test_a_debate_inside_a_map_reduce_is_one_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = write_log(tmp_path, debate_in_map_reduce(), "Chapter one. Chapter two.")
    lines = masked(show(capsys, log))
    assert lines[0] == str(log)
    assert lines[2] == "session BUS · 1 workflow run · 80 messages · <when> (<t>)"
    debate = [
        (2, "workflow debate"),
        (3, "step 1 Pro (round 1)"), (4, "agent Pro"), (5, "llm function:test round 1"),
        (5, "answer"),
        (3, "step 2 Con (round 1)"), (4, "agent Con"), (5, "llm function:test round 1"),
        (5, "answer"),
        (3, "step 3 Judge"), (4, "agent Judge"), (5, "llm function:test round 1"), (5, "answer"),
    ]  # fmt: skip
    assert shape(lines[3:]) == [
        (0, "workflow map_reduce"),
        (1, "step 1 debate as mapper (chunk 1)"), *debate,
        (1, "step 2 debate as mapper (chunk 2)"), *debate,
        (1, "step 3 Editor as reducer (level 1, group 1)"), (2, "agent Editor"),
        (3, "llm function:test round 1"), (3, "answer"),
    ]  # fmt: skip
    run, step, nested, argument, agent = lines[3:8]
    assert run.endswith(
        '✓ <t> · 9 steps · 7 model calls · 483 in / 32 out tokens → "The editor has spoken"'
    )
    assert step.endswith("step 1 debate as mapper (chunk 1)  ✓ <t> · 218 in / 13 out tokens")
    assert nested.endswith(
        '✓ <t> · 3 steps · 3 model calls · 218 in / 13 out tokens → "The judge has spoken"'
    )
    assert argument.endswith("step 1 Pro (round 1)  ✓ <t> · 65 in / 4 out tokens")
    assert '── agent Pro "Topic: This is part 1 of 2 of a longer text.' in agent
    assert agent.endswith("✓ <t> · 1 round · 65 in / 4 out tokens")
    assert lines[8].endswith("── llm function:test round 1  ✓ <t> · 65 in / 4 out tokens · stop")
    assert lines[9].endswith('── answer "Pro has spoken"')
    # The run's session alone brings its steps' sessions along.
    assert masked(show(capsys, log, "--session", "BUS"))[2:] == lines[2:]


def test_a_run_of_many_steps_is_still_a_tree_not_a_table_of_sessions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reader = SimpleExecutor(system_prompt="Reader", name="Reader")
    log = write_log(tmp_path, MapReduce(reader, config=MapReduceConfig(chunk_size=2)), "a" * 24)
    sessions = summarize_sessions(read_records(log))
    assert len(sessions) == 14  # the run's, and one per step: 12 chunks, one reduce
    [folded] = fold_sessions(sessions, read_records(log))
    assert (folded.session_id, folded.messages) == ("BUS", sum(s.messages for s in sessions))
    assert folded.turns == 13
    lines = show(capsys, log)
    assert lines[2].startswith("session BUS · 1 workflow run · ")
    assert sum("── step " in line for line in lines) == 13
    [timeline] = build_timelines(read_records(log))
    assert len(timeline.runs) == 1


def test_a_react_step_shows_its_tool_call_and_a_stopped_run_its_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agent = Agent(name="analyst", system_prompt="Add.", tools=[add])
    react = ReAct(AgentExecutor(agent), ReActConfig(max_steps=3))
    log = write_log(tmp_path / "react", react, "2+3?", model=reasoner)
    lines = masked(show(capsys, log))[3:]
    assert shape(lines) == [
        (0, "workflow react"),
        (1, "step 1 analyst as reasoner"), (2, "agent analyst"), (3, "llm function:test round 1"),
        (3, "answer"),
        (1, "step 2 tool add (action 1)"), (2, "tool add(a=2, b=3)"),
        (1, "step 3 analyst as reasoner"), (2, "agent analyst"), (3, "llm function:test round 1"),
        (3, "answer"),
    ]  # fmt: skip
    assert lines[0].endswith(' → "5"')
    assert lines[3].endswith(" out tokens · tool_calls")
    assert lines[4].endswith('answer ""  finish tool_calls')  # the tool call is ReAct's to run
    assert lines[5].endswith("step 2 tool add (action 1)  ✓ <t>")
    assert lines[6].endswith("tool add(a=2, b=3)  ✓ <t> → 5")

    stopped = write_log(
        tmp_path / "stopped", debate_in_map_reduce(), "Chapter one. Chapter two.",
        limits=MaxModelCalls(2),
    )  # fmt: skip
    lines = masked(show(capsys, stopped))[3:]
    assert "workflow map_reduce" in lines[0]
    assert "  ✗ <t> · 3 steps · 2 model calls · " in lines[0]
    assert "→ budget exceeded: max_model_calls: 2 model calls made, the budget is 2" in lines[0]
    assert shape(lines)[:2] == [
        (0, "workflow map_reduce"),
        (1, "step 1 debate as mapper (chunk 1)"),
    ]
    assert "step 1 debate as mapper (chunk 1)  ✗ <t>" in lines[1]
    assert "failed: max_model_calls: 2 model calls made" in lines[1]
    assert not any("Judge" in line for line in lines)  # refused before it started: no step
