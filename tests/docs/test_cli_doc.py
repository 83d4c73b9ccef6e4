"""Every command of docs/cli.md runs as written (offline, in a fresh folder)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import orjson

from tests.docs._blocks import blocks, claim
from tests.programs._chat import REPO

PAGE = REPO / "docs" / "cli.md"
COMMANDS = claim(PAGE, [b.code for b in blocks(PAGE) if b.info == "bash"])


def page_commands() -> list[str]:
    return [line for block in COMMANDS for line in block.splitlines() if line.strip()]


def test_every_command_of_the_page_runs(tmp_path: Path) -> None:
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LLMGINE_", "OLLAMA_"))
        and not key.endswith(("_API_KEY", "_BASE_URL"))
    }
    env = clean | {"LLMGINE_MODEL": "offline:stand-in", "PYTHONPATH": str(REPO)}
    llmgine = f"{sys.executable} -m llmgine.cli"
    outputs: dict[str, str] = {}
    for command in page_commands():
        line = re.sub(r"(^|\| )llmgine ", rf"\g<1>{llmgine} ", command)
        done = subprocess.run(
            ["bash", "-c", line], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, f"{command}\n{done.stderr}"
        assert "Traceback" not in done.stderr, command
        outputs[command] = done.stdout
    assert len(outputs) >= 12
    assert "calculate returned: 42" in outputs[next(c for c in outputs if "6 times 7" in c)]
    assert "calculate returned: 5" in outputs[next(c for c in outputs if "2+3?\\n" in c)]
    as_json = orjson.loads(
        outputs[next(c for c in outputs if c.endswith('--json --no-save "What is 2+3?"'))]
    )
    assert (as_json["ok"], as_json["session"]) == (True, None)
    assert "offline:stand-in  (default)" in outputs["llmgine models"]
    assert outputs["llmgine --version"].startswith("llmgine ")
    shown = outputs["llmgine sessions show latest"]
    assert "Thanks. Who is it with?" in shown  # the --session turn went to the note's session
    assert "Summarise this note." in shown
