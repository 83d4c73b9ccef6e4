"""Figures over a whole log: counts, latency percentiles, tokens, failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from llmgine.logs import Latency, log_stats, read_records
from llmgine.logs._logstats import FAILURES_KEPT, percentile
from tests.logs._logs import BOTH_LOGS, command, event, result, write_log


def test_percentiles_are_by_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # 100 ... 1, unsorted on purpose
    assert [percentile(values, p) for p in (1, 50, 90, 99, 100)] == [1, 50, 90, 99, 100]
    assert percentile([7.0], 99) == 7.0
    assert [percentile([1.0, 2.0, 3.0, 4.0], p) for p in (25, 26, 50, 51, 75, 76)] == [
        1,
        2,
        2,
        3,
        3,
        4,
    ]


@pytest.mark.parametrize("p", [0, -1, 100.5])
def test_a_percentile_outside_the_range_is_an_error(p: float) -> None:
    with pytest.raises(ValueError, match="p must be in"):
        percentile([1.0], p)


def test_no_values_have_no_percentile() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
    assert Latency.of([]) is None


def crafted_log(path: Path) -> Path:
    """Ten model calls with known latencies, tokens and durations, and a few failures."""
    records: list[dict[str, Any]] = []
    for i in range(1, 11):
        session = "a" if i % 2 else "b"
        start = i * 10_000
        call = command("CallLLMCommand", ms=start, session=session, model="m:x", round=1)
        done = event(
            "LLMCallCompletedEvent",
            ms=start + 1,
            session=session,
            parent=call["command_id"],
            model="p:one" if i <= 8 else "p:two",
            usage={"input_tokens": 100 * i, "output_tokens": i},
            latency_ms=float(i),
        )
        # The result comes i * 100 ms after the command.
        records += [call, done, result(call, ms=start + 100 * i)]
    slow = command("SlowCommand", ms=0, session="a")
    records += [
        slow,
        result(slow, ms=1000, ok=False, error="it gave up"),
        # The bus measured 42 ms: that is the duration, not the 1,000 ms between timestamps.
        event("CommandFailedEvent", command_id=slow["command_id"], duration_ms=42.0),
        event("LLMCallFailedEvent", session="b", model="p:two", error_type="RateLimitError",
              error="slow down", latency_ms=5.0),
        event("ToolCallCompletedEvent", tool_name="w", duration_ms=3.0),
        event("ToolCallFailedEvent", tool_name="w", error_kind="timeout", error="30 s",
              duration_ms=30_000.0),
        event("HandlerFailedEvent", handler="on_x", exception_type="KeyError",
              exception_message="'k'"),
        command("PromptCommand", session="c", prompt="never answered"),
    ]  # fmt: skip
    return write_log(path, records)


def test_latency_percentiles_of_commands_by_type(tmp_path: Path) -> None:
    stats = log_stats(read_records(crafted_log(tmp_path / "log.jsonl")))
    calls = stats.commands["CallLLMCommand"]
    assert (calls.calls, calls.failed) == (10, 0)
    assert calls.latency == Latency(10, 500.0, 900.0, 1000.0, 1000.0)
    slow = stats.commands["SlowCommand"]
    assert (slow.calls, slow.failed) == (1, 1)
    assert slow.latency == Latency(1, 42.0, 42.0, 42.0, 42.0)
    prompts = stats.commands["PromptCommand"]
    assert (prompts.calls, prompts.latency) == (1, None)
    assert stats.unfinished == 1


def test_model_calls_by_model_with_latencies_and_tokens(tmp_path: Path) -> None:
    stats = log_stats(read_records(crafted_log(tmp_path / "log.jsonl")))
    one, two = stats.models["p:one"], stats.models["p:two"]
    assert (one.calls, one.failed, one.input_tokens, one.output_tokens) == (8, 0, 3600, 36)
    assert one.latency == Latency(8, 4.0, 8.0, 8.0, 8.0)
    # The failed call counts as a call, with no tokens and no latency of a completed one.
    assert (two.calls, two.failed, two.input_tokens, two.output_tokens) == (3, 1, 1900, 19)
    assert two.latency == Latency(2, 9.0, 10.0, 10.0, 10.0)


def test_tokens_by_session(tmp_path: Path) -> None:
    stats = log_stats(read_records(crafted_log(tmp_path / "log.jsonl")))
    tokens = {
        name: (s.calls, s.failed, s.input_tokens, s.output_tokens)
        for name, s in stats.sessions.items()
    }
    assert tokens == {
        "a": (5, 0, 2500, 25),  # calls 1, 3, 5, 7, 9
        "b": (6, 1, 3000, 30),  # calls 2, 4, 6, 8, 10 and the failed one
        "s": (0, 0, 0, 0),
        "c": (0, 0, 0, 0),
    }


def test_failures_of_every_kind_in_log_order(tmp_path: Path) -> None:
    stats = log_stats(read_records(crafted_log(tmp_path / "log.jsonl")))
    assert [(f.what, f.error) for f in stats.failures] == [
        ("SlowCommand", "it gave up"),
        ("llm p:two", "RateLimitError: slow down"),
        ("tool w", "timeout: 30 s"),
        ("handler on_x", "KeyError: 'k'"),
    ]
    assert stats.failure_count == 4
    assert stats.failures_by_what == {
        "SlowCommand": 1,
        "llm p:two": 1,
        "tool w": 1,
        "handler on_x": 1,
    }
    assert stats.tools["w"].calls == 2
    assert stats.tools["w"].failed == 1
    assert stats.tools["w"].latency == Latency(2, 3.0, 30_000.0, 30_000.0, 30_000.0)


def test_counts_by_kind_and_type(tmp_path: Path) -> None:
    stats = log_stats(read_records(crafted_log(tmp_path / "log.jsonl")))
    assert stats.messages == 38
    assert stats.types[("command", "CallLLMCommand")] == 10
    assert stats.types[("result", "CommandResult")] == 11
    assert stats.types[("event", "LLMCallCompletedEvent")] == 10
    assert sum(stats.types.values()) == stats.messages
    assert stats.turns == 1


def test_only_the_first_failures_are_kept_but_all_are_counted(tmp_path: Path) -> None:
    failures = [
        event("ToolCallFailedEvent", tool_name=f"t{i}", error_kind="exception", error="x")
        for i in range(FAILURES_KEPT + 7)
    ]
    stats = log_stats(read_records(write_log(tmp_path / "log.jsonl", failures)))
    assert stats.failure_count == FAILURES_KEPT + 7
    assert len(stats.failures) == FAILURES_KEPT
    assert stats.failures[-1].what == f"tool t{FAILURES_KEPT - 1}"
    assert stats.failures_by_what[f"tool t{FAILURES_KEPT + 6}"] == 1
    assert sum(stats.failures_by_what.values()) == FAILURES_KEPT + 7


def test_a_result_whose_command_is_not_in_the_log_is_still_counted(tmp_path: Path) -> None:
    lost = command("Lost")
    stats = log_stats(read_records(write_log(tmp_path / "l.jsonl", [result(lost, ms=1)])))
    assert stats.commands["?"].calls == 1
    assert stats.unfinished == 0


@pytest.mark.parametrize("path", BOTH_LOGS, ids=lambda p: p.name)
def test_the_fixture_logs(path: Path) -> None:
    stats = log_stats(read_records(path))
    assert (stats.messages, len(stats.sessions), stats.turns) == (102, 5, 5)
    models = {
        name: (m.calls, m.failed, m.input_tokens, m.output_tokens)
        for name, m in stats.models.items()
    }
    assert models == {
        "openai:gpt-4o-mini": (6, 1, 810, 80),
        "anthropic:claude-haiku-4-5": (2, 0, 305, 29),
    }
    sessions = {name: (s.input_tokens, s.output_tokens) for name, s in stats.sessions.items()}
    assert sessions == {
        "weather": (460, 34),
        "math": (350, 46),
        "haiku": (305, 29),
        "broken": (0, 0),
        "admin": (0, 0),
    }
    commands = {name: (c.calls, c.failed) for name, c in stats.commands.items()}
    assert commands == {
        "PromptCommand": (5, 1),
        "CallLLMCommand": (8, 1),
        "ExecuteToolCommand": (4, 0),
        "ArchiveSessionCommand": (1, 1),
    }
    assert [f.what for f in stats.failures] == [
        "tool divide",
        "llm openai:gpt-4o-mini",
        "CallLLMCommand",
        "PromptCommand",
        "ArchiveSessionCommand",
    ]
    # Every command's duration is the one the bus measured and wrote in the log.
    measured = sorted(
        r.data["duration_ms"]
        for r in read_records(path)
        if r.type in ("CommandSucceededEvent", "CommandFailedEvent")
        and r.data["command_type"] == "PromptCommand"
    )
    prompts = stats.commands["PromptCommand"].latency
    assert prompts is not None
    assert (prompts.count, prompts.p50, prompts.max) == (5, measured[2], measured[4])
    assert stats.unfinished == 0
