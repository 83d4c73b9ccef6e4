"""The patterns' control flow and the limits, as pure functions: no event loop, no bus."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from llmgine.llm import ToolCall, Usage
from llmgine.workflows import (
    AgentStep,
    DebateConfig,
    Fail,
    Finish,
    Limits,
    MapReduceConfig,
    MaxCost,
    MaxModelCalls,
    MaxSteps,
    MaxTokens,
    PipelineConfig,
    ReActConfig,
    RunSteps,
    RunUsage,
    StepRecord,
    Timeout,
    ToolStep,
    chunk_text,
    decide_debate,
    decide_map_reduce,
    decide_pipeline,
    decide_react,
)


def done(decision: RunSteps, outputs: list[str], start: int = 1, **fields: Any) -> list[StepRecord]:
    """Records of ``decision``'s steps, completed with ``outputs``."""
    records = []
    for n, (step, output) in enumerate(zip(decision.steps, outputs, strict=True), start):
        assert isinstance(step, AgentStep)
        records.append(
            StepRecord(
                index=n, role=step.role, executor=step.role, kind="agent", tags=dict(step.tags),
                input=step.input, status="completed", output=output, **fields,
            )
        )  # fmt: skip
    return records


def broken(record: StepRecord) -> StepRecord:
    return record.model_copy(
        update={"status": "failed", "output": "", "error": "boom", "error_kind": "rate_limited"}
    )


def roles(decision: Any) -> list[str]:
    assert isinstance(decision, RunSteps), decision
    return [step.role for step in decision.steps if isinstance(step, AgentStep)]


# -- pipeline ----------------------------------------------------------------------------


def test_a_pipeline_passes_each_output_on_and_ends_with_the_last() -> None:
    config, stages = PipelineConfig(), ("research", "write")
    first = decide_pipeline(config, stages, "topic", [])
    assert isinstance(first, RunSteps)
    assert roles(first) == ["research"]
    assert first.steps[0].input == "topic"  # type: ignore[union-attr]
    steps = done(first, ["notes"])
    second = decide_pipeline(config, stages, "topic", steps)
    assert roles(second) == ["write"]
    assert second.steps[0].input == "notes"  # type: ignore[union-attr]
    steps += done(second, ["essay"], start=2)
    end = decide_pipeline(config, stages, "topic", steps)
    assert end == Finish("essay", {"stages": ["research", "write"]})


def test_a_pipeline_stage_can_see_the_original_input_too() -> None:
    config = PipelineConfig(include_original=True)
    steps = done(decide_pipeline(config, ("a", "b"), "the task", []), ["out a"])  # type: ignore[arg-type]
    text = decide_pipeline(config, ("a", "b"), "the task", steps).steps[0].input  # type: ignore[union-attr]
    assert "the task" in text
    assert "out a" in text


def test_a_failed_stage_fails_the_pipeline() -> None:
    steps = done(decide_pipeline(PipelineConfig(), ("a", "b"), "t", []), ["x"])  # type: ignore[arg-type]
    end = decide_pipeline(PipelineConfig(), ("a", "b"), "t", [broken(steps[0])])
    assert isinstance(end, Fail)
    assert "stage 'a'" in end.error
    assert "boom" in end.error


# -- debate ------------------------------------------------------------------------------

PEOPLE = ("Pro", "Con")


def debate_until_end(config: DebateConfig, judged: bool, say: Any) -> tuple[Any, list[StepRecord]]:
    steps: list[StepRecord] = []
    while True:
        decision = decide_debate(config, PEOPLE, judged, "Tea or coffee?", steps)
        if not isinstance(decision, RunSteps):
            return decision, steps
        outputs = [say(step, len(steps) + n) for n, step in enumerate(decision.steps)]
        steps += done(decision, outputs, start=len(steps) + 1)


def test_a_debate_runs_its_rounds_in_order_and_the_judge_decides() -> None:
    end, steps = debate_until_end(
        DebateConfig(max_rounds=2), True, lambda step, n: f"{step.role} #{n}"
    )
    assert [s.role for s in steps] == ["Pro", "Con", "Pro", "Con", "judge"]
    assert [s.tags.get("round") for s in steps] == [1, 1, 2, 2, None]
    # Each speaker has heard everything said before it; the judge gets all of it.
    assert "Pro #0" in steps[1].input
    assert "Con #1" in steps[2].input
    assert all(f"#{n}" in steps[4].input for n in range(4))
    assert isinstance(end, Finish)
    assert end.output == "judge #4"
    assert end.metadata["rounds"] == 2
    assert end.metadata["consensus"] is None


