"""docs/replay.md: its Python example records and replays; its pytest example passes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.docs._blocks import claim
from tests.docs._examples import OFFLINE, python_blocks, run_example

PAGE = Path(__file__).resolve().parents[2] / "docs" / "replay.md"
RECORD, REGRESSION = claim(PAGE, python_blocks(PAGE))


def test_the_replay_page_examples_run(tmp_path: Path) -> None:
    record, regression = RECORD, REGRESSION
    done = run_example(record, tmp_path, OFFLINE)
    assert done.stdout.startswith("identical: 3 turn(s), 4 model call(s) replayed")
    assert (tmp_path / "weather.jsonl").is_file()
    # The regression test, with the example's tool standing in for the app's module.
    tool = record[record.index("def get_weather") : record.index("async def main")]
    (tmp_path / "weather_app.py").write_text(tool)
    (tmp_path / "test_weather.py").write_text(regression)
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_weather.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 passed" in ran.stdout
    # And it fails when the tool's description changes.
    (tmp_path / "weather_app.py").write_text(tool.replace("The weather in", "Weather for"))
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_weather.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert ran.returncode == 1
    assert "messages[0].content" in ran.stdout
