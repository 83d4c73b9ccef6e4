"""The chat's view: answers to stdout as they stream, everything else to stderr."""

from __future__ import annotations

import io

from llmgine.engine import TurnResult
from llmgine.llm import Usage
from programs.function_chat import ChatView
from tests._transcript import plain


def turn(content: str = "Five.") -> TurnResult:
    usage = Usage(input_tokens=12, output_tokens=3)
    return TurnResult(
        content=content, model="openai:gpt-4o-mini", finish_reason="stop", rounds=2,
        usage=usage, session_usage=usage,
    )  # fmt: skip


def views(**options: object) -> tuple[ChatView, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return ChatView(out, err, **options), out, err  # type: ignore[arg-type]


def test_text_is_written_as_it_arrives_when_not_a_terminal() -> None:
    view, out, err = views()
    view.begin_turn("openai:gpt-4o-mini")
    view.delta("**Fi")
    assert out.getvalue() == "**Fi"  # before the rest of the answer exists
    view.delta("ve**")
    view.end_turn(turn("**Five**"), 1.25)
    assert out.getvalue() == "**Five**\n"
    assert err.getvalue() == (
        "[openai:gpt-4o-mini · 2 rounds · 15 tokens (12 in, 3 out) · 1.25 s]\n"
    )


def test_a_terminal_gets_markdown_redrawn_as_it_streams() -> None:
    view, out, _ = views(terminal=True)
    view.begin_turn("openai:gpt-4o-mini")
    view.delta("**Hello** wor")
    first = plain(out.getvalue().encode())
    assert "Hello wor" in first
    assert "**" not in first  # rendered, not raw
    view.delta("ld")
    view.end_answer()
    assert plain(out.getvalue().encode()).count("Hello") >= 2  # drawn again, then finished
    assert "Hello world" in plain(out.getvalue().encode())


def test_an_answer_that_did_not_stream_is_shown_whole() -> None:
    view, out, _ = views()
    view.begin_turn("openai:gpt-4o-mini")
    view.end_turn(turn("All at once"), 0.5)
    assert out.getvalue() == "All at once\n"


def test_tool_calls_show_on_stderr_and_close_the_text_before_them() -> None:
    view, out, err = views()
    view.begin_turn("openai:gpt-4o-mini")
    view.delta("Let me check.")
    view.tool_requested("c1", "get_weather", '{"location": "Paris", "unit": "celsius"}')
    view.tool_requested("c1", "get_weather", '{"location": "Paris", "unit": "celsius"}')
    view.tool_finished("get_weather", "Paris: 18°C", "ok")
    view.tool_finished("send_email", "'x' is not an email address", "failed")
    view.tool_finished("send_email", "not approved", "refused")
    view.tool_finished("send_email", "To: a@b.c\nSubject: Hi\n\nBody", "ok")
    assert out.getvalue() == "Let me check.\n"
    assert err.getvalue().splitlines() == [
        "[tool] get_weather(location='Paris', unit='celsius')",  # once, however often asked
        "[tool] get_weather -> Paris: 18°C",
        "[tool] send_email failed: 'x' is not an email address",
        "[tool] send_email refused: not approved",
        "[tool] send_email -> To: a@b.c",
        "         Subject: Hi",
        "         ",
        "         Body",
    ]


def test_without_events_only_the_answer_shows() -> None:
    view, out, err = views(events=False)
    view.begin_turn("openai:gpt-4o-mini")
    view.tool_requested("c1", "calculate", '{"expression": "2+3"}')
    view.tool_finished("calculate", "5", "ok")
    view.delta("5")
    view.end_turn(turn("5"), 0.1)
    view.summary("this chat: 1 turn")
    assert out.getvalue() == "5\n"
    assert err.getvalue() == ""


def test_errors_and_notices_go_to_stderr() -> None:
    view, out, err = views()
    view.error("unknown command '/x'; /help lists the commands")
    view.notice("turn cancelled")
    assert out.getvalue() == ""
    assert err.getvalue() == (
        "error: unknown command '/x'; /help lists the commands\nturn cancelled\n"
    )


def test_a_terminal_shows_the_wait_for_the_model_until_its_first_words() -> None:
    view, out, _ = views(terminal=True)
    view.begin_turn("openai:gpt-4o-mini")
    waiting = plain(out.getvalue().encode())
    assert "waiting for openai:gpt-4o-mini · 0 s · Ctrl-C cancels" in waiting  # drawn at once
    view.delta("Hello")
    view.end_turn(turn("Hello"), 0.2)
    drawn = out.getvalue()
    assert "Hello" in plain(drawn.encode())
    # Erased before the answer was drawn: the line is cleared, then the answer follows.
    assert drawn.rindex("waiting for") < drawn.index("Hello")
    assert "\x1b[2K" in drawn[drawn.rindex("waiting for") : drawn.index("Hello")]


def test_the_wait_shows_again_while_the_model_reads_the_tools_results() -> None:
    view, out, _ = views(terminal=True)
    view.begin_turn("openai:gpt-4o-mini")
    view.tool_requested("c1", "calculate", '{"expression": "2+3"}')
    view.tool_requested("c2", "calculate", '{"expression": "3+4"}')
    before = out.getvalue().count("waiting for")
    view.tool_finished("calculate", "5", "ok")
    assert out.getvalue().count("waiting for") == before  # one call still runs
    view.tool_finished("calculate", "7", "ok")
    assert out.getvalue().count("waiting for") > before
    view.end_turn(None, 0.3)
    after = out.getvalue().count("waiting for")
    view.tool_finished("calculate", "9", "ok")  # a late event of the turn: no wait drawn
    assert out.getvalue().count("waiting for") == after


def test_nothing_waits_when_not_a_terminal() -> None:
    view, out, err = views()
    view.begin_turn("openai:gpt-4o-mini")
    view.end_turn(None, 0.1)
    assert out.getvalue() == err.getvalue() == ""
