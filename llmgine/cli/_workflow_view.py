"""How ``llmgine workflow run`` shows a run while it happens, and how it ended.

``WorkflowView`` is a sink on the run's bus: it sees every message, and its ``RunTracker``
keeps the runs and steps. At a terminal it draws them as a live tree (redrawn ten times a
second by a task of its own, on the event loop, so nothing else touches the tree): the
runs, their steps as they start and end, a nested run's steps under the step that runs
it; the steps of a nested run fold into its step once it ends, and only the last few
finished steps of a run stay in view. Elsewhere (a pipe, a file) it writes one plain line
per step or run that begins or ends. Everything goes to ``stream`` (stderr): stdout has
the answer only.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.text import Text
from rich.tree import Tree

from llmgine.cli._workflow_runs import (
    Change,
    RunNode,
    RunTracker,
    StepNode,
    change_line,
    counted,
)
from llmgine.logs import format_ms, shorten
from llmgine.messages import Message
from llmgine.sinks import Sink
from llmgine.workflows import WorkflowResult

SHOWN_DONE = 8
"""Finished steps of a run that stay in the live tree (the earlier ones are counted)."""
_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_MARKS = {"completed": ("✓", "green"), "failed": ("✗", "red"), "cancelled": ("✗", "yellow")}


class WorkflowView(Sink):
    """Shows runs on ``stream``: live at a terminal, plain lines elsewhere, nothing when
    ``quiet``. ``begin`` starts the live tree, ``end`` leaves its last state on screen."""

    def __init__(self, stream: TextIO, *, terminal: bool | None = None, quiet: bool = False):
        self.stream = stream
        self.terminal = stream.isatty() if terminal is None else terminal
        self.quiet = quiet
        self.tracker = RunTracker()
        self.console = Console(
            file=stream, force_terminal=self.terminal, highlight=False, emoji=False, markup=False
        )
        self._live: Live | None = None
        self._ticker: asyncio.Task[None] | None = None

    def emit(self, message: Message) -> None:
        try:
            change = self.tracker.observe(message)
        except Exception:  # a view must never break the bus; the log has it all
            return
        if change is not None and not self.quiet and not self.terminal:
            self._line(change)

    def _line(self, change: Change) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.stream.write(change_line(change) + "\n")
            self.stream.flush()

    def notice(self, text: str) -> None:
        if not self.quiet:
            self.stream.write(text + "\n")
            self.stream.flush()

    def begin(self) -> None:
        """Start the live tree (at a terminal, unless quiet)."""
        if self.quiet or not self.terminal or self._live is not None:
            return
        self._live = Live(
            console=self.console, auto_refresh=False, transient=True,
            redirect_stdout=False, redirect_stderr=False,
        )  # fmt: skip
        self._live.start()
        self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        while self._live is not None:
            self._live.update(self.render(), refresh=True)
            await asyncio.sleep(0.1)

    async def end(self) -> None:
        """Stop the live tree and print its last state for good."""
        ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
        live, self._live = self._live, None
        if live is not None:
            live.stop()
            self.console.print(self.render())

    async def close(self) -> None:
        await self.end()

    def render(self) -> Tree | Text:
        now = time.perf_counter()
        roots = self.tracker.roots
        if not roots:
            return Text("starting …", style="dim")
        tree = Tree(run_line(roots[0], now), guide_style="dim")
        add_steps(tree, roots[0], now)
        for other in roots[1:]:
            add_steps(tree.add(run_line(other, now)), other, now)
        return tree

    def summary(self, result: WorkflowResult, model: str) -> None:
        """One line: how the run ended, the model, what it spent, how long it took."""
        if not self.quiet:
            self.stream.write(summary_line(result, model) + "\n")
            self.stream.flush()


def add_steps(tree: Tree, run: RunNode, now: float) -> None:
    steps = list(run.steps.values())
    done = [step.index for step in steps if step.status is not None]
    hidden = set(done[:-SHOWN_DONE]) if len(done) > SHOWN_DONE else set()
    if hidden:
        tree.add(Text(f"… {len(hidden)} earlier steps done", style="dim"))
    for step in steps:
        if step.index in hidden:
            continue
        branch = tree.add(step_line(step, now))
        if step.run is not None and step.status is None:
            add_steps(branch, step.run, now)


def _spinner(now: float) -> str:
    return _FRAMES[int(now * 10) % len(_FRAMES)]


def run_line(run: RunNode, now: float) -> Text:
    """``⠋ debate  2.1 s · 3 steps · 1,234 tokens``"""
    if run.reason is None:
        mark, style, took = _spinner(now), "cyan", (now - run.started) * 1000
    else:
        mark, style = _MARKS.get(run.reason, ("✗", "red"))
        took = run.duration_ms
    text = Text.assemble((mark + " ", style), (run.workflow, "bold"))
    if run.pattern != run.workflow:
        text.append(f" ({run.pattern})", style="dim")
    spent = f" · {run.tokens:,} tokens" if run.tokens else ""
    text.append(f"  {format_ms(took)} · {counted(len(run.steps), 'step')}{spent}", style="dim")
    if run.reason not in (None, "completed"):
        text.append(f"  {shorten(run.ending, 120)}", style="red")
    return text


def step_line(step: StepNode, now: float) -> Text:
    """``✓ 2 Opponent (round 1)  0.52 s · 431 tokens``"""
    if step.status is None:
        text = Text.assemble((_spinner(now) + " ", "cyan"), f"{step.index} {step.title}")
        text.append(f"  {format_ms((now - step.started) * 1000)}", style="dim")
        return text
    mark, style = _MARKS.get(step.status, ("✗", "red"))
    text = Text.assemble((mark + " ", style), f"{step.index} {step.title}")
    text.append(f"  {step.facts()}", style="dim")
    if step.status != "completed":
        text.append(f"  {shorten(step.error, 100)}", style=style)
    return text


def summary_line(result: WorkflowResult, model: str) -> str:
    """``[debate completed · offline:stand-in · 7 steps · 7 model calls · 2,345 tokens
    (2,000 in, 345 out) · $0.000000 · 0.05 s]``"""
    usage = result.usage
    tokens = usage.tokens
    said = result.reason.replace("_", " ")
    parts = [
        f"{result.workflow} {said}",
        model,
        counted(usage.steps, "step"),
        counted(usage.model_calls, "model call"),
    ]
    if usage.tool_calls:
        parts.append(counted(usage.tool_calls, "tool call"))
    parts.append(
        f"{tokens.total_tokens:,} tokens ({tokens.input_tokens:,} in, {tokens.output_tokens:,} out)"
    )
    parts.append("cost unknown" if usage.cost_usd is None else f"${usage.cost_usd:.6f}")
    parts.append(f"{result.duration_ms / 1000:.2f} s")
    return "[" + " · ".join(parts) + "]"
