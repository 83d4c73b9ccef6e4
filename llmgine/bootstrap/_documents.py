"""``DocumentRetriever``: a tiny retriever over text files, the catalogue RAG's default.

It reads the text files it is given (a folder is searched for ``.md``, ``.txt`` and
``.rst`` files, hidden folders and ``node_modules``-like ones left out) once, when built,
and cuts them into passages at blank lines. ``search(question)`` ranks the passages by the
words they share with the question, rarer words counting more (the inverse document
frequency of each word over the passages), and returns the best as ``{"content",
"source"}`` dicts, the source being ``path:line``. No index, no embeddings, no model: it
makes the RAG pattern runnable on a folder of notes; a real app gives RAG its own retriever.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

SUFFIXES = (".md", ".txt", ".rst")
"""The files a folder is searched for."""
_SKIPPED = frozenset({"node_modules", "__pycache__", "venv", "site-packages", "build", "dist"})
_WORD = re.compile(r"\w+")
_STOP = frozenset(
    re.findall(
        r"\w+",
        """the and for are but not you all any can her was one our out has his how its may
        who did get him let she too use with that this from they will what when where which
        why your have been were into than then them there these those does also about would
        could should""",
    )
)


class DocumentsError(ValueError):
    """The documents cannot be read, or hold no text to search."""


@dataclass(frozen=True, slots=True)
class _Passage:
    content: str
    source: str
    words: Counter[str]


class DocumentRetriever:
    """Passages of the text files under ``paths``, searched by shared words.

    Args:
        paths: files (read whatever their suffix) and folders (searched, recursively, for
            ``.md``, ``.txt`` and ``.rst`` files).
        limit: the most passages a search returns.
        passage_chars: a paragraph longer than this is cut at spaces into passages.
        max_files: the most files read; the rest are left out (``skipped`` counts them).
        max_file_bytes: a larger file is left out.

    Raises ``DocumentsError`` when a path does not exist or no passage was found.
    """

    def __init__(
        self,
        paths: Sequence[str | Path],
        *,
        limit: int = 10,
        passage_chars: int = 1200,
        max_files: int = 2000,
        max_file_bytes: int = 1_000_000,
    ) -> None:
        self.limit = limit
        self.files: list[Path] = []
        self.skipped = 0
        passages: list[_Passage] = []
        for path, shown in _files(paths):
            text = _read(path, max_file_bytes) if len(self.files) < max_files else None
            if text is None:
                self.skipped += 1
                continue
            self.files.append(path)
            passages.extend(_passages(text, shown, passage_chars))
        if not passages:
            where = ", ".join(str(p) for p in paths)
            raise DocumentsError(
                f"no text to search in {where}: give files, or folders holding "
                f"{', '.join(SUFFIXES)} files"
            )
        self.passages = passages
        counts = Counter(word for p in passages for word in p.words)
        self._idf = {w: math.log(1 + len(passages) / n) for w, n in counts.items()}

    def search(self, question: str) -> list[dict[str, str]]:
        """The passages of the documents that best match a question, best first.

        Args:
            question: what to look for.
        """
        wanted = set(_terms(question))
        scored = [
            (sum(self._idf[w] * (1 + math.log(p.words[w])) for w in wanted if w in p.words), n)
            for n, p in enumerate(self.passages)
        ]
        best = sorted((pair for pair in scored if pair[0] > 0), key=lambda pair: -pair[0])
        found = (self.passages[n] for _, n in best[: self.limit])
        return [{"content": p.content, "source": p.source} for p in found]


def _files(paths: Sequence[str | Path]) -> Iterator[tuple[Path, str]]:
    """Each file to read, with the name its passages cite (relative to its folder)."""
    for given in paths:
        path = Path(given)
        if path.is_file():
            yield path, str(given)
        elif path.is_dir():
            for found in _walk(path):
                yield found, found.relative_to(path).as_posix()
        else:
            raise DocumentsError(f"no such file or folder: {str(given)!r}")


def _read(path: Path, max_bytes: int) -> str | None:
    """The file's text; None for one too large, unreadable, or not UTF-8."""
    try:
        return path.read_text(encoding="utf-8") if path.stat().st_size <= max_bytes else None
    except (UnicodeDecodeError, OSError):
        return None


def _walk(folder: Path) -> Iterator[Path]:
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name in _SKIPPED:
            continue
        if entry.is_dir():
            yield from _walk(entry)
        elif entry.suffix.lower() in SUFFIXES and entry.is_file():
            yield entry


def _passages(text: str, name: str, size: int) -> Iterator[_Passage]:
    """The paragraphs of ``text`` (a heading joins the paragraph after it), cut to ``size``."""
    pending: list[str] = []
    start = 0
    for number, block in _paragraphs(text):
        if not pending:
            start = number
        pending.append(block)
        if len(pending) == 1 and _is_heading(block):
            continue
        for piece in _cut("\n".join(pending), size):
            words = Counter(_terms(piece))
            if words:
                yield _Passage(piece, f"{name}:{start}", words)
        pending = []
    if pending and (words := Counter(_terms("\n".join(pending)))):
        yield _Passage("\n".join(pending), f"{name}:{start}", words)


def _paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """Blocks of lines between blank lines, with the number of their first line."""
    lines: list[str] = []
    first = 1
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            if not lines:
                first = number
            lines.append(line.rstrip())
        elif lines:
            yield first, "\n".join(lines)
            lines = []
    if lines:
        yield first, "\n".join(lines)


def _is_heading(block: str) -> bool:
    return "\n" not in block and (block.startswith("#") or (len(block) < 60 and block[-1:] != "."))


def _cut(text: str, size: int) -> Iterable[str]:
    while len(text) > size:
        at = text.rfind(" ", 0, size)
        at = at if at > 0 else size
        yield text[:at].rstrip()
        text = text[at:].lstrip()
    if text:
        yield text


def _terms(text: str) -> Iterator[str]:
    for word in _WORD.findall(text.lower()):
        if len(word) > 2 and word not in _STOP:
            yield word
