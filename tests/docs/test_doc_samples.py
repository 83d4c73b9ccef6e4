"""The pages' samples that are not programs are still true: the class trees they draw are the
classes' own, and the session file they show is a session file."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

import llmgine.bus
import llmgine.context
import llmgine.llm
import llmgine.messages
from llmgine.context import SessionRecord
from tests.docs._blocks import ROOT, blocks, claim

DOCS = ROOT / "docs"
MODULES = [llmgine.bus, llmgine.context, llmgine.llm, llmgine.messages]
TREES = {
    "bus.md": "BusError",
    "sessions.md": "SessionError",
    "providers.md": "LLMError",
    "messages.md": "Message",
}
_NODE = re.compile(r"^((?:[│ ]   )*)(?:[├└]── )?([A-Z]\w*)(?:\[\w+\])?(?:\s|$)")


def tree_of(page: Path, root: str) -> str:
    """The page's block that draws the tree from ``root``."""
    (code,) = [b.code for b in blocks(page) if re.match(rf"{root}\s", b.code)]
    return code


def edges(tree: str) -> list[tuple[str, str]]:
    """(parent, child) for every node of a tree drawn with ├── └── │, by indentation."""
    path: list[str] = []
    found = []
    for line in tree.splitlines():
        node = _NODE.match(line)
        if node is None:
            continue
        depth = len(node[1]) // 4 + (0 if line[0].isalpha() else 1)
        if line[len(node[1])].isalpha() and depth:  # a continuation line, not a node
            continue
        del path[depth:]
        if path:
            found.append((path[-1], node[2]))
        path.append(node[2])
    return found


def named(name: str) -> type:
    for module in MODULES:
        if isinstance(value := getattr(module, name, None), type):
            return value
    raise AssertionError(f"{name!r} is drawn but is not a public class of {MODULES}")


TREE_BLOCKS = {
    page: claim(DOCS / page, [tree_of(DOCS / page, root)])[0] for page, root in TREES.items()
}


@pytest.mark.parametrize("page", TREES)
def test_the_drawn_tree_is_the_classes_own(page: str) -> None:
    drawn = edges(TREE_BLOCKS[page])
    assert len(drawn) >= 3
    wrong = [(p, c) for p, c in drawn if not issubclass(named(c), named(p))]
    assert not wrong, f"{page}: these are not subclasses of their parent: {wrong}"


@pytest.mark.parametrize("page", ["bus.md", "sessions.md", "providers.md"])
def test_every_public_error_of_the_tree_is_drawn(page: str) -> None:
    root = named(TREES[page])
    drawn = {name for edge in edges(TREE_BLOCKS[page]) for name in edge}
    module = next(m for m in MODULES if getattr(m, root.__name__, None) is root)
    public = {
        name
        for name in module.__all__
        if isinstance(value := getattr(module, name), type) and issubclass(value, root)
    }
    assert public - drawn == set(), f"{page} does not draw {sorted(public - drawn)}"


def test_the_tree_reader_follows_the_indentation() -> None:
    tree = "Root  x\n├── A     y\n│   │     more about A\n│   └── B   z\n└── C   w\n"
    assert edges(tree) == [("Root", "A"), ("A", "B"), ("Root", "C")]


(SESSION_FILE,) = claim(
    DOCS / "sessions.md", [b.code for b in blocks(DOCS / "sessions.md") if b.info == "json"]
)


def test_the_session_file_on_the_page_is_a_session_file() -> None:
    data = orjson.loads(SESSION_FILE)
    record = SessionRecord.model_validate(data)
    assert next(iter(data)) == "format"
    assert orjson.loads(record.model_dump_json()) == data | {
        "created_at": "2025-03-01T12:00:00Z",
        "updated_at": "2025-03-01T12:05:10.123456Z",
    }
