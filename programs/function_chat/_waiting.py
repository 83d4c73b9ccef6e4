"""The line that says the chat is waiting for the model, until its first words arrive.

At a terminal only: a spinner, what is awaited and for how long, redrawn a few times a
second and erased when it stops, so nothing of it stays on the screen or reaches a pipe.
"""

from __future__ import annotations

import time

from rich.console import Console, ConsoleOptions, RenderResult
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

REFRESHES_PER_SECOND = 8


class _Waiting:
    def __init__(self, what: str) -> None:
        self.what = what
        self.since = time.monotonic()
        self.spinner = Spinner("dots", style="cyan")

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        seconds = time.monotonic() - self.since
        line = Text(f" {self.what} · {seconds:.0f} s · Ctrl-C cancels", style="dim")
        frame = self.spinner.render(console.get_time())  # a Text: the spinner has no text
        yield Text.assemble(frame, line) if isinstance(frame, Text) else line


class WaitingIndicator:
    """``start("waiting for openai:gpt-4o")`` draws it; ``stop()`` erases it (idempotent)."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._live: Live | None = None

    @property
    def shown(self) -> bool:
        return self._live is not None

    def start(self, what: str) -> None:
        if self._live is not None or not self._console.is_terminal:
            return
        self._live = Live(
            _Waiting(what),
            console=self._console,
            transient=True,
            refresh_per_second=REFRESHES_PER_SECOND,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._live.start(refresh=True)  # drawn now, not a refresh later

    def stop(self) -> None:
        live, self._live = self._live, None
        if live is not None:
            live.stop()
