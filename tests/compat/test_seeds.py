"""The seed READMEs' code blocks kept here are the ones ``seeds/extract.py`` copied."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.compat._readme_code import SEEDS, extractor, manifest


def test_every_block_file_is_listed_with_the_hash_it_was_copied_with() -> None:
    listed = {
        Path(readme) / entry["file"]: entry["sha256"]
        for readme, data in manifest().items()
        for entry in data["blocks"]  # type: ignore[attr-defined]
    }
    found = {
        path.relative_to(SEEDS): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in SEEDS.glob("*/*.py")
    }
    assert found == listed


def test_the_extractor_takes_python_blocks_verbatim_named_by_their_heading() -> None:
    readme = (
        "# Title\n\nText.\n\n## Quick Start\n\n```python\nx = 1\n\n# a comment\n```\n\n"
        "```bash\nls\n```\n\n### Error handling!\n\n```python\ntry:\n    pass\n"
        "except Exception:\n    raise\n```\n\n```bash\n# Install first\npip install x\n```\n\n"
        "```python\nimport x\n```\n"
    )

    assert extractor().blocks(readme) == [
        ("01-quick-start.py", 8, "x = 1\n\n# a comment\n"),
        ("02-error-handling.py", 20, "try:\n    pass\nexcept Exception:\n    raise\n"),
        ("03-error-handling.py", 32, "import x\n"),  # a comment in a block is no heading
    ]
