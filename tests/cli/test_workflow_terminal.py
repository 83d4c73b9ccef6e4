"""``llmgine workflow run`` at a terminal: the live tree of steps, and Ctrl-C cancelling."""

from __future__ import annotations

import threading
from pathlib import Path

from llmgine.testing import FakeLLMServer, Fault, RecordedRequest, Step, text
from tests.programs._chat import chat_env, server_env
from tests.programs._terminal import Terminal

RUN = ["-m", "llmgine.cli", "workflow", "run"]


def test_the_steps_are_drawn_as_a_tree_that_stays_when_the_run_ends(tmp_path: Path) -> None:
    args = [*RUN, "debate", "--input", "Tea or coffee?", "--set", "max_rounds=1"]
    with Terminal(args, cwd=tmp_path, env=chat_env()) as terminal:
        terminal.expect(r"running on the offline stand-in")
        terminal.expect(r"\[debate completed · offline:stand-in · 3 steps · 3 model calls")
        assert terminal.wait() == 0
    shown = terminal.output.text
    assert "Traceback" not in shown
    tree = shown[shown.rindex("✓ debate") :]
    for line in ("✓ 1 Proponent (round 1)", "✓ 2 Opponent (round 1)", "✓ 3 Judge"):
        assert line in tree
    assert tree.index("3 Judge") < tree.index("[llmgine offline stand-in, not a language")


def test_ctrl_c_cancels_the_run_which_reports_it_and_exits_130(tmp_path: Path) -> None:
    writing = threading.Event()

    def reply(request: RecordedRequest) -> Step:
        if request.number == 1:
            return text("Notes.")
        writing.set()  # the writer's call is in flight, and hangs
        return Fault.hang(seconds=30)

    with FakeLLMServer(responder=reply) as server:
        env = chat_env(**server_env("openai", server))
        args = [*RUN, "pipeline", "--input", "Tides"]
        with Terminal(args, cwd=tmp_path, env=env) as terminal:
            assert writing.wait(timeout=30)
            terminal.expect(r"2 writer")
            terminal.type("\x03")
            terminal.expect(r"error: cancelled: interrupted \(SIGINT\)")
            assert terminal.wait() == 130
        server.stop(check=False)
    shown = terminal.output.text
    assert "Traceback" not in shown
    assert "✓ 1 researcher" in shown
    assert "[pipeline cancelled · openai:gpt-4o-mini · 2 steps" in shown
