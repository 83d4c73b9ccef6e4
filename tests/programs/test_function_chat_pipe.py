"""The function chat through a pipe: ``printf '...' | python -m programs.function_chat``."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from llmgine.testing import FakeLLMServer, Fault, text, tool_call
from tests.engine._harness import tool_results_in, user_texts_in
from tests.programs._chat import MODELS, files_containing, run_piped, server_env


@pytest.fixture(params=["openai", "anthropic"])
def adapter(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def saved(folder: Path) -> list[dict[str, object]]:
    return [orjson.loads(path.read_bytes()) for path in sorted(folder.glob("sessions/*.json"))]


def test_the_offline_default_answers_by_calling_the_calculator(tmp_path: Path) -> None:
    run = run_piped(tmp_path, "What is 2+3?\n/exit\n")
    assert run.status == 0, run.stderr
    assert "calculate returned: 5" in run.stdout
    assert "[tool] calculate(expression='2+3')" in run.stderr
    assert "[tool] calculate -> 5" in run.stderr
    offline = [line for line in run.stderr.splitlines() if "offline stand-in" in line]
    assert len(offline) == 1  # said once, in one line
    assert "Traceback" not in run.stderr
    (session,) = saved(tmp_path)
    assert session["name"] == "What is 2+3?"
    assert len(list((tmp_path / "logs").glob("llmgine-*.jsonl"))) == 1


def test_a_turn_streams_calls_a_tool_and_the_session_resumes(adapter: str, tmp_path: Path) -> None:
    script = [
        tool_call("get_weather", {"location": "Paris"}),
        text("It is **18°C** in Paris."),
        text("Tomorrow looks the same."),
    ]
    with FakeLLMServer(script) as server:
        env = server_env(adapter, server)
        first = run_piped(tmp_path, "What's the weather in Paris?\n/exit\n", env=env)
        assert first.status == 0, first.stderr
        (session,) = saved(tmp_path)
        again = run_piped(tmp_path, "And tomorrow?\n", "--session", str(session["id"]), env=env)
        listed = run_piped(tmp_path, "", "--list-sessions", env=env)
        requests = server.requests

    assert first.stdout == "It is **18°C** in Paris.\n"  # the text as it streamed
    assert all(request.stream for request in requests)
    assert "[tool] get_weather(location='Paris')" in first.stderr
    assert "[tool] get_weather -> Paris: 18°C, partly cloudy, humidity 62% (mock data)" in (
        first.stderr
    )
    assert f"[{MODELS[adapter]} · 2 rounds · " in first.stderr
    assert tool_results_in(requests[1]) == ["Paris: 18°C, partly cloudy, humidity 62% (mock data)"]
    assert len(session["messages"]) == 4  # type: ignore[arg-type]

    assert again.status == 0, again.stderr
    assert f"session {session['id']} resumed (4 messages)" in again.stderr
    assert again.stdout == "Tomorrow looks the same.\n"
    assert user_texts_in(requests[2]) == ["What's the weather in Paris?", "And tomorrow?"]

    assert listed.status == 0
    header, row = listed.stdout.splitlines()
    assert header.split() == ["ID", "NAME", "UPDATED", "(UTC)", "MESSAGES"]
    assert row.split()[0] == session["id"]
    assert "What's the weather in Paris?" in row
    assert row.split()[-1] == "6"


def test_every_flag(tmp_path: Path) -> None:
    key = "sk-test-flag-0123456789abcdef"
    script = [tool_call("calculate", {"expression": "2+2"}), text("Four.")]
    with FakeLLMServer(script) as server:
        run = run_piped(
            tmp_path,
            "What is 2+2?\n",
            "--model", "openai:gpt-4o", "--api-key", key, "--system-prompt", "Be terse.",
            "--session-name", "Flag test", "--log-level", "DEBUG", "--log-dir", "my-logs",
            "--no-console",
            env={"OPENAI_BASE_URL": server.openai_base_url},
        )  # fmt: skip
        listed = run_piped(tmp_path, "", "--list-sessions")
        requests = server.requests
    assert run.status == 0, run.stderr
    assert run.stdout == "Four.\n"
    assert "[tool]" not in run.stderr  # --no-console: no tool lines ...
    assert "2 rounds" not in run.stderr  # ... and no usage line
    assert re.search(r"INFO +llmgine\.bootstrap \[BUS\] started on openai:gpt-4o", run.stderr)
    assert [r.model for r in requests] == ["gpt-4o", "gpt-4o"]  # --model
    assert {r.api_key for r in requests} == {key}  # --api-key
    system = requests[0].messages[0]
    assert system["role"] == "system"
    assert str(system["content"]).startswith("Be terse.")  # --system-prompt
    assert len(list((tmp_path / "my-logs").glob("llmgine-*.jsonl"))) == 1  # --log-dir
    assert not (tmp_path / "logs").exists()
    assert "Flag test" in listed.stdout  # --session-name
    (session,) = saved(tmp_path)
    assert session["system_prompt"] == "Be terse."
    assert key not in run.stdout + run.stderr
    assert files_containing(tmp_path, key) == []


def test_the_api_key_stays_secret_when_the_provider_refuses_it(tmp_path: Path) -> None:
    key = "sk-test-refused-0123456789abcdef"
    with FakeLLMServer([Fault.unauthorized()]) as server:
        run = run_piped(
            tmp_path, "Hello\n", "--api-key", key, "--log-level", "debug",
            env={"OPENAI_BASE_URL": server.openai_base_url},
        )  # fmt: skip
    assert run.status == 1  # its only turn failed
    assert "error: " in run.stderr
    assert "error: the chat's only turn failed: AuthenticationError" in run.stderr
    assert key not in run.stdout + run.stderr
    assert files_containing(tmp_path, key) == []


def test_every_slash_command(tmp_path: Path) -> None:
    typed = (
        "/help\n/tools\n/system\n/system Answer in one word.\n/system\nWhat is 2+3?\n"
        "/sessions\n/clear\n/model\n/model offline:other\n/model nowhere:x\n/nope\n/exit\n"
        "What is 9+9?\n"
    )
    run = run_piped(tmp_path, typed)
    assert run.status == 0, run.stderr
    out = run.stdout.splitlines()
    assert out[0] == "/help              show this help"
    assert "/exit              leave (also /quit)" in out
    assert any(line.startswith("send_email(to, subject, body)  Send an email") for line in out)
    assert out.count("no system prompt is set") == 1
    assert "system prompt: Answer in one word." in out
    assert any(line.startswith("* ") and "What is 2+3?" in line for line in out)
    assert "history cleared (the session, its name and system prompt are kept)" in out
    assert out[-2:] == ["model: offline:stand-in", "model: offline:other"]
    err = run.stderr.splitlines()
    assert any(line.startswith("error: no provider is registered for 'nowhere'") for line in err)
    assert (
        "error: unknown command '/nope'; /help lists the commands, and a message that starts "
        "with / is sent as //..."
    ) in err
    assert "9+9" not in run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    (session,) = saved(tmp_path)
    assert session["system_prompt"] == "Answer in one word."
    assert session["messages"] == []


@pytest.mark.parametrize(
    ("flags", "error"),
    [
        (
            ["--session", "../../etc/passwd"],
            "error: no saved session '../../etc/passwd' in 'sessions' (no session has that id "
            "or name, nor an id starting with it); --list-sessions shows the saved ones",
        ),
        (
            ["--session", "not"],
            "error: no saved session 'not' in 'sessions' (no session has that id or name, and "
            "an id prefix needs 4 characters or more); --list-sessions shows the saved ones",
        ),
        (["--model", "nowhere:model"], "error: cannot start: no provider is registered"),
        (["--model", "gpt-4o"], "error: cannot start: openai:gpt-4o: no API key"),
        (["--model", "llama"], "error: model 'llama' names no provider: write it as provider:"),
        (["--model", "ollama:x", "--api-key", "k"], "error: --api-key is for openai"),
        (["--continue"], "error: no saved session to continue in 'sessions'"),
    ],
)
def test_a_mistake_on_the_command_line_is_one_line(
    tmp_path: Path, flags: list[str], error: str
) -> None:
    run = run_piped(tmp_path, "Hello\n", *flags)
    assert run.status == 2
    assert run.stdout == ""
    (line,) = run.stderr.splitlines()
    assert line.startswith(error)
