"""A session's timeline rebuilt from a log: the tree of causes, and what each step shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from llmgine.logs import (
    SessionTimeline,
    TimelineEntry,
    build_timelines,
    read_records,
    session_entries,
    shown_children,
    timeline_entry,
)
from tests.logs._logs import BOTH_LOGS, SESSIONS, command, event, result, write_log

DURATION = re.compile(r"^\d+(\.\d\d)? ms$|^\d+\.\d s$")


def timelines_of(path: Path, session: str | None = None) -> dict[str, SessionTimeline]:
    return {t.session_id: t for t in build_timelines(read_records(path), session)}


def shape(entry: TimelineEntry) -> object:
    """An entry as (label, ok, children), to compare whole trees at once."""
    return (entry.label, entry.ok, [shape(c) for c in entry.children])


@pytest.fixture(params=BOTH_LOGS, ids=lambda p: p.name)
def log(request: pytest.FixtureRequest) -> Path:
    return Path(request.param)


def test_every_session_of_a_fixture_gets_a_timeline_in_order(log: Path) -> None:
    timelines = timelines_of(log)
    assert list(timelines) == SESSIONS
    counts = {name: (len(t.turns), t.messages) for name, t in timelines.items()}
    assert counts == {
        "weather": (2, 34),
        "math": (1, 29),
        "haiku": (1, 25),
        "broken": (1, 10),
        "admin": (0, 4),
    }
    weather = timelines["weather"]
    assert weather.first is not None
    assert weather.last is not None
    assert weather.first < weather.last


def test_a_tool_using_turn_shows_its_model_calls_tool_call_and_answer(log: Path) -> None:
    first, second = session_entries(timelines_of(log)["weather"])
    assert shape(first) == (
        "turn 1",
        True,
        [("llm", True, []), ("tool", True, []), ("llm", True, []), ("answer", None, [])],
    )
    assert first.title == '"What is the weather in Paris?"'
    assert DURATION.match(first.facts[0])
    assert first.facts[1:] == ("2 rounds", "280 in / 29 out tokens")
    llm, tool, llm2, answer = first.children
    assert llm.title == "openai:gpt-4o-mini round 1"
    assert DURATION.match(llm.facts[0])
    assert llm.facts[1:] == ("120 in / 18 out tokens", "tool_calls")
    assert tool.title == 'get_weather(city="Paris")'
    assert tool.outcome == "Sunny and 21 C in Paris"
    assert llm2.facts[1:] == ("160 in / 11 out tokens", "stop")
    assert answer.title == '"It is sunny in Paris, 21 C."'
    assert second.label == "turn 2"
    assert second.facts[1:] == ("1 round", "180 in / 5 out tokens")


def test_a_step_opens_one_level_at_a_time(log: Path) -> None:
    """What a reader that loads a large tree on demand uses: an entry without its children,
    and the steps that are entries of their own (the model call's events are folded)."""
    turn = timelines_of(log)["weather"].turns[0]
    whole = timeline_entry(turn)
    alone = timeline_entry(turn, depth=0)
    assert alone.children == ()
    assert (alone.title, alone.facts, alone.ok) == (whole.title, whole.facts, whole.ok)
    shown = shown_children(turn)
    assert [s.type for s in shown] == [
        "CallLLMCommand",
        "ExecuteToolCommand",
        "CallLLMCommand",
        "ResponseCompletedEvent",
    ]
    assert [timeline_entry(s, depth=0) for s in shown] == list(whole.children)
    assert shown_children(shown[0]) == []
    assert timeline_entry(turn, depth=1).children == whole.children


def test_a_failing_tool_is_marked_with_its_error_and_the_turn_goes_on(log: Path) -> None:
    (turn,) = session_entries(timelines_of(log)["math"])
    assert shape(turn) == (
        "turn 1",
        True,
        [
            ("llm", True, []),
            ("tool", True, []),
            ("tool", False, []),
            ("llm", True, []),
            ("answer", None, []),
        ],
    )
    good, bad = turn.children[1:3]
    assert (good.title, good.outcome) == ("divide(a=7, b=2)", "3.5")
    assert bad.title == "divide(a=1, b=0)"
    assert bad.outcome == "exception: ZeroDivisionError: float division by zero"


def test_a_clean_session_start_and_end_are_left_out_beside_the_turn(log: Path) -> None:
    timeline = timelines_of(log)["haiku"]
    assert [s.type for s in timeline.steps] == [
        "SessionStartedEvent",
        "PromptCommand",
        "SessionEndedEvent",
    ]
    (turn,) = session_entries(timeline)
    assert (turn.label, turn.title) == ("turn 1", '"Weather in Kyoto?"')
    assert turn.children[0].title == "anthropic:claude-haiku-4-5 round 1"
    assert turn.children[0].facts[1:] == ("130 in / 20 out tokens", "tool_calls")


def test_the_bus_bookkeeping_shows_only_when_it_reports_a_problem(tmp_path: Path) -> None:
    records = [
        event("SessionStartedEvent", session="s"),
        event("SessionEndedEvent", session="s", error="RuntimeError: boom"),
        event("MetricsReportedEvent", session="s", snapshot={}, final=True),
        event("BusStoppedEvent", session="s", undelivered=0, commands_in_flight=0,
              timed_out=False),
        event("BusStoppedEvent", session="s", undelivered=3, commands_in_flight=0,
              timed_out=True),
    ]  # fmt: skip
    (timeline,) = build_timelines(read_records(write_log(tmp_path / "log.jsonl", records)))
    assert [e.title for e in session_entries(timeline)] == [
        "SessionEndedEvent RuntimeError: boom",
        "BusStoppedEvent undelivered=3, commands_in_flight=0, timed_out=true",
    ]


def test_a_failed_turn_shows_its_error_and_the_failed_model_call(log: Path) -> None:
    (turn,) = session_entries(timelines_of(log)["broken"])
    assert shape(turn) == ("turn 1", False, [("llm", False, [])])
    assert turn.outcome == "InvalidRequestError: Unrecognized request argument supplied: frequency"
    assert turn.children[0].outcome == (
        "InvalidRequestError: openai:gpt-4o-mini (HTTP 400): "
        "Unrecognized request argument supplied: frequency"
    )


def test_a_command_nobody_handled_shows_by_type_and_fields(log: Path) -> None:
    (entry,) = session_entries(timelines_of(log)["admin"])
    assert (entry.label, entry.title, entry.ok) == (
        "command",
        'ArchiveSessionCommand reason="done"',
        False,
    )
    assert entry.outcome.startswith("no handler is registered for ArchiveSessionCommand")
    assert entry.children == ()  # its lifecycle events are folded into it


def test_a_turn_takes_the_duration_the_bus_measured(log: Path) -> None:
    records = list(read_records(log))
    measured = next(
        r.data["duration_ms"]
        for r in records
        if r.type == "CommandSucceededEvent" and r.data["command_type"] == "PromptCommand"
    )
    (timeline, *_) = build_timelines(records)
    assert timeline.turns[0].duration_ms == measured


def test_one_session_only(log: Path) -> None:
    assert list(timelines_of(log, "math")) == ["math"]
    assert timelines_of(log, "nobody") == {}


def test_nested_commands_hang_under_the_command_that_sent_them(tmp_path: Path) -> None:
    plan = command("PlanTripCommand", destination="Oslo")
    turn = command("PromptCommand", ms=1, parent=plan["command_id"], prompt="Weather?")
    call = command("CallLLMCommand", ms=2, parent=turn["command_id"], model="m:x", round=1)
    note = event("NotedEvent", ms=3, parent=turn["command_id"], note="hi")
    log = write_log(
        tmp_path / "log.jsonl",
        [plan, turn, call, result(call, ms=3), note, result(turn, ms=4), result(plan, ms=250)],
    )
    (entry,) = session_entries(build_timelines(read_records(log))[0])
    assert shape(entry) == (
        "command",
        True,
        [("turn", True, [("llm", True, []), ("event", None, [])])],
    )
    # With no finished event in the log, a duration comes from the timestamps.
    assert entry.facts == ("250 ms",)
    assert entry.children[0].children[1].title == 'NotedEvent note="hi"'


def test_a_parent_in_another_session_or_missing_leaves_a_step_at_the_top(tmp_path: Path) -> None:
    outer = command("PromptCommand", session="a", prompt="hi")
    inner = command("PromptCommand", session="b", parent=outer["command_id"], prompt="there")
    stray = event("LLMCallCompletedEvent", session="b", parent="not-in-the-log", model="m")
    log = write_log(tmp_path / "log.jsonl", [outer, inner, stray, result(command("Gone"), ms=1)])
    timelines = build_timelines(read_records(log))
    assert [t.session_id for t in timelines] == ["a", "b", "s"]
    b = session_entries(timelines[1])
    assert [e.label for e in b] == ["turn 1", "event"]
    orphan = session_entries(timelines[2])
    assert [(e.label, e.title) for e in orphan] == [("result", "CommandResult ok")]


def test_a_turn_cut_off_says_it_has_no_result(tmp_path: Path) -> None:
    turn = command("PromptCommand", prompt="Still thinking?")
    call = command("CallLLMCommand", parent=turn["command_id"], model="m:x", round=1)
    log = write_log(tmp_path / "log.jsonl", [turn, call])
    (entry,) = session_entries(build_timelines(read_records(log))[0])
    assert entry.ok is None
    assert entry.facts == ("no result in the log",)
    assert entry.children[0].facts == ("no result in the log",)


def test_tool_calls_read_from_the_result_when_the_log_has_no_tool_events(tmp_path: Path) -> None:
    turn = command("PromptCommand", prompt="?")
    calls = [
        command("ExecuteToolCommand", parent=turn["command_id"], call={"name": n, "arguments": a})
        for n, a in [("ok", "{}"), ("bad", "{not json")]
    ]
    outcomes = [
        {"content": "fine", "error_kind": None, "duration_ms": 1.5},
        {"content": "Error", "error": "boom", "error_kind": "exception", "duration_ms": 2.0},
    ]
    requested = event(
        "ToolCallRequestedEvent", parent=turn["command_id"], tool_name="later", arguments="{}"
    )
    log = write_log(
        tmp_path / "log.jsonl",
        [
            turn,
            requested,
            *calls,
            *(result(c, ms=3, value=o) for c, o in zip(calls, outcomes, strict=True)),
        ],
    )
    (entry,) = session_entries(build_timelines(read_records(log))[0])
    later, good, bad = entry.children
    assert (later.label, later.title, later.ok, later.facts) == (
        "tool",
        "later()",
        None,
        ("not run",),
    )
    assert (good.title, good.ok, good.facts, good.outcome) == ("ok()", True, ("1.50 ms",), "fine")
    assert (bad.title, bad.ok, bad.outcome) == ("bad({not json)", False, "exception: boom")


def test_long_texts_are_cut_unless_the_limit_is_none(tmp_path: Path) -> None:
    prompt = "Tell me " + "very " * 50 + "much"
    turn = command("PromptCommand", prompt=prompt)
    log = write_log(tmp_path / "log.jsonl", [turn, result(turn, ms=1)])
    timeline = build_timelines(read_records(log))[0]
    assert len(session_entries(timeline, 40)[0].title) == 40
    assert session_entries(timeline, None)[0].title == f'"{prompt}"'
