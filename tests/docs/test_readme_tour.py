"""Every command of the README's tour runs as written (offline, in a fresh folder).

``./run_function_chat.sh`` is run as the program it starts and ``.venv/bin/llmgine`` as
``python -m llmgine.cli``, so the tour needs no ``.venv`` here (the script itself is run by
``tests/programs/test_run_script.py``). A command that reads the keyboard gets no input.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs._blocks import claim
from tests.programs._chat import PROGRAM, chat_env

README = Path(__file__).resolve().parents[2] / "README.md"


def tour_blocks() -> list[str]:
    tour = README.read_text().split("## A tour", 1)[1].split("\n## ", 1)[0]
    return claim(README, re.findall(r"```bash\n(.*?)```", tour, flags=re.DOTALL))


TOUR = tour_blocks()


def tour_commands() -> list[str]:
    return [line for block in TOUR for line in block.splitlines() if line.strip()]


def test_the_tour_has_the_chat_sessions_and_tools() -> None:
    commands = tour_commands()
    assert "./run_function_chat.sh" in commands
    assert any("--list-sessions" in c for c in commands)
    assert any("--continue" in c for c in commands)
    assert any(c.startswith(".venv/bin/llmgine complete") for c in commands)
    assert any(c.startswith(".venv/bin/llmgine workflow run") for c in commands)


@pytest.mark.timeout(240)  # some twenty commands, each a process of its own
def test_every_command_of_the_tour_runs(tmp_path: Path) -> None:
    chat = " ".join([sys.executable, *PROGRAM])
    llmgine = f"{sys.executable} -m llmgine.cli"
    outputs = []
    for command in tour_commands():
        line = command.replace("./run_function_chat.sh", chat).replace(".venv/bin/llmgine", llmgine)
        done = subprocess.run(
            ["bash", "-c", line], cwd=tmp_path, env=chat_env(), stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, f"{command}\n{done.stderr}"
        assert "Traceback" not in done.stderr, command
        outputs.append((command, done.stdout))
    piped = next(out for command, out in outputs if "What is 2+3?" in command)
    assert "calculate returned: 5" in piped
    listing = next(out for command, out in outputs if command.endswith("--list-sessions"))
    assert "Paris trip" in listing
    latest = next(out for command, out in outputs if command.endswith("sessions list"))
    # The weather turn (question, tool call, tool result, answer), then the continued one.
    assert re.search(r"Paris trip\s+\S+ \S+\s+6\n", latest)
    power = next(out for command, out in outputs if "power of 10" in command)
    assert "calculate returned: 1024" in power
    first, *_, last = [out for command, out in outputs if command.endswith("logs show latest")]
    assert "turn 1" in first
    assert "tool get_weather(" in first  # the last command before it: Tokyo's weather
    patterns = next(out for command, out in outputs if command.endswith("workflow list"))
    assert patterns.startswith("15 workflow patterns")
    debate = next(out for command, out in outputs if "workflow run debate" in command)
    assert debate.startswith("[llmgine offline stand-in, not a language model]")
    assert 'workflow debate "Should cities ban cars from their centres?"' in last
    assert "step 3 Judge" in last
    stats = next(out for command, out in outputs if command.endswith("logs stats latest"))
    assert re.search(r"PromptCommand +1 ", stats)
