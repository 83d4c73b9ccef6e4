"""What ``llmgine complete`` asks: the prompt argument, text piped in, and attached files.

    llmgine complete "Capital of France?"        the argument is the prompt
    cat notes.md | llmgine complete "summarise"   piped text follows the prompt as context
    cat question.txt | llmgine complete           with no argument, piped text is the prompt
    llmgine complete - < question.txt             '-': the prompt is read from stdin
    llmgine complete -f a.py -f b.py "compare"    each file follows the prompt as context

Context is set apart from the prompt in ``<document source="...">`` tags, so the model
can tell the question from the material. Only a pipe or a file counts as piped text: a
terminal, ``/dev/null`` or a closed stdin is never read, so the command cannot hang
waiting for input nobody gives.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

STDIN = "-"


@dataclass(frozen=True)
class Prompt:
    """What was asked, and the documents (source, text) that go with it."""

    question: str
    documents: tuple[tuple[str, str], ...] = ()

    @property
    def text(self) -> str:
        """The whole prompt as the model gets it."""
        parts = [self.question.strip("\n"), *(_document(s, t) for s, t in self.documents)]
        return "\n\n".join(parts)


class PromptProblem(Exception):
    """The prompt cannot be made (empty, a file unreadable); the message says what to do."""


def piped(stream: TextIO | None) -> TextIO | None:
    """``stream`` when it is a pipe or a regular file (text to read), else None."""
    if stream is None:
        return None
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):  # closed, or replaced by something without a descriptor
        return None
    return stream if stat.S_ISFIFO(mode) or stat.S_ISREG(mode) else None


def build_prompt(argument: str | None, files: Sequence[str], stdin: TextIO | None) -> Prompt:
    """What to send to the model; ``stdin`` is the process's (read only when piped, or
    when ``argument`` is ``-``). Raises ``PromptProblem``."""
    source = piped(stdin)
    context: list[tuple[str, str]] = []
    if argument == STDIN:
        prompt = _read_stream(stdin)
    elif argument is None:
        prompt = _read_stream(source) if source is not None else ""
    else:
        prompt = argument
        if source is not None:
            text = _read_stream(source)
            if text.strip():
                context.append(("stdin", text))
    if not prompt.strip():
        raise PromptProblem(_empty(argument, files))
    context.extend((name, read_attachment(name)) for name in files)
    return Prompt(prompt, tuple(context))


def read_attachment(name: str) -> str:
    """The text of the file ``name``; raises ``PromptProblem`` saying why it cannot be had."""
    path = Path(name)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PromptProblem(f"cannot attach {name!r}: no such file") from None
    except IsADirectoryError:
        raise PromptProblem(f"cannot attach {name!r}: it is a folder; attach its files") from None
    except OSError as exc:
        raise PromptProblem(f"cannot attach {name!r}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise PromptProblem(f"cannot attach {name!r}: it is not UTF-8 text") from None


def _read_stream(stream: TextIO | None) -> str:
    if stream is None:
        return ""
    try:
        return stream.read()
    except UnicodeDecodeError:  # before ValueError, which it is too
        raise PromptProblem("cannot read stdin: it is not UTF-8 text") from None
    except (OSError, ValueError) as exc:
        raise PromptProblem(f"cannot read stdin: {exc}") from None


def _document(source: str, text: str) -> str:
    return f'<document source="{source}">\n{text.strip(chr(10))}\n</document>'


def _empty(argument: str | None, files: Sequence[str]) -> str:
    if argument == STDIN:
        return "the prompt read from stdin is empty"
    if argument is None:
        what = "what to do with the attached files" if files else "a prompt"
        return f'nothing to ask: give {what} as an argument (llmgine complete "..."), or pipe it in'
    return 'the prompt is empty: say what to ask (llmgine complete "...")'
