"""The function chat in a pseudo-terminal, typed at as a person would: the prompt with its
history, messages of several lines, markdown rendered as it streams, the wait for the model,
a tool that asks first, Ctrl-C cancelling a turn, Ctrl-D leaving, and what the screen holds
at the end."""

from __future__ import annotations

import threading
from pathlib import Path

import orjson
import pytest

from llmgine.testing import FakeLLMServer, RecordedRequest, Step, text, tool_call
from tests.engine._harness import tool_results_in, user_texts_in
from tests.programs._chat import PROGRAM, chat_env, server_env
from tests.programs._terminal import Terminal

PROMPT = r"you>"


def test_offline_chat_with_history_ctrl_d_and_verbose(tmp_path: Path) -> None:
    with Terminal([*PROGRAM, "--verbose"], cwd=tmp_path, env=chat_env()) as terminal:
        terminal.expect(r"offline stand-in")
        terminal.expect(PROMPT)
        terminal.type("What is 2+3?\r")
        terminal.expect(r"\[tool\] calculate\(expression='2\+3'\)")
        terminal.expect(r"\[tool\] calculate -> 5")
        terminal.expect(r"calculate returned: 5")
        terminal.expect(r"\[offline:stand-in · 2 rounds · \d+ tokens")
        terminal.expect(r"PromptCommand 'What is 2\+3\?'")  # --verbose: the turn's tree
        terminal.expect(r"execute_tool calculate")
        terminal.expect(PROMPT)
        terminal.type("/tools\r")
        terminal.expect(r"calculate\(expression\)")
        terminal.expect(PROMPT)
        terminal.type("\x1b[A\r")  # arrow up: the last line again, from the history
        terminal.expect(r"/tools")
        terminal.expect(r"calculate\(expression\)")
        terminal.expect(PROMPT)
        terminal.type("\x04")  # Ctrl-D on an empty line
        terminal.expect(r"this chat: 1 turn · ")
        terminal.expect(r"is saved; resume it with --session")
        terminal.expect(r"Metrics of \d+ messages")  # --verbose: and the tables
        assert terminal.wait() == 0
    assert "Traceback" not in terminal.output.text
    history = (tmp_path / "sessions" / ".history").read_text()
    assert "+What is 2+3?" in history
    assert "+/tools" in history


@pytest.mark.parametrize("adapter", ["openai", "anthropic"])
def test_the_answer_is_rendered_as_markdown(adapter: str, tmp_path: Path) -> None:
    script = [text("Here is **bold** and a list:\n\n- one\n- two\n")]
    with FakeLLMServer(script) as server:
        env = chat_env(**server_env(adapter, server))
        with Terminal([*PROGRAM], cwd=tmp_path, env=env) as terminal:
            terminal.expect(PROMPT)
            terminal.type("Show me markdown\r")
            terminal.expect(r"Here is bold and a list:")
            terminal.expect(r"• one")
            terminal.expect(r"• two")
            terminal.expect(PROMPT)
            terminal.type("/exit\r")
            assert terminal.wait() == 0
        assert server.requests[0].stream
    assert "**bold**" not in terminal.output.text


def test_ctrl_c_cancels_the_turn_and_the_chat_goes_on(tmp_path: Path) -> None:
    arrived, release = threading.Event(), threading.Event()

    def model(request: RecordedRequest) -> Step:
        if request.number == 1:
            arrived.set()
            release.wait(timeout=30)  # a reply that takes its time
            return text("This reply is never shown.")
        return text("Still here.")

    with FakeLLMServer(responder=model) as server:
        env = chat_env(**server_env("openai", server))
        with Terminal([*PROGRAM], cwd=tmp_path, env=env) as terminal:
            try:
                terminal.expect(PROMPT)
                terminal.type("Tell me a very long story\r")
                assert arrived.wait(timeout=30), terminal.output.text
                terminal.type("\x03")  # Ctrl-C: SIGINT from the terminal
                terminal.expect(r"turn cancelled; the conversation is as it was before it")
                terminal.expect(PROMPT)
                terminal.type("Are you there?\r")
                terminal.expect(r"Still here\.")
                terminal.expect(PROMPT)
                terminal.type("/exit\r")
                summary = terminal.expect(r"this chat: [^\n]*")
                assert terminal.wait() == 0
            finally:
                release.set()
    assert summary.startswith("this chat: 2 turns (1 cancelled) · ")  # not a failure
    assert "never shown" not in terminal.output.text
    (path,) = (tmp_path / "sessions").glob("*.json")
    messages = orjson.loads(path.read_bytes())["messages"]
    assert [m["content"] for m in messages] == ["Are you there?", "Still here."]
    (log,) = (tmp_path / "logs").glob("llmgine-*.jsonl")
    assert b'"type":"TurnCancelledEvent"' in log.read_bytes()


