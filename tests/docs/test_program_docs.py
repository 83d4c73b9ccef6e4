"""The examples of docs/bootstrap.md and docs/chat.md run as written and print what the
pages show."""

from __future__ import annotations

import re
from pathlib import Path

from tests.docs._examples import OFFLINE, python_blocks, run_example

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_bootstrap_example_prints_what_the_page_shows(tmp_path: Path) -> None:
    page = DOCS / "bootstrap.md"
    example = next(block for block in python_blocks(page) if "paris-trip" in block)
    done = run_example(example, tmp_path, OFFLINE)
    shown = re.search(r"prints:\n\n```\n(.*?)```", page.read_text(), re.DOTALL)
    assert shown is not None
    assert done.stdout == shown.group(1)
    assert (tmp_path / "sessions" / "paris-trip.json").is_file()
    assert len(list((tmp_path / "logs").glob("llmgine-*.jsonl"))) == 1


def test_the_tools_example_of_the_chat_page_prints_what_the_page_shows(tmp_path: Path) -> None:
    page = DOCS / "chat.md"
    (example,) = [block for block in python_blocks(page) if "print(" in block]
    repository = {"PYTHONPATH": str(DOCS.parent)}  # the program's tools live in programs/
    done = run_example(example, tmp_path, OFFLINE | repository)
    shown = re.search(r"It prints:\n\n```\n(.*?)```", page.read_text(), re.DOTALL)
    assert shown is not None
    assert done.stdout == shown.group(1)
