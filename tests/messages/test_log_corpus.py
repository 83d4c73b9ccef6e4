"""Logs written by earlier versions of llmgine still load through the codec, typed.

Every line of every log in ``tests/fixtures/logs/`` reads back as a message of a known
class, except ``ArchiveSessionCommand`` (defined only in the script that wrote them).
Results come back as what their command declares, even from logs written before result
lines named their command; and the failed model call reads back as the ``Failure`` it
describes, also from logs written before failures were data (result lines of version 1).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

import llmgine.engine  # registers the message classes of the logs
import llmgine.tools
from llmgine.engine import TurnResult
from llmgine.llm import InvalidRequestError, LLMError, LLMResponse
from llmgine.logs import UnknownMessage, read_log, read_records
from llmgine.messages import Command, CommandResult, Message, registry, result_type
from llmgine.tools import ToolResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logs"
LOGS = sorted(FIXTURES.glob("*.jsonl"))
BEFORE_THE_CODEC = {"turns-48cf894.jsonl", "turns-02dc51a.jsonl", "turns-d74a259.jsonl"}


def test_the_corpus_holds_the_logs_of_every_version_recorded() -> None:
    names = {path.name for path in LOGS}
    assert {
        "turns-48cf894.jsonl",
        "turns-02dc51a.jsonl",
        "turns-d74a259.jsonl",
        "turns-57395aa.jsonl",
    } <= names
    assert llmgine.engine.PromptCommand is registry["PromptCommand"]
    assert llmgine.tools.ExecuteToolCommand is registry["ExecuteToolCommand"]


@pytest.fixture(params=LOGS, ids=lambda path: path.name)
def log(request: pytest.FixtureRequest) -> Path:
    path: Path = request.param
    return path


def commands_of(messages: list[Message | UnknownMessage]) -> dict[str, type[Message]]:
    return {m.command_id: type(m) for m in messages if isinstance(m, Command)}


def test_every_line_reads_back_as_a_known_class_but_the_scripts_own_command(log: Path) -> None:
    messages = list(read_log(log))
    records = list(read_records(log))

    assert len(messages) == len(records) == len(log.read_bytes().splitlines())
    unknown = [m for m in messages if isinstance(m, UnknownMessage)]
    assert [(m.kind, m.type) for m in unknown] == [("command", "ArchiveSessionCommand")]
    assert "not registered" in unknown[0].reason
    for message, record in zip(messages, records, strict=True):
        if isinstance(message, Message):
            assert type(message) is registry[record.type]
            assert message.wire_name == record.type


def test_results_come_back_as_what_their_command_declares(log: Path) -> None:
    messages = list(read_log(log))
    commands = commands_of(messages)
    results = [m for m in messages if isinstance(m, CommandResult)]
    declared: Counter[type] = Counter()
    tokens: Counter[tuple[str, str]] = Counter()

    for result in results:
        command = commands.get(result.command_id)
        if command is None:
            assert result.command_type == "ArchiveSessionCommand"
            continue
        assert result.command_type == command.wire_name
        if result.success:
            assert type(result.result) is result_type(command)
            declared[type(result.result)] += 1
        if isinstance(result.result, LLMResponse):
            usage = result.result.usage
            tokens[result.result.provider, "in"] += usage.input_tokens
            tokens[result.result.provider, "out"] += usage.output_tokens

    assert declared == {TurnResult: 4, LLMResponse: 7, ToolResult: 4}
    # The numbers the script that wrote the logs set (see the README there).
    assert tokens == {
        ("openai", "in"): 810,
        ("openai", "out"): 80,
        ("anthropic", "in"): 305,
        ("anthropic", "out"): 29,
    }
    tool_results = [r.result for r in results if isinstance(r.result, ToolResult)]
    assert [r.error_kind for r in tool_results].count("exception") == 1


def test_the_failed_model_call_reads_back_as_a_failure(log: Path) -> None:
    # Results were version 1 until the codec; version 1 lines carried a failed call's
    # details in ``result``, version 2 lines carry the failure as data.
    versions = {r.wire_version for r in read_records(log) if r.kind == "result"}
    assert versions == ({1} if log.name in BEFORE_THE_CODEC else {2})
    messages = list(read_log(log))
    commands = commands_of(messages)
    failed = [
        m
        for m in messages
        if isinstance(m, CommandResult) and not m.success and m.session_id == "broken"
    ]

    assert sorted(commands[m.command_id].__name__ for m in failed) == [
        "CallLLMCommand",
        "PromptCommand",
    ]
    for result in failed:
        failure = result.failure
        assert failure is not None
        assert result.result is None
        assert failure.kind == "invalid_request"
        assert failure.exception_type == "InvalidRequestError"
        assert (failure.provider, failure.model, failure.status_code) == (
            "openai",
            "gpt-4o-mini",
            400,
        )
        assert failure.message == "Unrecognized request argument supplied: frequency"
        assert not failure.retryable
        error = LLMError.from_failure(failure)
        assert type(error) is InvalidRequestError
        assert error.status_code == 400


def test_a_failure_written_as_text_reads_back_with_that_text(log: Path) -> None:
    [archive] = [
        m
        for m in read_log(log)
        if isinstance(m, CommandResult) and m.command_type == "ArchiveSessionCommand"
    ]

    assert not archive.success
    assert archive.failure is not None
    assert archive.error is not None
    assert archive.failure.message == archive.error
    assert "no handler is registered for ArchiveSessionCommand" in archive.error
