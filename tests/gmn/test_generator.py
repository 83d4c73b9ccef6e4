"""The GMN generator on a bus: it asks the model through the engine, validates each answer
in code, sends the errors back until a spec is valid or the repair rounds run out, and says
in the result and in events what happened. Models here are scripted: no network."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmgine.bus import MessageBus
from llmgine.engine import CallLLMCommand, LLMCallCompletedEvent
from llmgine.gmn import (
    GenerateGMNCommand,
    GMNDraftReceivedEvent,
    GMNGeneratedEvent,
    GMNGenerationStartedEvent,
    GMNGenerator,
    GMNRefinedEvent,
    GMNRefinementStartedEvent,
    GMNRepairRequestedEvent,
    GMNResult,
    GMNTemplateUsedEvent,
    GMNValidatedEvent,
    RefineGMNCommand,
    ValidateGMNCommand,
    render,
    template,
    validate,
)
from llmgine.gmn._prompts import issue_text
from llmgine.llm import AssistantMessage, SystemMessage, UserMessage
from llmgine.messages import Command, CommandResult, Event, Message
from llmgine.testing import Fault, ScriptedProvider
from tests.gmn._generation import BROKEN, UNNORMALISED, fenced, generator_bus, logged
from tests.gmn._specs import CORRIDOR

PROMPT = "an agent in a corridor of three cells that wants the right end"


async def test_an_invalid_spec_goes_back_with_its_errors_and_the_repaired_one_is_valid() -> None:
    model = ScriptedProvider([fenced(UNNORMALISED), fenced(CORRIDOR)])
    async with model, generator_bus(model) as bus:
        result = (await bus.execute(GenerateGMNCommand(prompt=PROMPT))).unwrap()

    assert (result.valid, result.rounds, result.errors) == (True, 1, ())
    assert (result.spec, result.source, result.model) == (CORRIDOR, "model", "scripted:test")
    first, second = model.requests
    assert [type(m) for m in first.messages] == [SystemMessage, UserMessage]
    assert PROMPT in first.messages[1].content
    # The second request is the same conversation, the first answer and the errors added.
    assert second.messages[:2] == first.messages
    assert second.messages[2] == AssistantMessage(content=fenced(UNNORMALISED))
    [error] = validate(UNNORMALISED).errors
    assert error.code == "E302"
    repair = second.messages[3]
    assert isinstance(repair, UserMessage)
    assert issue_text(error) in repair.content
    assert f"line {error.line}, column {error.column}: E302" in repair.content


async def test_a_model_that_never_gets_it_right_stops_at_the_repair_limit() -> None:
    # ScriptedProvider fails on a fourth call, and on closing with a step unused.
    model = ScriptedProvider([fenced(BROKEN)] * 3)
    async with model, generator_bus(model, max_repair_rounds=2) as bus:
        result = (await bus.execute(GenerateGMNCommand(prompt=PROMPT))).unwrap()

    assert (result.valid, result.rounds, result.spec) == (False, 2, BROKEN)
    assert [e.code for e in result.errors] == [e.code for e in validate(BROKEN).errors]
    assert {"E103", "E201"} <= {e.code for e in result.errors}
    assert len(model.requests) == 3


async def test_the_command_can_lower_the_repair_limit_to_none() -> None:
    model = ScriptedProvider([fenced(BROKEN)])
    async with model, generator_bus(model, max_repair_rounds=5) as bus:
        command = GenerateGMNCommand(prompt=PROMPT, max_repair_rounds=0)
        result = (await bus.execute(command)).unwrap()

    assert (result.valid, result.rounds) == (False, 0)


def _id(message: Message) -> str:
    return message.message_id


def _ancestors(message: Message, by_id: dict[str, Message]) -> list[str]:
    """The ids of the messages ``message`` descends from, nearest first."""
    chain: list[str] = []
    parent = getattr(message, "parent_id", None)
    while parent is not None:
        chain.append(parent)
        parent = getattr(by_id[parent], "parent_id", None)
    return chain


async def test_each_step_and_repair_round_is_in_the_log_in_order_under_the_command(
    tmp_path: Path,
) -> None:
    model = ScriptedProvider([fenced(UNNORMALISED), fenced(CORRIDOR)])
    async with model, generator_bus(model, log_dir=tmp_path) as bus:
        command = GenerateGMNCommand(prompt=PROMPT)
        await bus.execute(command)
    log = logged(bus.log_path)

    steps = (
        GenerateGMNCommand,
        GMNGenerationStartedEvent,
        CallLLMCommand,
        GMNDraftReceivedEvent,
        ValidateGMNCommand,
        GMNValidatedEvent,
        GMNRepairRequestedEvent,
        GMNGeneratedEvent,
    )
    ours = [m for m in log if isinstance(m, steps) and not isinstance(m, CommandResult)]
    assert [type(m).__name__ for m in ours] == [
        "GenerateGMNCommand",
        "GMNGenerationStartedEvent",
        "CallLLMCommand",
        "GMNDraftReceivedEvent",
        "ValidateGMNCommand",
        "GMNValidatedEvent",
        "GMNRepairRequestedEvent",
        "CallLLMCommand",
        "GMNDraftReceivedEvent",
        "ValidateGMNCommand",
        "GMNValidatedEvent",
        "GMNGeneratedEvent",
    ]
    by_id = {_id(m): m for m in log if isinstance(m, Command | Event)}
    root = command.command_id
    calls = [m for m in ours if isinstance(m, CallLLMCommand)]
    for message in ours[1:]:
        # Each validation's event hangs under its command, a model call's under the call.
        chain = _ancestors(message, by_id)
        assert chain[-1] == root, type(message).__name__
        assert len(chain) == (2 if isinstance(message, GMNValidatedEvent) else 1)
    completed = [m for m in log if isinstance(m, LLMCallCompletedEvent)]
    assert [_ancestors(m, by_id) for m in completed] == [[_id(c), root] for c in calls]

    assert [c.round for c in calls] == [1, 2]
    assert [d.round for d in ours if isinstance(d, GMNDraftReceivedEvent)] == [0, 1]
    assert all(d.fenced for d in ours if isinstance(d, GMNDraftReceivedEvent))
    validated = [v for v in ours if isinstance(v, GMNValidatedEvent)]
    assert [(v.valid, v.errors) for v in validated] == [(False, ("E302",)), (True, ())]
    [repair] = [r for r in ours if isinstance(r, GMNRepairRequestedEvent)]
    assert repair.round == 1
    assert repair.errors == (issue_text(validate(UNNORMALISED).errors[0]),)
    [done] = [d for d in ours if isinstance(d, GMNGeneratedEvent)]
    assert (done.valid, done.rounds, done.source, done.errors) == (True, 1, "model", 0)
    [result] = [m for m in log if isinstance(m, CommandResult) and m.command_id == root]
    assert result.success
    assert GMNResult.model_validate(result.result).rounds == 1


async def test_offline_generation_returns_the_customised_template_and_says_so(
    tmp_path: Path,
) -> None:
    prompt = "a cautious explorer on a 3x3 grid"
    async with MessageBus(log_dir=tmp_path) as bus:
        # No engine: offline, no model is asked at all.
        with GMNGenerator("offline:stand-in").attach(bus):
            result = (await bus.execute(GenerateGMNCommand(prompt=prompt))).unwrap()
    log = logged(bus.log_path)

    assert result.spec == render(template("explorer", prompt))
    assert (result.valid, result.rounds, result.warnings) == (True, 0, ())
    assert (result.source, result.agent_type, result.model) == (
        "template",
        "explorer",
        "offline:stand-in",
    )
    assert "offline explorer template, customised: 3x3 grid, cautious" in result.note
    [used] = [m for m in log if isinstance(m, GMNTemplateUsedEvent)]
    assert used.customisations == ("3x3 grid", "cautious")
    [started] = [m for m in log if isinstance(m, GMNGenerationStartedEvent)]
    assert started.offline
    assert not [m for m in log if isinstance(m, CallLLMCommand | GMNDraftReceivedEvent)]


async def test_with_no_model_named_the_generator_detects_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LLMGINE_MODEL", "offline:stand-in")
    generator = GMNGenerator()
    async with MessageBus(log_dir=None) as bus:
        with generator.attach(bus):
            result = (await bus.execute(GenerateGMNCommand(prompt="a market trader"))).unwrap()

    assert generator.model == "offline:stand-in"
    assert (result.source, result.agent_type) == ("template", "trader")


async def test_refinement_sends_spec_problems_and_feedback_and_revalidates() -> None:
    refined = CORRIDOR.replace("values: [0.0, 0.0, 2.0]", "values: [-1.0, 0.0, 4.0]")
    unrefined = CORRIDOR.replace("    initial: [1.0, 0.0, 0.0]\n", "")
    feedback = "make the left end unpleasant and the right end much more wanted"
    model = ScriptedProvider([fenced(BROKEN), fenced(refined)])
    async with model, generator_bus(model) as bus:
        command = RefineGMNCommand(spec=unrefined, feedback=feedback)
        result = (await bus.execute(command)).unwrap()

    assert (result.spec, result.valid, result.rounds, result.source) == (refined, True, 1, "model")
    ask = model.requests[0].messages[-1].content
    assert unrefined.strip() in ask
    assert feedback in ask
    assert "W102" in ask, "the spec's current problems go along"
    assert "Keep the agent's intent" in ask
    assert "E103" in model.requests[1].messages[-1].content


async def test_offline_refinement_returns_the_spec_unchanged_and_says_so(tmp_path: Path) -> None:
    async with MessageBus(log_dir=tmp_path) as bus:
        with GMNGenerator("offline:stand-in").attach(bus):
            command = RefineGMNCommand(spec=BROKEN, feedback="fix it")
            result = (await bus.execute(command)).unwrap()
    log = logged(bus.log_path)

    assert (result.spec, result.source, result.valid) == (BROKEN, "unchanged", False)
    assert "returned unchanged" in result.note
    assert [
        type(m).__name__ for m in log if isinstance(m, Event) and "GMN" in type(m).__name__
    ] == [
        "GMNRefinementStartedEvent",
        "GMNValidatedEvent",
        "GMNRefinedEvent",
    ]
    assert [m.offline for m in log if isinstance(m, GMNRefinementStartedEvent)] == [True]
    assert [m.valid for m in log if isinstance(m, GMNRefinedEvent)] == [False]


async def test_a_failed_model_call_fails_the_command_with_its_kind() -> None:
    model = ScriptedProvider([Fault.unauthorized()])
    async with model, generator_bus(model) as bus:
        result = await bus.execute(GenerateGMNCommand(prompt=PROMPT))

    assert result.failure is not None
    assert result.failure.kind == "auth_failed"
    assert result.failure.provider == "scripted"


async def test_without_an_engine_the_failure_says_what_to_start() -> None:
    async with MessageBus(log_dir=None) as bus:
        with GMNGenerator("openai:gpt-4o-mini").attach(bus):
            result = await bus.execute(GenerateGMNCommand(prompt=PROMPT))

    assert result.failure is not None
    assert result.failure.kind == "no_handler"
    assert "start a ToolChatEngine" in result.failure.message


async def test_validate_command_returns_the_report_and_publishes_the_codes(
    tmp_path: Path,
) -> None:
    async with MessageBus(log_dir=tmp_path) as bus:
        with GMNGenerator("offline:stand-in").attach(bus):
            command = ValidateGMNCommand(spec=CORRIDOR, constraints={"max_states": 2})
            report = (await bus.execute(command)).unwrap()
    [event] = [m for m in logged(bus.log_path) if isinstance(m, GMNValidatedEvent)]

    assert report == validate(CORRIDOR, constraints={"max_states": 2})
    assert report.codes() == ["E208"]
    assert (event.valid, event.errors, event.warnings, event.parent_id) == (
        False,
        ("E208",),
        (),
        command.command_id,
    )


def test_commands_refuse_empty_text_and_negative_rounds() -> None:
    with pytest.raises(ValueError, match="at least 1 character"):
        GenerateGMNCommand(prompt="")
    with pytest.raises(ValueError, match="at least 1 character"):
        RefineGMNCommand(spec=CORRIDOR, feedback="")
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        GenerateGMNCommand(prompt=PROMPT, max_repair_rounds=-1)
    with pytest.raises(ValueError, match="max_repair_rounds must be 0 or more"):
        GMNGenerator(max_repair_rounds=-1)
