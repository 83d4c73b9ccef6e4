"""docs/distributed.md: its example runs as written (it starts a nats-server of its own)."""

from __future__ import annotations

from pathlib import Path

from tests.docs._examples import OFFLINE, python_blocks, run_example

PAGE = Path(__file__).resolve().parents[2] / "docs" / "distributed.md"


def test_the_first_example_greets_across_two_buses(tmp_path: Path) -> None:
    [block] = [b for b in python_blocks(PAGE) if "print(" in b]
    done = run_example(block, tmp_path, OFFLINE)
    assert done.stdout.strip() == "Hello, Ada!"
