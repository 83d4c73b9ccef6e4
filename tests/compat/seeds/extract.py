"""Copy the Python code blocks of the seed READMEs here, verbatim, one file per block.

    python tests/compat/seeds/extract.py SEED_DIR           write the blocks and MANIFEST.json
    python tests/compat/seeds/extract.py SEED_DIR --check   exit 1 if they differ from the seeds

A seed README is recognised by its first line (``READMES``); other files in SEED_DIR are
skipped. Each block goes to ``<readme>/<NN>-<heading>.py``, named after the heading it sits
under, and MANIFEST.json records the README's SHA-256 and each block's line and SHA-256,
which the tests check before they run a block (``tests/compat/_readme_code.py``). Where the
blocks come from, and under what licence: NOTICE.md.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
READMES = {
    "# GlueLLM": "gluellm",
    "# LLMgine: An Event-Driven LLM Application Framework": "llmgine",
    "# LLMgine: Tool Chat Engine": "llmgine-tool-chat",
    "# LLM Integration Module": "freeagentics-llm",
}
_FENCE = re.compile(r"^```(\S*)")
_HEADING = re.compile(r"^#+ (.+)$")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def blocks(readme: str) -> list[tuple[str, int, str]]:
    """``(file name, line, code)`` of each block fenced as ``python``, in order, named after
    the last heading above it (a ``#`` line inside a fenced block is no heading)."""
    found: list[tuple[str, int, str]] = []
    heading = "top"
    fence: str | None = None  # the language of the block we are in
    start, code = 0, []
    for number, line in enumerate(readme.split("\n"), start=1):
        if fence is None:
            if opening := _FENCE.match(line):
                fence, start, code = opening[1], number + 1, []
            elif title := _HEADING.match(line):
                heading = title[1]
        elif line == "```":
            if fence == "python":
                slug = re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")
                name = f"{len(found) + 1:02d}-{slug}.py"
                found.append((name, start, "".join(f"{text}\n" for text in code)))
            fence = None
        else:
            code.append(line)
    return found


def extracted(seed_dir: Path) -> dict[str, tuple[str, dict[str, object]]]:
    """Per README: its seed file's name and its manifest entry, with the blocks' code."""
    result: dict[str, tuple[str, dict[str, object]]] = {}
    for path in sorted(seed_dir.iterdir()):
        text = path.read_text()
        name = READMES.get(text.split("\n", 1)[0].strip())
        if name is None:
            continue
        result[name] = (
            path.name,
            {
                "seed_file": path.name,
                "readme_sha256": sha256(text),
                "blocks": [
                    {"file": file, "line": line, "sha256": sha256(code), "code": code}
                    for file, line, code in blocks(text)
                ],
            },
        )
    return result


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2 or (len(argv) == 2 and argv[1] != "--check"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    seeds = extracted(Path(argv[0]))
    manifest: dict[str, object] = {}
    differ: list[str] = []
    for name, (_, entry) in seeds.items():
        folder = HERE / name
        for block in entry["blocks"]:  # type: ignore[attr-defined]
            code = block.pop("code")
            path = folder / block["file"]
            if len(argv) == 2:
                if not path.is_file() or path.read_text() != code:
                    differ.append(str(path.relative_to(HERE)))
            else:
                folder.mkdir(exist_ok=True)
                path.write_text(code)
        manifest[name] = entry
    manifest_path = HERE / "MANIFEST.json"
    text = json.dumps(manifest, indent=2) + "\n"
    if len(argv) == 2:
        if manifest_path.read_text() != text:
            differ.append("MANIFEST.json")
        for path in differ:
            print(f"differs from the seeds: {path}", file=sys.stderr)
        return 1 if differ else 0
    manifest_path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
