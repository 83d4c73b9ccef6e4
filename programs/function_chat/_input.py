"""Reading the user's lines: with editing and history on a terminal, plainly from a pipe.

On a terminal (stdin and stdout both), prompt_toolkit reads the line: arrow keys, history
kept in a file, Ctrl-C clears the line, Ctrl-D on an empty line ends the input, Enter
sends, and Alt-Enter (Esc then Enter) or Ctrl-J starts a new line of the same message
(text pasted with its newlines stays one message too). Cursor position requests are off,
so terminals that never answer them (and pseudo-terminals in tests) do not stall it.
Questions (a tool's approval) are read apart, kept out of the history.

From a pipe or a file, a thread reads standard input as it comes and hands over whole
lines; it is a daemon reading the file descriptor itself, so a stop never waits for input
that will not come.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol


class LineReader(Protocol):
    interactive: bool
    """Whether a person is typing at a terminal (Ctrl-C there cancels, never quits)."""

    async def read(self, prompt: str) -> str | None:
        """The next message (one line, or several typed with the new-line key), or None
        at the end of the input."""
        ...

    async def ask(self, question: str) -> str | None:
        """The user's answer to ``question``, or None when there is none to be had (no
        terminal, Ctrl-C, Ctrl-D)."""
        ...


def line_reader(history: Path | None, words: Sequence[str]) -> LineReader:
    """A terminal reader when stdin and stdout are terminals, else a pipe reader."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        return TerminalReader(history, words)
    return PipeReader(sys.stdin.fileno())


class TerminalReader:
    interactive = True

    def __init__(self, history: Path | None, words: Sequence[str]) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.completion import WordCompleter
        from prompt_toolkit.history import FileHistory, History, InMemoryHistory
        from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
        from prompt_toolkit.output.vt100 import Vt100_Output

        detected = Vt100_Output.from_pty(sys.stdout)
        output = Vt100_Output(sys.stdout, detected.get_size, term=detected.term, enable_cpr=False)
        store: History = InMemoryHistory()
        if history is not None:
            with contextlib.suppress(OSError):  # no history file is no reason not to chat
                _private_file(history)
                store = FileHistory(str(history))
        keys = KeyBindings()

        @keys.add("escape", "enter")
        @keys.add("c-j")
        def _new_line(event: KeyPressEvent) -> None:
            event.current_buffer.insert_text("\n")

        self._session: PromptSession[str] = PromptSession(
            history=store,
            output=output,
            completer=WordCompleter(list(words), sentence=True),
            complete_while_typing=False,
            key_bindings=keys,
            prompt_continuation=lambda width, line, wrapped: "." * (width - 2) + "  ",
        )
        self._questions: PromptSession[str] = PromptSession(output=output)

    async def read(self, prompt: str) -> str | None:
        while True:
            try:
                return await self._session.prompt_async(prompt, handle_sigint=False)
            except KeyboardInterrupt:
                continue  # Ctrl-C at the prompt: a fresh line
            except EOFError:
                return None

    async def ask(self, question: str) -> str | None:
        try:
            return await self._questions.prompt_async(question, handle_sigint=False)
        except (KeyboardInterrupt, EOFError):
            return None


class PipeReader:
    interactive = False

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._lines: asyncio.Queue[str | None] | None = None

    async def read(self, prompt: str) -> str | None:
        if self._lines is None:
            self._lines = asyncio.Queue()
            loop = asyncio.get_running_loop()
            threading.Thread(
                target=self._pump, args=(loop, self._lines), daemon=True, name="stdin"
            ).start()
        line = await self._lines.get()
        if line is None:
            self._lines.put_nowait(None)  # the end stays the end
        return line

    async def ask(self, question: str) -> str | None:
        return None  # the next line of the pipe is a message, not an answer

    def _pump(self, loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[str | None]) -> None:
        pending = b""
        while True:
            try:
                chunk = os.read(self._fd, 65536)
            except OSError:
                chunk = b""
            if chunk:
                pending += chunk
                *complete, pending = pending.split(b"\n")
                items: list[str | None] = [_text(line) for line in complete]
            else:
                items = [_text(pending)] if pending else []
                items.append(None)
            for item in items:
                try:
                    loop.call_soon_threadsafe(lines.put_nowait, item)
                except RuntimeError:  # the loop has closed: nobody reads any more
                    return
            if not chunk:
                return


def _text(line: bytes) -> str:
    return line.decode("utf-8", "replace").removesuffix("\r")


def _private_file(path: Path) -> None:
    """Create ``path`` (and its folder) readable by its owner only, if it is missing."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