def test_a_turn_with_a_tool_call_on_a_100_column_screen(tmp_path: Path) -> None:
    """What a person sees of one turn with a tool call: the wait for the model, the call and
    its result, the answer once, the usage line; at the end one summary line. No tables, no
    tree of the turn, no traceback, no raw markdown."""
    asked = threading.Event()
    release = threading.Event()

    def model(request: RecordedRequest) -> Step:
        if request.number == 1:
            asked.set()
            release.wait(timeout=30)  # the model takes its time: the wait shows meanwhile
            return tool_call("get_weather", {"location": "Paris"})
        return text("It is **18°C** and partly cloudy in Paris.")

    with FakeLLMServer(responder=model) as server:
        env = chat_env(**server_env("openai", server))
        with Terminal([*PROGRAM], cwd=tmp_path, env=env, columns=100) as terminal:
            try:
                terminal.expect(PROMPT)
                terminal.type("What's the weather in Paris?\r")
                assert asked.wait(timeout=30), terminal.output.text
                terminal.expect(r"waiting for openai:gpt-4o-mini · \d+ s · Ctrl-C cancels")
            finally:
                release.set()
            terminal.expect(r"\[tool\] get_weather\(location='Paris'\)")
            terminal.expect(r"\[tool\] get_weather -> Paris: 18°C, partly cloudy")
            terminal.expect(r"It is 18°C and partly cloudy in Paris\.")
            terminal.expect(r"\[openai:gpt-4o-mini · 2 rounds · \d+ tokens")
            terminal.expect(PROMPT)
            terminal.type("/exit\r")
            terminal.expect(r"this chat: 1 turn · \d+ tokens \(\d+ in, \d+ out\) · \$\d\.\d{4}")
            assert terminal.wait() == 0
        screen = terminal.screen()
    shown = "\n".join(screen)
    assert [line for line in screen if "It is 18°C" in line] == [
        "It is 18°C and partly cloudy in Paris."
    ]  # the answer, once, rendered
    assert "[tool] get_weather(location='Paris')" in screen
    assert any(line.startswith("[openai:gpt-4o-mini · 2 rounds · ") for line in screen)
    (summary,) = [line for line in screen if line.startswith("this chat:")]
    assert summary.endswith(" s")
    assert "waiting for" not in shown  # erased once the model answered
    for absent in ("**", "Traceback", "Metrics", "┏", "│", "├──", "PromptCommand"):
        assert absent not in shown, absent
    assert max(len(line) for line in screen) <= 100


def test_a_message_of_several_lines(tmp_path: Path) -> None:
    with FakeLLMServer([text("Got both."), text("Got all three.")]) as server:
        env = chat_env(**server_env("openai", server))
        with Terminal([*PROGRAM], cwd=tmp_path, env=env) as terminal:
            terminal.expect(PROMPT)
            terminal.type("/help\r")
            terminal.expect(r"Alt-Enter, Ctrl-J +a new line in the message \(Enter sends it\)")
            terminal.expect(PROMPT)
            terminal.type("first line\x1b\rsecond line\r")  # Alt-Enter: Esc, then Enter
            terminal.expect(r"Got both\.")
            terminal.expect(PROMPT)
            terminal.type("one\ntwo\nthree\r")  # Ctrl-J is a line feed
            terminal.expect(r"Got all three\.")
            terminal.expect(PROMPT)
            terminal.type("\x04")
            assert terminal.wait() == 0
        requests = server.requests
    assert user_texts_in(requests[0]) == ["first line\nsecond line"]
    assert user_texts_in(requests[1])[-1] == "one\ntwo\nthree"


def test_a_tool_that_needs_approval_is_asked_about(tmp_path: Path) -> None:
    email = {"to": "ada@example.com", "subject": "Lunch", "body": "Noon?"}
    script = [
        tool_call("send_email", email),
        text("I did not send it."),
        tool_call("send_email", email),
        text("Sent."),
        tool_call("send_email", email),
        text("Sent again."),
    ]
    with FakeLLMServer(script) as server:
        env = chat_env(**server_env("openai", server))
        with Terminal([*PROGRAM], cwd=tmp_path, env=env, rows=60) as terminal:
            terminal.expect(PROMPT)
            terminal.type("Email Ada about lunch\r")
            terminal.expect(r"\[tool\] send_email\(to='ada@example.com', subject='Lunch'")
            terminal.expect(r"run send_email\? \[y\]es, \[n\]o, \[a\]lways in this chat:")
            terminal.type("n\r")
            terminal.expect(r"\[tool\] send_email refused: this call of 'send_email' was not")
            terminal.expect(r"I did not send it\.")
            terminal.expect(PROMPT)
            terminal.type("Please do send it\r")
            terminal.expect(r"run send_email\?")
            terminal.type("maybe\r")
            terminal.expect(r"please answer y, n or a: run send_email\?")
            terminal.type("a\r")
            terminal.expect(r"\[tool\] send_email -> Not sent \(this tool is a mock\)")
            terminal.expect(r"Sent\.")
            terminal.expect(PROMPT)
            terminal.type("Once more\r")  # "always": not asked again in this chat
            terminal.expect(r"Sent again\.")
            terminal.expect(PROMPT)
            terminal.type("/exit\r")
            assert terminal.wait() == 0
        requests = server.requests
    questions = [line for line in terminal.screen() if "run send_email?" in line]
    assert questions == [
        "run send_email? [y]es, [n]o, [a]lways in this chat: n",
        "run send_email? [y]es, [n]o, [a]lways in this chat: maybe",
        "please answer y, n or a: run send_email? a",
    ]  # and none for the third call
    assert tool_results_in(requests[1])[-1].startswith(
        "Error: this call of 'send_email' was not approved, so it was not run."
    )
    assert tool_results_in(requests[3])[-1].startswith("Not sent (this tool is a mock).")
    assert tool_results_in(requests[5])[-1].startswith("Not sent (this tool is a mock).")
