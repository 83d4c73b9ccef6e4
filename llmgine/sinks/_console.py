"""The console view: each top-level command drawn as a tree when it finishes.

A ``PromptCommand`` turn shows as its model calls (``chat {model}``, with tokens and
finish reason) and tool calls (``execute_tool {name}``), nested as they caused one
another, each with its duration; failures are marked. Spans the app publishes
(``TraceEvent``) show as one line when they end, and its metrics (``MetricEvent``) as one
line each when published. When the sink closes it prints the unfinished trees and a
summary of the metrics.

It prints when a top-level command finishes, never while one runs: no live display to
fight a terminal program's own prompt. A program that draws on the same terminal (the chat
streaming an answer) wraps its drawing in ``held()``; trees that finish meanwhile wait
and are drawn after it. ``emit`` only updates its trees and counters; the
drawing is scheduled on the event loop right after, and a drawing that fails is logged,
never raised into the bus. It is meant for a person at a terminal: ``from_settings``
gives ``None`` when ``Settings.console`` is off or the output is not a terminal (a pipe,
a file, a test run).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, TextIO

from llmgine.messages import Message
from llmgine.sinks._console_render import (
    render_metrics,
    render_span,
    render_summary,
    render_turn,
)
from llmgine.sinks._metrics import Metrics
from llmgine.sinks._published import MetricEvent, TraceEvent
from llmgine.sinks._published_spans import Ended, SpanBook
from llmgine.sinks._sink import Sink
from llmgine.sinks._turns import TurnTrees

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from llmgine.config import Settings

logger = logging.getLogger("llmgine.sinks.console")


class ConsoleSink(Sink):
    """Draws each finished top-level command as a tree on a rich ``Console``.

    Args:
        console: where to draw (default: a ``Console`` on stderr).
        metrics: an aggregator to summarise at close that something else feeds (a
            ``MetricsSink``'s); by default the sink keeps and feeds its own.
        summary: print the metrics: each ``MetricEvent`` as it comes, and the summary at
            close.
        traces: draw each finished top-level command as a tree, and each published span
            (``TraceEvent``) as a line when it ends.
        max_open: unfinished trees (and published spans) kept at most (a new one pushes
            out the oldest).
        max_nodes: calls kept per tree; the rest are counted as not shown.
    """

    def __init__(
        self,
        console: Console | None = None,
        *,
        metrics: Metrics | None = None,
        summary: bool = True,
        traces: bool = True,
        max_open: int = 64,
        max_nodes: int = 200,
    ) -> None:
        self._console = console
        self._feeds_metrics = metrics is None
        self.metrics = Metrics() if metrics is None else metrics
        self._summary = summary
        self._traces = traces
        self._trees = TurnTrees(max_open=max_open, max_nodes=max_nodes)
        self._spans = SpanBook(max_open)
        self._ready: list[Callable[[], RenderableType]] = []
        self._max_ready = max_open
        self._scheduled = False
        self._holds = 0
        self._complained = False
        self._closed = False
        self.skipped = 0
        """Finished trees not drawn because too many were waiting to be drawn."""

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        stream: TextIO | None = None,
        force_terminal: bool = False,
        metrics: Metrics | None = None,
    ) -> ConsoleSink | None:
        """The view on ``stream`` (default stderr), or ``None`` when ``settings.console``
        is off or ``stream`` is not a terminal (``force_terminal`` draws anyway).

        With a ``MetricsSink`` on the same bus, pass its ``metrics``: one aggregator then
        serves both, instead of the view keeping a second one.
        """
        if not settings.console:
            return None
        stream = sys.stderr if stream is None else stream
        if not force_terminal and not _is_terminal(stream):
            return None
        from rich.console import Console

        return cls(Console(file=stream, force_terminal=force_terminal or None), metrics=metrics)

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True)
        return self._console

    def emit(self, message: Message) -> None:
        if self._closed:
            return  # e.g. a command that outlived the bus's drain: its tree was drawn
        try:
            now = time.perf_counter()
            if self._feeds_metrics:
                self.metrics.observe(message, now)
            drawing = self._drawing_of(message, now)
        except Exception:
            self._complain("could not follow a %s", type(message).__name__)
            return
        if drawing is not None:
            if len(self._ready) >= self._max_ready:
                self._ready.pop(0)
                self.skipped += 1
            self._ready.append(drawing)
            self._schedule()

    def _drawing_of(self, message: Message, now: float) -> Callable[[], RenderableType] | None:
        """What ``message`` gives to draw, if anything (drawn later, off ``emit``)."""
        if isinstance(message, MetricEvent):
            return partial(render_metrics, message) if self._summary else None
        if isinstance(message, TraceEvent):
            step = self._spans.observe(message) if self._traces else None
            return partial(render_span, step) if isinstance(step, Ended) else None
        if not self._traces:
            return None
        done = self._trees.observe(message, now)
        return None if done is None else partial(render_turn, *done)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Draw nothing while the block runs; trees finished meanwhile are drawn as it ends.

        For a program that draws on the same terminal, so a tree never lands in the
        middle of its output. Blocks may nest; ``flush`` and ``close`` still draw.
        """
        self._holds += 1
        try:
            yield
        finally:
            self._holds -= 1
            if not self._holds:
                self._draw_ready()  # now, before the program draws again (its prompt)

    async def flush(self) -> None:
        self._draw_ready(force=True)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._draw_ready(force=True)
        for root, hidden in self._trees.unfinished() if self._traces else ():
            self._print(render_turn(root, hidden))
        lost = self._trees.dropped + self.skipped
        if lost:
            self._print(f"[dim]{lost} commands were not shown: too many ran at once[/dim]")
        if self._summary and self.metrics.messages:
            self._print(render_summary(self.metrics.snapshot()))

    def _schedule(self) -> None:
        if self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # fed outside an event loop: draw now
            self._draw_ready()
            return
        self._scheduled = True
        loop.call_soon(self._draw_ready)

    def _draw_ready(self, *, force: bool = False) -> None:
        self._scheduled = False
        if self._holds and not force:
            return  # ``held`` draws them when its block ends
        ready, self._ready = self._ready, []
        for drawing in ready:
            self._print(drawing)

    def _print(self, renderable: RenderableType | Callable[[], RenderableType]) -> None:
        try:
            if not isinstance(renderable, str) and callable(renderable):
                renderable = renderable()  # a drawing made ready by ``emit``
            self.console.print(renderable)
        except Exception:
            self._complain("could not draw on the console")

    def _complain(self, what: str, *args: object) -> None:
        if not self._complained:  # once: a broken terminal must not flood the log
            self._complained = True
            logger.warning(what, *args, exc_info=True)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
