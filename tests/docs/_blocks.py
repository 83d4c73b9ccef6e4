"""The fenced code blocks of the README and docs/, and which of them the tests run.

Every block either runs as written (or is compared with what running it prints) in some
test, or is marked as a fragment: ``fragment`` after its language, as in ```` ```python
fragment ```` or ```` ```text fragment ```` (a part of a larger program, a placeholder
command, a sample of output, a diagram). A test that runs blocks of a page passes them
through ``claim(page, blocks)``; ``test_every_block.py`` imports every test module that
claims, and fails for a block that is neither claimed nor marked, and for one that is both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FRAGMENT = "fragment"

_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", flags=re.MULTILINE | re.DOTALL)
_claimed: set[tuple[Path, str]] = set()


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    info: str
    code: str

    @property
    def fragment(self) -> bool:
        return FRAGMENT in self.info.split()[1:]

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    text = page.read_text()
    return [
        Block(page, text.count("\n", 0, found.start()) + 1, found[1].strip(), found[2])
        for found in _FENCE.finditer(text)
    ]


def claim(page: Path | str, codes: Iterable[str]) -> list[str]:
    """``codes``, the blocks of ``page`` a test runs (or compares with real output), noted
    as run. Returns them as a list, so a module can claim where it selects."""
    chosen = list(codes)
    where = Path(page).resolve()
    _claimed.update((where, _key(code)) for code in chosen)
    return chosen


def claimed(block: Block) -> bool:
    return (block.page.resolve(), _key(block.code)) in _claimed


def _key(code: str) -> str:
    return code.strip()
