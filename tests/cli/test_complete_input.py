"""``llmgine complete`` run as a user runs it: the prompt from stdin and files, the flags of
a turn, and conversations that go on with ``--continue`` and ``--session``.

Every test starts the installed ``llmgine`` command in a fresh process, in a folder of
its own, against ``FakeLLMServer``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest

from llmgine.cli import main
from llmgine.context import SessionStore
from llmgine.testing import FakeLLMServer, text
from tests.cli._llmgine import SCRIPT
from tests.programs._chat import Run, chat_env, closed_port, server_env


def llmgine(
    folder: Path,
    *args: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> Run:
    """``llmgine args`` in ``folder``, ``stdin`` piped in (None: stdin is /dev/null)."""
    done = subprocess.run(
        [str(SCRIPT), *args],
        cwd=folder,
        env=chat_env(**(env or {})),
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def asked(request: Any) -> str:
    """The text of the last user message of a recorded request."""
    return str(request.messages[-1]["content"])


# -- the prompt ----------------------------------------------------------------------------


def test_piped_text_follows_the_prompt_as_context(tmp_path: Path) -> None:
    with FakeLLMServer([text("The cat sat.")]) as server:
        run = llmgine(
            tmp_path, "complete", "summarise", stdin="Notes:\nthe cat sat.\n",
            env=server_env("openai", server),
        )  # fmt: skip
    assert run.status == 0, run.stderr
    assert run.stdout == "The cat sat.\n"
    (request,) = server.requests
    assert (
        asked(request)
        == 'summarise\n\n<document source="stdin">\nNotes:\nthe cat sat.\n</document>'
    )


@pytest.mark.parametrize("args", [["complete", "-"], ["complete"]])
def test_the_prompt_itself_from_stdin(args: list[str], tmp_path: Path) -> None:
    with FakeLLMServer([text("Paris.")]) as server:
        run = llmgine(
            tmp_path, *args, stdin="Capital of France?\n", env=server_env("openai", server)
        )
    assert run.status == 0, run.stderr
    assert asked(server.requests[0]) == "Capital of France?"


def test_files_are_attached_in_order(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("x = 2\n")
    with FakeLLMServer([text("They differ in x.")]) as server:
        run = llmgine(
            tmp_path, "complete", "-f", "a.py", "--file", "b.py", "compare",
            env=server_env("openai", server),
        )  # fmt: skip
    assert run.status == 0, run.stderr
    assert asked(server.requests[0]) == (
        'compare\n\n<document source="a.py">\nx = 1\n</document>\n\n'
        '<document source="b.py">\nx = 2\n</document>'
    )


def test_an_empty_prompt_is_refused_in_one_line(tmp_path: Path) -> None:
    with FakeLLMServer() as server:  # strict: a request reaching it fails the test
        env = server_env("openai", server)
        runs = [
            llmgine(tmp_path, "complete", "  \n", env=env),
            llmgine(tmp_path, "complete", "-", stdin="", env=env),
            llmgine(tmp_path, "complete", env=env),  # stdin is /dev/null: nothing is asked
            llmgine(tmp_path, "complete", "-f", "missing.txt", "x", env=env),
        ]
    assert [(run.status, run.stdout, len(run.stderr.splitlines())) for run in runs] == [
        (2, "", 1)
    ] * 4
    assert [run.stderr for run in runs] == [
        'error: the prompt is empty: say what to ask (llmgine complete "...")\n',
        "error: the prompt read from stdin is empty\n",
        'error: nothing to ask: give a prompt as an argument (llmgine complete "..."), '
        "or pipe it in\n",
        "error: cannot attach 'missing.txt': no such file\n",
    ]
    assert not (tmp_path / "sessions").exists()


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["-f", "a.txt"], "error: nothing to ask: give what to do with the attached files"),
        (["-f", "binary.bin", "x"], "error: cannot attach 'binary.bin': it is not UTF-8 text"),
        (["-f", ".", "x"], "error: cannot attach '.': it is a folder; attach its files"),
    ],
)
def test_files_that_cannot_be_attached(
    args: list[str], error: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("some text\n")
    (tmp_path / "binary.bin").write_bytes(b"\xff\xfe\x00\x81")
    assert main(["complete", *args]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    (line,) = err.splitlines()
    assert line.startswith(error)


# -- the flags of a turn -------------------------------------------------------------------


def test_system_temperature_max_tokens_and_no_stream_reach_the_model(tmp_path: Path) -> None:
    with FakeLLMServer([text("Paris."), text("Lyon.")]) as server:
        env = server_env("openai", server)
        run = llmgine(
            tmp_path, "complete", "--system", "Be terse.", "--temperature", "0.2",
            "--max-tokens", "50", "--no-stream", "Capital of France?", env=env,
        )  # fmt: skip
        assert run.status == 0, run.stderr
        again = llmgine(tmp_path, "complete", "--continue", "Second city?", env=env)
    assert again.status == 0, again.stderr
    first, second = server.requests
    assert first.body["temperature"] == 0.2
    assert first.body["max_completion_tokens"] == 50
    assert not first.stream
    assert run.stdout == "Paris.\n"  # once, though it did not stream
    assert first.messages[0]["role"] == "system"
    assert str(first.messages[0]["content"]).startswith("Be terse.")
    # The system prompt stays with the conversation; the other flags were for one turn.
    assert str(second.messages[0]["content"]).startswith("Be terse.")
    assert "temperature" not in second.body
    assert second.stream


@pytest.mark.parametrize(
    ("flags", "error"),
    [
        (["--temperature", "3"], "argument --temperature: '3' is not a number from 0 to 2"),
        (["--temperature", "warm"], "argument --temperature: 'warm' is not a number from 0 to 2"),
        (["--max-tokens", "0"], "argument --max-tokens: '0' is not a whole number above 0"),
        (["--continue", "--session", "x"], "not allowed with argument"),
    ],
)
def test_bad_flags_are_usage_errors(
    flags: list[str], error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["complete", *flags, "Hi"])
    assert exit_info.value.code == 2
    assert error in capsys.readouterr().err.splitlines()[-1]


# -- model names ---------------------------------------------------------------------------


def test_a_bare_model_name_works_as_a_flag_and_in_the_environment(tmp_path: Path) -> None:
    with FakeLLMServer([text("one"), text("two")]) as server:
        env = server_env("openai", server)
        by_flag = llmgine(tmp_path, "complete", "--no-save", "--model", "gpt-4o", "Hi", env=env)
        by_env = llmgine(
            tmp_path, "complete", "--no-save", "Hi", env=env | {"LLMGINE_DEFAULT_MODEL": "gpt-4.1"}
        )
    assert (by_flag.status, by_env.status) == (0, 0), by_flag.stderr + by_env.stderr
    assert [r.model for r in server.requests] == ["gpt-4o", "gpt-4.1"]
    assert "[openai:gpt-4o · 1 round" in by_flag.stderr


@pytest.mark.parametrize(
    ("env", "args"),
    [({}, ["--model", "llama3.2"]), ({"LLMGINE_MODEL": "llama3.2"}, [])],
)
def test_a_bare_name_of_no_known_provider_is_one_line(
    env: dict[str, str],
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["complete", *args, "Hi"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: model 'llama3.2' names no provider: write it as provider:model")
    assert list(tmp_path.iterdir()) == []


# -- conversations -------------------------------------------------------------------------


def test_a_conversation_goes_on_by_continue_name_and_id_prefix(tmp_path: Path) -> None:
    replies = [text("Hello Ada."), text("Ada."), text("Still Ada."), text("Yes, Ada.")]
    with FakeLLMServer(replies) as server:
        env = server_env("openai", server)
        first = llmgine(tmp_path, "complete", "--json", "My name is Ada.", env=env)
        session_id = orjson.loads(first.stdout)["session"]
        runs = [
            llmgine(tmp_path, "complete", "--continue", "What is my name?", env=env),
            llmgine(tmp_path, "complete", "--session", "my name is ADA.", "Sure?", env=env),
            llmgine(tmp_path, "complete", "--session", session_id[:8], "Really?", env=env),
        ]
    assert [run.status for run in runs] == [0, 0, 0], [run.stderr for run in runs]
    *_, last = server.requests
    assert [(m["role"], m["content"]) for m in last.messages] == [
        ("user", "My name is Ada."),
        ("assistant", "Hello Ada."),
        ("user", "What is my name?"),
        ("assistant", "Ada."),
        ("user", "Sure?"),
        ("assistant", "Still Ada."),
        ("user", "Really?"),
    ]
    (saved,) = SessionStore(tmp_path / "sessions").list()
    assert (saved.id, saved.name, saved.message_count) == (session_id, "My name is Ada.", 8)


def test_a_continued_conversation_keeps_its_model_unless_told(tmp_path: Path) -> None:
    with FakeLLMServer([text("a"), text("b"), text("c")]) as server:
        env = server_env("openai", server)  # the default would be openai:gpt-4o-mini
        for args in (["--model", "gpt-4o", "Hi"], ["-c", "Again"], ["-c", "-m", "o3-mini", "Hm"]):
            run = llmgine(tmp_path, "complete", *args, env=env)
            assert run.status == 0, run.stderr
    assert [r.model for r in server.requests] == ["gpt-4o", "gpt-4o", "o3-mini"]


def test_no_save_leaves_the_sessions_as_they_were(tmp_path: Path) -> None:
    with FakeLLMServer([text("Hello Ada."), text("Ada.")]) as server:
        env = server_env("openai", server)
        assert llmgine(tmp_path, "complete", "My name is Ada.", env=env).status == 0
        (path,) = (tmp_path / "sessions").glob("*.json")
        before = path.read_bytes()
        aside = llmgine(tmp_path, "complete", "-c", "--no-save", "--json", "My name?", env=env)
    assert aside.status == 0, aside.stderr
    assert orjson.loads(aside.stdout)["session"] is None
    assert len(server.requests[1].messages) == 3  # the history was sent all the same
    assert list((tmp_path / "sessions").glob("*.json")) == [path]
    assert path.read_bytes() == before


def test_a_failed_turn_saves_no_session(tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{closed_port()}/v1"
    env = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": nowhere}
    run = llmgine(tmp_path, "complete", "Hi", env=env | {"LLMGINE_RETRY_MAX_ATTEMPTS": "1"})
    assert run.status == 1
    assert run.stderr.splitlines()[-1].startswith("error: ")
    assert not list((tmp_path / "sessions").glob("*.json"))


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--continue"], "error: no conversation to continue in 'sessions'"),
        (["--session", "Paris trip"], "error: no saved session 'Paris trip' in 'sessions'"),
    ],
)
def test_a_conversation_that_is_not_there_is_one_line(
    args: list[str], error: str, tmp_path: Path
) -> None:
    run = llmgine(tmp_path, "complete", *args, "Hi")
    assert run.status == 2
    (line,) = run.stderr.splitlines()
    assert line.startswith(error)