def test_a_debate_without_a_judge_ends_with_its_transcript() -> None:
    end, steps = debate_until_end(DebateConfig(max_rounds=1), False, lambda s, n: f"arg{n}")
    assert [s.role for s in steps] == ["Pro", "Con"]
    assert end == Finish(
        "[Round 1] Pro: arg0\n\n[Round 1] Con: arg1",
        {"rounds": 1, "participants": ["Pro", "Con"], "judged": False, "consensus": None},
    )


def test_parallel_rounds_ask_everyone_at_once_with_the_earlier_rounds_only() -> None:
    config = DebateConfig(max_rounds=2, parallel_rounds=True)
    first = decide_debate(config, PEOPLE, False, "t", [])
    assert roles(first) == ["Pro", "Con"]
    steps = done(first, ["p1", "c1"])  # type: ignore[arg-type]
    second = decide_debate(config, PEOPLE, False, "t", steps)
    assert roles(second) == ["Pro", "Con"]
    for step in second.steps:  # type: ignore[union-attr]
        assert "p1" in step.input
        assert "c1" in step.input


def test_consensus_is_read_strictly_from_the_last_line_and_ends_the_debate() -> None:
    config = DebateConfig(max_rounds=5, detect_consensus=True)
    replies = iter(
        [
            "I agree with much of it.\nStance: DISAGREE",  # round 1
            "Stance: AGREE",
            "Stance: AGREE\nbut on reflection no",  # round 2: not the last line
            "stance: agree",
            "Fine.\n  Stance: AGREE.  ",  # round 3: both agree
            "Stance: Agree",
        ]
    )
    end, steps = debate_until_end(config, False, lambda step, n: next(replies))
    assert len(steps) == 6
    assert "Stance: AGREE" in steps[0].input  # asked for
    assert isinstance(end, Finish)
    assert end.metadata["rounds"] == 3
    assert end.metadata["consensus"] is True


def test_without_consensus_the_debate_runs_to_its_last_round() -> None:
    config = DebateConfig(max_rounds=2, detect_consensus=True)
    end, steps = debate_until_end(config, False, lambda s, n: "Stance: DISAGREE")
    assert len(steps) == 4
    assert end.metadata["consensus"] is False  # type: ignore[union-attr]


def test_a_failed_argument_fails_the_debate() -> None:
    first = decide_debate(DebateConfig(), PEOPLE, True, "t", [])
    end = decide_debate(DebateConfig(), PEOPLE, True, "t", [broken(done(first, ["x"])[0])])  # type: ignore[arg-type]
    assert isinstance(end, Fail)
    assert "Pro" in end.error


# -- map-reduce --------------------------------------------------------------------------


