"""The README's example runs as written and prints what the README says."""

import re
import subprocess
import sys
from pathlib import Path

import orjson

from tests.docs._blocks import claim
from tests.docs._examples import OFFLINE, run_example

README = Path(__file__).resolve().parents[2] / "README.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(), flags=re.DOTALL)


OPENING = _blocks("bash")[0]
EXAMPLE, ONE_CALL = _blocks("python")[:2]
PRINTS = re.findall(r"It prints.*?```\n(.*?)```", README.read_text(), re.DOTALL)[0]
LOG_LINE = _blocks("json")[0]
claim(README, [OPENING, EXAMPLE, ONE_CALL, PRINTS, LOG_LINE])
LOGGING = README.parent / "docs" / "logging.md"
(COMMAND_LINE,) = claim(
    LOGGING, re.findall(r"```json\n(.*?)```", LOGGING.read_text(), flags=re.DOTALL)
)


def same_shape(shown: dict[str, object], written: dict[str, object]) -> None:
    """The same keys in the same order, and the same values but for ids and times."""
    assert list(shown) == list(written)
    assert {k: v for k, v in shown.items() if "id" not in k and k != "timestamp"} == {
        k: v for k, v in written.items() if "id" not in k and k != "timestamp"
    }


def test_readme_opens_with_the_two_commands() -> None:
    title, blank, fence, *_ = README.read_text().splitlines()
    assert (title, blank, fence) == ("# llmgine", "", "```bash")
    assert OPENING.splitlines() == ["./run_function_chat.sh", "./run_tests.sh"]


def test_readme_example_runs_and_prints_what_the_readme_shows(tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(EXAMPLE)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    id_free = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}")
    expected = [id_free.sub("ID", line) for line in PRINTS.splitlines()]
    printed = [id_free.sub("ID", line) for line in done.stdout.splitlines()]
    assert sorted(printed) == sorted(expected)  # handler lines may interleave differently
    assert printed[-8:] == expected[-8:]  # the log, read back, is in order
    (log,) = (tmp_path / "logs").glob("llmgine-*.jsonl")
    # The log lines the README and docs/logging.md show are lines this example wrote.
    lines = [orjson.loads(line) for line in log.read_bytes().splitlines()]
    (greeted,) = [x for x in lines if x["type"] == "Greeted" and x["session_id"] == "BUS"]
    same_shape(orjson.loads(LOG_LINE), greeted)
    (greet,) = [x for x in lines if x["type"] == "Greet"]
    same_shape(orjson.loads(COMMAND_LINE), greet)


def test_readme_one_call_example_runs_with_no_key(tmp_path: Path) -> None:
    done = run_example(ONE_CALL, tmp_path, OFFLINE)
    assert "Paris: 21 degrees, sunny" in done.stdout  # the tool ran and the answer shows it
    assert "offline:stand-in 1 tool call(s)," in done.stdout
    assert len(list((tmp_path / "logs").glob("llmgine-*.jsonl"))) == 1
