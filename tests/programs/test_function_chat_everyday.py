"""The function chat's everyday commands through a pipe, as a user runs them: messages that
start with /, /retry, /undo, /export, /copy, tools that ask first, sessions by name or id
prefix, the model a resumed session keeps, the closing line and the exit status."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import orjson

from llmgine.testing import FakeLLMServer, Fault, text, tool_call
from tests.engine._harness import tool_results_in, user_texts_in
from tests.programs._chat import run_piped, server_env


def saved(folder: Path) -> dict[str, object]:
    (path,) = (folder / "sessions").glob("*.json")
    return dict(orjson.loads(path.read_bytes()))


def contents(session: dict[str, object]) -> list[str]:
    return [str(m["content"]) for m in session["messages"]]  # type: ignore[attr-defined, index]


def test_a_message_that_starts_with_a_slash(tmp_path: Path) -> None:
    with FakeLLMServer([text("It is a path.")]) as server:
        run = run_piped(tmp_path, "//etc/hosts is what?\n/exit\n", env=server_env("openai", server))
        requests = server.requests
    assert run.status == 0, run.stderr
    assert user_texts_in(requests[0]) == ["/etc/hosts is what?"]
    assert run.stdout == "It is a path.\n"


def test_retry_asks_again_and_replaces_the_last_answer(tmp_path: Path) -> None:
    script = [text("First."), text("Paris."), text("Lyon."), Fault.server_error()]
    with FakeLLMServer(script) as server:
        env = server_env("openai", server) | {"LLMGINE_RETRY_MAX_ATTEMPTS": "1"}
        run = run_piped(tmp_path, "Hi\nA city?\n/retry\n/retry\n/exit\n", env=env)
        requests = server.requests
    assert run.status == 0, run.stderr
    assert run.stdout.splitlines() == ["First.", "Paris.", "Lyon."]
    assert "asking again: A city?" in run.stderr
    # Asked again without the answer it replaces, with the exchanges before it.
    assert user_texts_in(requests[2]) == ["Hi", "A city?"]
    assert "Paris." not in str(requests[2].messages)
    # The second retry failed: the last answer is kept, saved as it was.
    assert "the last answer is kept" in run.stderr
    assert contents(saved(tmp_path)) == ["Hi", "First.", "A city?", "Lyon."]


def test_undo_drops_the_last_exchange_from_the_saved_session_too(tmp_path: Path) -> None:
    script = [text("One."), text("Two."), text("Three.")]
    with FakeLLMServer(script) as server:
        env = server_env("openai", server)
        first = run_piped(tmp_path, "First\nSecond\n/undo\n/exit\n", env=env)
        assert contents(saved(tmp_path)) == ["First", "One."]
        again = run_piped(tmp_path, "Third\n/undo\n/undo\n/undo\n", "--continue", env=env)
        requests = server.requests
    assert first.status == again.status == 0, first.stderr + again.stderr
    assert "dropped the last exchange ('Second' and its answer); 2 messages left" in first.stdout
    assert user_texts_in(requests[2]) == ["First", "Third"]  # "Second" was forgotten
    assert "dropped the last exchange ('First' and its answer); 0 messages left" in again.stdout
    assert "error: nothing to undo: this session has no exchange yet" in again.stderr
    assert contents(saved(tmp_path)) == []


def test_export_writes_the_conversation_as_markdown(tmp_path: Path) -> None:
    script = [tool_call("calculate", {"expression": "6*7"}), text("It is **42**.")]
    with FakeLLMServer(script) as server:
        typed = "/export\nWhat is 6*7?\n/export\n/export answer.md\n/export no/such/dir/a.md\n"
        run = run_piped(tmp_path, typed, env=server_env("openai", server))
    assert run.status == 0, run.stderr
    session_id = str(saved(tmp_path)["id"])
    default = tmp_path / f"chat-{session_id}.md"
    assert f"conversation written to chat-{session_id}.md (4 messages)" in run.stdout
    assert "conversation written to answer.md (4 messages)" in run.stdout
    assert "error: nothing to export: this session has no exchange yet" in run.stderr
    assert "error: cannot write 'no/such/dir/a.md': No such file or directory" in run.stderr
    markdown = default.read_text()
    assert markdown == (tmp_path / "answer.md").read_text()
    assert markdown.startswith(f"# What is 6*7?\n\nSession `{session_id}` with openai:gpt-4o-mini")
    assert "## You\n\nWhat is 6*7?\n\n**Tool call** `calculate`\n\n```json\n" in markdown
    assert '"expression":"6*7"' in markdown.replace(" ", "")
    assert "```text\n42\n```\n\n## Assistant\n\nIt is **42**.\n" in markdown
    assert stat.S_IMODE(default.stat().st_mode) == 0o600  # private, as the sessions are


def fake_clipboard(folder: Path, name: str) -> Path:
    """A ``name`` command in ``folder`` that keeps what it is given in ``folder/name.txt``."""
    folder.mkdir(exist_ok=True)
    tool = folder / name
    kept = folder / f"{name}.txt"
    tool.write_text(
        f"#!{sys.executable}\nimport sys\n"
        f"open({str(kept)!r}, 'wb').write(sys.stdin.buffer.read())\n"
    )
    tool.chmod(0o755)
    return kept


def clipboard_env(path: Path, **display: str) -> dict[str, str]:
    env = {"PATH": str(path), "WAYLAND_DISPLAY": "", "DISPLAY": ""}
    return env | display


def test_copy_puts_the_last_answer_on_the_clipboard(tmp_path: Path) -> None:
    kept = fake_clipboard(tmp_path / "bin", "xclip")
    with FakeLLMServer([text("Copy **me**.")]) as server:
        env = server_env("openai", server) | clipboard_env(tmp_path / "bin", DISPLAY=":0")
        run = run_piped(tmp_path, "/copy\nSay something\n/copy\n", env=env)
    assert run.status == 0, run.stderr
    assert "error: nothing to copy: no answer yet in this session" in run.stderr
    assert "last answer copied to the clipboard (12 characters, by xclip)" in run.stdout
    assert kept.read_text() == "Copy **me**."


def test_copy_without_a_clipboard_says_so_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with FakeLLMServer([text("Nowhere to go.")]) as server:
        env = server_env("openai", server) | clipboard_env(tmp_path / "empty")
        run = run_piped(tmp_path, "Say something\n/copy\n", env=env)
    assert run.status == 0, run.stderr
    (line,) = [line for line in run.stderr.splitlines() if "clipboard" in line]
    assert line == (
        "no clipboard here: this terminal has no graphical session (DISPLAY is not set); the "
        "answer was not copied"
    )


EMAIL = {"to": "ada@example.com", "subject": "Lunch", "body": "Noon?"}


def test_a_piped_chat_refuses_tools_that_need_approval(tmp_path: Path) -> None:
    script = [
        tool_call("send_email", EMAIL),
        text("I could not send it."),
        tool_call("send_email", EMAIL),
        text("Still not sent."),
    ]
    with FakeLLMServer(script) as server:
        run = run_piped(tmp_path, "Email Ada\nTry again\n", env=server_env("openai", server))
        requests = server.requests
    assert run.status == 0, run.stderr
    assert run.stdout.splitlines() == ["I could not send it.", "Still not sent."]
    refused = "[tool] send_email refused: this call of 'send_email' was not approved, so it was"
    assert run.stderr.count(refused) == 2
    notice = "send_email needs your approval, and a chat that reads from a pipe cannot ask"
    assert run.stderr.count(notice) == 1  # said once
    for request in (requests[1], requests[3]):
        assert tool_results_in(request)[-1].startswith("Error: this call of 'send_email' was not")
    assert "Traceback" not in run.stderr


def test_yes_runs_them_without_asking(tmp_path: Path) -> None:
    with FakeLLMServer([tool_call("send_email", EMAIL), text("Done.")]) as server:
        run = run_piped(tmp_path, "Email Ada\n", "--yes", env=server_env("openai", server))
        requests = server.requests
    assert run.status == 0, run.stderr
    assert "[tool] send_email -> Not sent (this tool is a mock)." in run.stderr
    assert tool_results_in(requests[1])[-1].startswith("Not sent (this tool is a mock).")


def test_sessions_by_name_and_by_unique_id_prefix(tmp_path: Path) -> None:
    script = [text("Paris."), text("London."), text("Again."), text("Other.")]
    with FakeLLMServer(script) as server:
        env = server_env("openai", server)
        named = run_piped(tmp_path, "Where?\n", "--session-name", "Paris trip", env=env)
        session_id = str(saved(tmp_path)["id"])
        by_name = run_piped(tmp_path, "And then?\n", "--session", "paris  TRIP", env=env)
        by_prefix = run_piped(tmp_path, "More?\n", "--session", session_id[:-4], env=env)
        other = run_piped(tmp_path, "Else?\n", "--session-name", "Paris trip", env=env)
        twice = run_piped(tmp_path, "Hi\n", "--session", "Paris trip", env=env)
        requests = server.requests
    assert named.status == by_name.status == by_prefix.status == other.status == 0
    assert f"session {session_id} resumed (2 messages)" in by_name.stderr
    assert f"session {session_id} resumed (4 messages)" in by_prefix.stderr
    assert user_texts_in(requests[2]) == ["Where?", "And then?", "More?"]
    assert twice.status == 2
    (line,) = twice.stderr.splitlines()
    assert line.startswith("error: 'Paris trip' fits 2 sessions in 'sessions': ")
    assert line.endswith("give more of the id, or the whole id")


def test_a_resumed_session_keeps_its_model_unless_told(tmp_path: Path) -> None:
    script = [text("Made."), text("Kept."), text("Changed.")]
    with FakeLLMServer(script) as server:
        env = server_env("openai", server)
        made = run_piped(tmp_path, "Hi\n", "--model", "gpt-4o", env=env)
        kept = run_piped(tmp_path, "Again\n", "--continue", env=env)
        changed = run_piped(tmp_path, "More\n", "--continue", "--model", "gpt-4o-mini", env=env)
        offline = run_piped(tmp_path, "", "--continue", "--model", "offline:stand-in")
        requests = server.requests
    assert made.status == kept.status == changed.status == offline.status == 0
    assert [r.model for r in requests] == ["gpt-4o", "gpt-4o", "gpt-4o-mini"]
    assert "llmgine function chat · openai:gpt-4o · session " in kept.stderr
    assert (
        "this session was made with openai:gpt-4o, so it goes on with it (--model picks another)"
    ) in kept.stderr
    assert (
        "this session was made with openai:gpt-4o; going on with openai:gpt-4o-mini (--model)"
    ) in changed.stderr
    assert (
        "this session was made with openai:gpt-4o-mini; going on with offline:stand-in (--model)"
    ) in offline.stderr


def test_a_stored_model_that_cannot_be_used_here_is_named(tmp_path: Path) -> None:
    with FakeLLMServer([text("Made.")]) as server:
        made = run_piped(tmp_path, "Hi\n", env=server_env("anthropic", server))
    assert made.status == 0, made.stderr
    resumed = run_piped(tmp_path, "", "--continue")  # no key at all: the offline stand-in
    assert resumed.status == 0, resumed.stderr
    (note,) = [line for line in resumed.stderr.splitlines() if "was made with" in line]
    assert note.startswith(
        "this session was made with anthropic:claude-haiku-4-5, which cannot be used here ("
    )
    assert note.endswith("); going on with offline:stand-in")
    assert "no API key" in note


def test_the_chat_ends_with_one_summary_line(tmp_path: Path) -> None:
    script = [text("One."), Fault.bad_request(), text("Three.")]
    with FakeLLMServer(script) as server:
        run = run_piped(tmp_path, "a\nb\nc\n", env=server_env("openai", server))
    assert run.status == 0, run.stderr  # some turns were answered
    (line,) = [line for line in run.stderr.splitlines() if line.startswith("this chat:")]
    assert line.startswith("this chat: 3 turns (1 failed) · ")
    assert " tokens (" in line
    assert "$0.0" in line  # gpt-4o-mini has a price
    assert line.endswith(" s")


def test_a_piped_chat_whose_every_turn_failed_exits_1(tmp_path: Path) -> None:
    with FakeLLMServer([Fault.bad_request(), Fault.bad_request()]) as server:
        run = run_piped(tmp_path, "a\nb\n", env=server_env("openai", server))
    assert run.status == 1
    last = run.stderr.splitlines()[-1]
    assert last.startswith("error: all 2 turns of this chat failed; the last: InvalidRequestError")
    assert "Traceback" not in run.stderr
    nothing = run_piped(tmp_path, "/help\n")  # no turn at all is no failure
    assert nothing.status == 0
