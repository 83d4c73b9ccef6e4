"""``llmgine complete`` and ``llmgine sessions``; the chat is a program, not a subcommand."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from llmgine.cli import main
from llmgine.context import SessionRecord, SessionStore
from llmgine.llm import AssistantMessage, UserMessage
from llmgine.testing import FakeLLMServer, Fault, text, tool_call
from tests.programs._chat import chat_env, closed_port


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # sessions/ and logs/ land here
    monkeypatch.setenv("OLLAMA_HOST", chat_env()["OLLAMA_HOST"])


def test_help_lists_the_program_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in ("complete", "sessions", "version", "logs", "gmn"):
        assert f"    {name}" in out
    assert "    chat" not in out  # the function chat is a program: ./run_function_chat.sh


# -- complete ------------------------------------------------------------------------------


CALCULATE = "programs.function_chat:calculate"


def test_complete_answers_with_the_tools_it_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["complete", "--tool", CALCULATE, "What is 6 times 7?"]) == 0
    out, err = capsys.readouterr()
    assert "calculate returned: 42" in out
    assert "[tool] calculate(expression='6*7')" in err
    assert "offline stand-in" in err
    assert len(list((tmp_path / "sessions").glob("*.json"))) == 1  # to go on with: --continue
    assert len(list((tmp_path / "logs").glob("llmgine-*.jsonl"))) == 1


def test_complete_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["complete", "--json", "--tool", CALCULATE, "What is 2+3?"]) == 0
    out, err = capsys.readouterr()
    answer = orjson.loads(out)
    assert answer["ok"] is True
    assert answer["model"] == "offline:stand-in"
    assert answer["rounds"] == 2
    assert answer["tool_calls"] == [
        {"name": "calculate", "arguments": '{"expression":"2+3"}', "result": "5", "ok": True}
    ]
    assert "calculate returned: 5" in answer["content"]
    assert err == ""


def test_complete_without_tools(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["complete", "--json", "What is 2+3?"]) == 0
    answer = orjson.loads(capsys.readouterr().out)
    assert answer["tool_calls"] == []
    assert "no tool for it was offered" in answer["content"]


def test_complete_with_a_model_and_a_system_prompt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeLLMServer([text("Paris.")]) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-complete")
        monkeypatch.setenv("OPENAI_BASE_URL", server.openai_base_url)
        status = main(
            ["complete", "--model", "openai:gpt-4o", "--system-prompt", "Be terse.",
             "Capital of France?"]
        )  # fmt: skip
        (request,) = server.requests
    assert status == 0
    assert capsys.readouterr().out == "Paris.\n"
    assert request.model == "gpt-4o"
    assert request.messages[0]["role"] == "system"
    assert str(request.messages[0]["content"]).startswith("Be terse.")


def test_complete_reports_a_failed_turn(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    refusal = Fault.bad_request("that model does not exist")
    with FakeLLMServer([refusal, refusal]) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-complete")
        monkeypatch.setenv("OPENAI_BASE_URL", server.openai_base_url)
        assert main(["complete", "--model", "openai:no-such-model", "Hi"]) == 1
        assert main(["complete", "--json", "--model", "openai:no-such-model", "Hi"]) == 1
    out, err = capsys.readouterr()
    assert "error: " in err
    assert "that model does not exist" in err
    assert orjson.loads(out)["ok"] is False


def test_complete_with_an_unknown_provider_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["complete", "--model", "nowhere:x", "Hi"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: cannot start: no provider is registered for 'nowhere'")


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("calculate", "write it as MODULE:FUNCTION"),
        ("no_such_module_here:f", "cannot import 'no_such_module_here'"),
        ("programs.function_chat:nothing", "has no function 'nothing'"),
    ],
)
def test_complete_with_a_tool_that_cannot_be_found_is_a_usage_error(
    spec: str, error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["complete", "--tool", spec, "Hi"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert error in line


def test_complete_that_runs_out_of_tool_rounds_fails_and_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asking = tool_call("calculate", {"expression": "1+1"})
    with FakeLLMServer([asking] * 6) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-complete")
        monkeypatch.setenv("OPENAI_BASE_URL", server.openai_base_url)
        monkeypatch.setenv("LLMGINE_MAX_TOOL_ITERATIONS", "2")
        plain = main(["complete", "--tool", CALCULATE, "--model", "openai:gpt-4o", "Sum it"])
        _, err = capsys.readouterr()
        as_json = main(
            ["complete", "--json", "--tool", CALCULATE, "--model", "openai:gpt-4o", "Sum it"]
        )
    assert plain == 1
    assert err.count("[tool] calculate -> 2") == 2
    assert err.splitlines()[-1] == (
        "error: stopped after 2 tool rounds with the model still asking for 1 more tool call, "
        "so this answer may be unfinished; raise LLMGINE_MAX_TOOL_ITERATIONS to allow more rounds"
    )
    assert as_json == 1
    answer = orjson.loads(capsys.readouterr().out)
    assert answer["ok"] is False
    assert answer["finish_reason"] == "max_tool_rounds"
    assert answer["error"].startswith("stopped after 2 tool rounds")
    assert len(answer["tool_calls"]) == 2


def test_complete_says_when_the_server_did_not_report_usage(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    silent = text("Paris.", report_usage=False)
    with FakeLLMServer([silent, silent]) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-complete")
        monkeypatch.setenv("OPENAI_BASE_URL", server.openai_base_url)
        assert main(["complete", "--model", "openai:gpt-4o", "Capital of France?"]) == 0
        _, err = capsys.readouterr()
        assert main(["complete", "--json", "--model", "openai:gpt-4o", "Capital?"]) == 0
    assert "· usage not reported ·" in err
    assert "0 tokens" not in err
    assert orjson.loads(capsys.readouterr().out)["usage"] is None


def test_complete_with_an_mlflow_server_that_does_not_answer_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("LLMGINE_MLFLOW_TRACKING_URI", uri)
    assert main(["complete", "What is 2+3?"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    (line,) = err.splitlines()
    assert line.startswith(f"error: cannot start: could not reach the MLflow server at {uri!r}")


# -- sessions ------------------------------------------------------------------------------


def saved_session(tmp_path: Path, session_id: str, name: str) -> None:
    record = SessionRecord.new(session_id, name=name, system_prompt="Be kind.")
    record = record.model_copy(
        update={"messages": [UserMessage(content="Hi"), AssistantMessage(content="Hello!")]}
    )
    SessionStore(tmp_path / "sessions").save(record)


def test_sessions_list_show_delete(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions", "list"]) == 0
    assert capsys.readouterr().out == "no saved sessions in 'sessions'\n"
    saved_session(tmp_path, "first-chat", "First")
    saved_session(tmp_path, "second-chat", "Second")

    assert main(["sessions", "list"]) == 0
    header, newest, oldest = capsys.readouterr().out.splitlines()
    assert header.split()[:2] == ["ID", "NAME"]
    assert newest.split()[:2] == ["second-chat", "Second"]
    assert oldest.split()[-1] == "2"

    assert main(["sessions", "list", "--json"]) == 0
    rows = orjson.loads(capsys.readouterr().out)
    assert [(r["id"], r["message_count"]) for r in rows] == [("second-chat", 2), ("first-chat", 2)]

    assert main(["sessions", "show", "first-chat"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[:2] == ["session   first-chat", "name      First"]
    assert "system    Be kind." in shown
    assert shown[-3:] == ["user: Hi", "", "assistant: Hello!"]

    assert main(["sessions", "show", "--json", "first-chat"]) == 0
    assert orjson.loads(capsys.readouterr().out)["id"] == "first-chat"

    assert main(["sessions", "delete", "first-chat"]) == 0
    assert capsys.readouterr().out == "deleted session first-chat\n"
    assert not (tmp_path / "sessions" / "first-chat.json").exists()


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["sessions", "delete", "gone"], "error: no saved session 'gone' in 'sessions'"),
        (["sessions", "show", "gone"], "error: no saved session 'gone' in 'sessions'"),
        (["sessions", "show", "../etc"], "error: no saved session '../etc' in 'sessions' (no"),
        (["sessions", "delete", "a/b"], "error: no saved session 'a/b' in 'sessions' (no"),
    ],
)
def test_sessions_fail_clearly(
    argv: list[str], error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(error)


def test_sessions_in_another_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "elsewhere"
    SessionStore(other).save(SessionRecord.new("kept", name="Kept"))
    assert main(["sessions", "--dir", str(other), "list"]) == 0
    assert "kept" in capsys.readouterr().out
