"""The examples of docs/bootstrap.md and docs/chat.md run as written and print what the
pages show."""

from __future__ import annotations

import re
from pathlib import Path

from tests.docs._blocks import claim
from tests.docs._examples import OFFLINE, python_blocks, run_example

DOCS = Path(__file__).resolve().parents[2] / "docs"
BOOTSTRAP = DOCS / "bootstrap.md"
CHAT = DOCS / "chat.md"
BOOTSTRAP_EXAMPLE, BOOTSTRAP_PRINTS = claim(
    BOOTSTRAP,
    [
        next(block for block in python_blocks(BOOTSTRAP) if "paris-trip" in block),
        re.findall(r"prints:\n\n```\n(.*?)```", BOOTSTRAP.read_text(), re.DOTALL)[0],
    ],
)
CHAT_EXAMPLE, CHAT_PRINTS = claim(
    CHAT,
    [
        *[block for block in python_blocks(CHAT) if "print(" in block],
        *re.findall(r"It prints:\n\n```\n(.*?)```", CHAT.read_text(), re.DOTALL),
    ],
)


def test_the_bootstrap_example_prints_what_the_page_shows(tmp_path: Path) -> None:
    done = run_example(BOOTSTRAP_EXAMPLE, tmp_path, OFFLINE)
    assert done.stdout == BOOTSTRAP_PRINTS
    assert (tmp_path / "sessions" / "paris-trip.json").is_file()
    assert len(list((tmp_path / "logs").glob("llmgine-*.jsonl"))) == 1


def test_the_tools_example_of_the_chat_page_prints_what_the_page_shows(tmp_path: Path) -> None:
    repository = {"PYTHONPATH": str(DOCS.parent)}  # the program's tools live in programs/
    done = run_example(CHAT_EXAMPLE, tmp_path, OFFLINE | repository)
    assert done.stdout == CHAT_PRINTS
