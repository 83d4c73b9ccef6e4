"""The README's example runs as written and prints what the README says."""

import re
import subprocess
import sys
from pathlib import Path

from tests.docs._examples import OFFLINE, run_example

README = Path(__file__).resolve().parents[2] / "README.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_opens_with_the_two_commands() -> None:
    title, blank, fence, *_ = README.read_text().splitlines()
    assert (title, blank, fence) == ("# llmgine", "", "```bash")
    first = _blocks("bash")[0]
    assert first.splitlines() == ["./run_function_chat.sh", "./run_tests.sh"]


def test_readme_example_runs_and_prints_what_the_readme_shows(tmp_path: Path) -> None:
    example = _blocks("python")[0]
    script = tmp_path / "example.py"
    script.write_text(example)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    shown = re.search(r"It prints.*?```\n(.*?)```", README.read_text(), re.DOTALL)
    assert shown is not None
    id_free = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}")
    expected = [id_free.sub("ID", line) for line in shown.group(1).splitlines()]
    printed = [id_free.sub("ID", line) for line in done.stdout.splitlines()]
    assert sorted(printed) == sorted(expected)  # handler lines may interleave differently
    assert printed[-8:] == expected[-8:]  # the log, read back, is in order
    logs = list((tmp_path / "logs").glob("llmgine-*.jsonl"))
    assert len(logs) == 1


def test_readme_one_call_example_runs_with_no_key(tmp_path: Path) -> None:
    done = run_example(_blocks("python")[1], tmp_path, OFFLINE)
    assert "Paris: 21 degrees, sunny" in done.stdout  # the tool ran and the answer shows it
    assert "offline:stand-in 1 tool call(s)," in done.stdout
    assert len(list((tmp_path / "logs").glob("llmgine-*.jsonl"))) == 1