def test_chunks_overlap_and_cover_the_text() -> None:
    assert chunk_text("abcdefghij", 4, 1) == ["abcd", "defg", "ghij"]
    assert chunk_text("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert chunk_text("abc", None) == ["abc"]
    assert chunk_text("abc", 10) == ["abc"]


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"chunk_size": 10, "chunk_overlap": 10}, "must be smaller than chunk_size"),
        ({"chunk_size": 10, "chunk_overlap": 12}, "must be smaller than chunk_size"),
        ({"chunk_overlap": 2}, "needs a chunk_size"),
        ({"fan_in": 3}, "hierarchical reduce only"),
        ({"reduce": "hierarchical", "fan_in": 1}, "greater than or equal to 2"),
    ],
)
def test_a_bad_map_reduce_config_is_refused_when_built(fields: dict[str, Any], says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        MapReduceConfig(**fields)


def map_all(config: MapReduceConfig, text: str) -> tuple[RunSteps, list[StepRecord]]:
    maps = decide_map_reduce(config, text, [])
    assert isinstance(maps, RunSteps)
    return maps, done(maps, [f"m{n}" for n in range(1, len(maps.steps) + 1)])


def test_the_map_phase_asks_for_every_chunk_at_once_within_max_parallel() -> None:
    config = MapReduceConfig(chunk_size=4, max_parallel=2)
    maps, _ = map_all(config, "abcdefghij")
    assert maps.max_parallel == 2
    assert [step.tags for step in maps.steps] == [{"iteration": n, "chunk": n} for n in (1, 2, 3)]
    assert "part 2 of 3" in maps.steps[1].input  # type: ignore[union-attr]
    assert "efgh" in maps.steps[1].input  # type: ignore[union-attr]


def test_summarize_reduces_once_and_concatenate_not_at_all() -> None:
    config = MapReduceConfig(chunk_size=4)
    _, steps = map_all(config, "abcdefghij")
    reduce = decide_map_reduce(config, "abcdefghij", steps)
    assert roles(reduce) == ["reducer"]
    assert all(f"m{n}" in reduce.steps[0].input for n in (1, 2, 3))  # type: ignore[union-attr]
    joined = decide_map_reduce(
        MapReduceConfig(chunk_size=4, reduce="concatenate"), "abcdefghij", steps
    )
    assert isinstance(joined, Finish)
    assert joined.output == "m1\n\nm2\n\nm3"


def test_a_single_chunk_needs_no_reduce() -> None:
    _, steps = map_all(MapReduceConfig(), "short")
    end = decide_map_reduce(MapReduceConfig(), "short", steps)
    assert isinstance(end, Finish)
    assert end.output == "m1"


def test_the_hierarchical_reduce_really_reduces_in_levels() -> None:
    config = MapReduceConfig(chunk_size=1, reduce="hierarchical", fan_in=2)
    text = "abcde"
    _, steps = map_all(config, text)
    levels = []
    while True:
        decision = decide_map_reduce(config, text, steps)
        if isinstance(decision, Finish):
            break
        assert isinstance(decision, RunSteps)
        levels.append([dict(step.tags) for step in decision.steps])
        start = len(steps) + 1
        steps += done(decision, [f"r{start + n}" for n in range(len(decision.steps))], start)
    # 5 results, 2 per call: 3 -> 2 -> 1 (a lone result goes up a level as it is).
    assert levels == [
        [{"level": 1, "group": 1}, {"level": 1, "group": 2}],
        [{"level": 2, "group": 1}],
        [{"level": 3, "group": 1}],
    ]
    assert "m5" not in steps[7].input  # the lone m5 waits while r6 and r7 combine,
    assert "r8" in steps[8].input
    assert "m5" in steps[8].input
    assert decision.output == "r9"
    assert decision.metadata["levels"] == 3


def test_a_failed_chunk_fails_the_run_or_is_skipped_and_named() -> None:
    text = "abcdefghij"
    _, steps = map_all(MapReduceConfig(chunk_size=4), text)
    steps[1] = broken(steps[1])
    end = decide_map_reduce(MapReduceConfig(chunk_size=4), text, steps)
    assert isinstance(end, Fail)
    assert "chunk 2" in end.error
    skip = MapReduceConfig(chunk_size=4, on_chunk_failure="skip")
    reduce = decide_map_reduce(skip, text, steps)
    prompt = reduce.steps[0].input  # type: ignore[union-attr]
    assert "m2" not in prompt
    assert "Parts 2 of the text could not be processed" in prompt


# -- ReAct -------------------------------------------------------------------------------


def thought(n: int, calls: tuple[ToolCall, ...] = (), output: str = "", **tags: Any) -> StepRecord:
    return StepRecord(
        index=n, role="reasoner", executor="r", kind="agent", input="...", status="completed",
        output=output, tool_calls=calls, tags={"iteration": n, **tags},
    )  # fmt: skip


def observation(index: int, step: int, action: int, output: str, ok: bool = True) -> StepRecord:
    return StepRecord(
        index=index, role="tool", executor="lookup", kind="tool", input="{}",
        status="completed" if ok else "failed", output=output if ok else "",
        error=None if ok else output, tags={"iteration": step, "action": action},
    )  # fmt: skip


CALLS = (
    ToolCall(id="c1", name="lookup", arguments='{"key": "a"}'),
    ToolCall(id="c2", name="lookup", arguments='{"key": "b"}'),
)


def test_react_runs_the_actions_then_shows_the_real_observations() -> None:
    config = ReActConfig()
    first = decide_react(config, "Q?", [])
    assert isinstance(first, RunSteps)
    step = first.steps[0]
    assert isinstance(step, AgentStep)
    assert step.run_tools is False
    assert step.offer_tools is True
    steps = [thought(1, CALLS, "I need a and b")]
    actions = decide_react(config, "Q?", steps)
    assert isinstance(actions, RunSteps)
    assert [s.call for s in actions.steps if isinstance(s, ToolStep)] == list(CALLS)
    assert actions.max_parallel == 1  # one after the other
    steps += [observation(2, 1, 1, "A=1"), observation(3, 1, 2, "Error: no b", ok=False)]
    second = decide_react(config, "Q?", steps).steps[0]  # type: ignore[union-attr]
    assert isinstance(second, AgentStep)
    assert "Thought: I need a and b" in second.input
    assert 'Action: lookup({"key": "a"})\nObservation: A=1' in second.input
    assert "Observation: Error: no b" in second.input
    assert "Simulated" not in second.input
    steps.append(thought(4, output="Thinking done.\nFinal Answer: 42"))
    end = decide_react(config, "Q?", steps)
    assert isinstance(end, Finish)
    assert end.output == "42"


def test_react_actions_run_at_once_when_asked() -> None:
    actions = decide_react(ReActConfig(parallel_actions=True), "Q", [thought(1, CALLS)])
    assert actions.max_parallel is None  # type: ignore[union-attr]


def test_at_the_step_limit_react_asks_for_an_answer_without_tools_or_fails() -> None:
    steps = [thought(1, CALLS[:1]), observation(2, 1, 1, "x")]
    last = decide_react(ReActConfig(max_steps=1), "Q", steps).steps[0]  # type: ignore[union-attr]
    assert isinstance(last, AgentStep)
    assert last.offer_tools is False
    assert "Give your final answer now" in last.input
    end = decide_react(ReActConfig(max_steps=1), "Q", [*steps, thought(1, (), "done", final=1)])
    assert isinstance(end, Finish)
    assert end.metadata["answered_at_limit"] is True
    strict = decide_react(ReActConfig(max_steps=1, answer_at_limit=False), "Q", steps)
    assert isinstance(strict, Fail)
    assert "within 1 steps" in strict.error


# -- limits ------------------------------------------------------------------------------


def usage(tokens: int = 0, calls: int = 0, steps: int = 0, cost: float | None = 0.0) -> RunUsage:
    return RunUsage(
        tokens=Usage(input_tokens=tokens), model_calls=calls, steps=steps, cost_usd=cost,
        unpriced_calls=0 if cost is not None else 1,
    )  # fmt: skip


def test_limits_block_what_would_pass_them() -> None:
    limits = MaxTokens(100) | MaxModelCalls(3) | MaxSteps(2) | Timeout(5)
    assert isinstance(limits, Limits)
    assert limits.timeout == 5
    assert limits.blocking(usage(99, 2, 1), "step") is None
    assert limits.blocking(usage(100), "model_call") == MaxTokens(100)
    assert limits.blocking(usage(calls=3), "model_call") == MaxModelCalls(3)
    # A step budget counts steps: model calls inside a running step are not steps.
    assert limits.blocking(usage(steps=2), "model_call") is None
    assert limits.blocking(usage(steps=2), "step") == MaxSteps(2)


def test_an_unknown_cost_counts_as_over_a_cost_budget() -> None:
    assert MaxCost(0.5).blocks(usage(cost=0.49), "step") is False
    assert MaxCost(0.5).blocks(usage(cost=0.5), "step") is True
    assert MaxCost(0.5).blocks(usage(cost=None), "step") is True
    assert "no known price" in MaxCost(0.5).describe(usage(cost=None))


def test_limits_are_wire_data() -> None:
    limits = MaxTokens(10) | Timeout(1.5) | MaxCost(0.1)
    assert Limits.model_validate_json(limits.model_dump_json()) == limits
    with pytest.raises(ValidationError):
        MaxTokens(0)
