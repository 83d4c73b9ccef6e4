"""How ``llmgine logs`` writes: rich trees and tables on a terminal, plain text elsewhere.

On a terminal the output has colours and fits the window. Written to a pipe or a file it
has no escape codes, lines are not wrapped, and trailing spaces are trimmed, so it reads
well in an editor and greps cleanly. Text from the log always goes in as ``Text`` objects,
never as markup, so a prompt holding ``[bold]`` prints as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TextIO

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from llmgine.logs import (
    LogFileSummary,
    LogRecord,
    LogStats,
    SessionSummary,
    SessionTimeline,
    TimelineEntry,
    describe_record,
    format_ms,
    session_entries,
    shorten,
)

_PLAIN_WIDTH = 10_000
"""Off a terminal nothing wraps: lines are as long as their text."""


class Output:
    """Where ``llmgine logs`` writes, terminal or not."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.terminal = stream.isatty()
        self.console = Console(
            file=stream,
            highlight=False,
            emoji=False,
            markup=False,
            width=None if self.terminal else _PLAIN_WIDTH,
            force_terminal=self.terminal,  # FORCE_COLOR too: a pipe gets plain text
        )

    def print(self, renderable: RenderableType = "") -> None:
        if self.terminal:
            self.console.print(renderable)
            return
        with self.console.capture() as captured:
            self.console.print(renderable)
        lines = captured.get().splitlines()
        self.stream.write("".join(line.rstrip() + "\n" for line in lines))

    def line(self, text: Text) -> None:
        """One line, quickly: for long listings."""
        if self.terminal:
            self.console.print(text, soft_wrap=True)
        else:
            self.stream.write(text.plain.rstrip() + "\n")


def when(moment: datetime | None, since: datetime | None = None) -> str:
    """``2026-12-02 01:06:30``, or only the time when ``since`` is the same day."""
    if moment is None:
        return "-"
    if since is not None and since.date() == moment.date():
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def span(first: datetime | None, last: datetime | None) -> str:
    if first is None or last is None:
        return "no timestamps"
    took = format_ms((last - first).total_seconds() * 1000)
    return f"{when(first)} → {when(last, first)} ({took})"


def size(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    value = count / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def _table(*columns: str, numeric: Sequence[str] = ()) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    for name in columns:
        table.add_column(name, justify="right" if name in numeric else "left")
    return table


def heading(text: str) -> Text:
    return Text(text, style="bold")


# -- list ---------------------------------------------------------------------------------


def log_table(summaries: Iterable[LogFileSummary]) -> tuple[Table, list[Text]]:
    """The table of logs, and a note for each log that could not be read to its end."""
    numbers = ("size", "messages", "sessions", "turns")
    table = _table("file", "size", "from", "to", "messages", "sessions", "turns", numeric=numbers)
    notes = []
    for s in summaries:
        table.add_row(
            Text(s.path.name),
            size(s.size),
            when(s.first),
            when(s.last, s.first),
            f"{s.messages:,}",
            f"{s.sessions:,}",
            f"{s.turns:,}",
        )
        if s.problem:
            notes.append(Text(f"note: {s.problem}; counted up to there", style="yellow"))
    return table, notes


# -- show ---------------------------------------------------------------------------------


def session_table(summaries: Iterable[SessionSummary]) -> Table:
    numbers = ("turns", "messages", "failures")
    table = _table("session", "turns", "messages", "failures", "from", "to", numeric=numbers)
    for s in summaries:
        table.add_row(
            Text(s.session_id),
            f"{s.turns:,}",
            f"{s.messages:,}",
            f"{s.failures:,}",
            when(s.first),
            when(s.last, s.first),
        )
    return table


_MARKS = {True: ("✓", "green"), False: ("✗", "red"), None: ("", "")}
_LABEL_STYLES = {
    "llm": "magenta",
    "tool": "yellow",
    "answer": "green",
    "failure": "red",
    "step": "cyan",
    "agent": "blue",
}


def session_header(timeline: SessionTimeline) -> Text:
    turns, runs = len(timeline.turns), len(timeline.runs)
    text = Text.assemble(("session ", "bold"), (timeline.session_id, "bold cyan"))
    if turns or not runs:
        text.append(f" · {turns} turn{'s' * (turns != 1)}")
    if runs:
        text.append(f" · {runs} workflow run{'s' * (runs != 1)}")
    text.append(f" · {timeline.messages} messages · ")
    text.append(span(timeline.first, timeline.last))
    return text


def session_tree(timeline: SessionTimeline, limit: int | None) -> Tree:
    tree = Tree(session_header(timeline), guide_style="dim")
    for entry in session_entries(timeline, limit):
        _grow(tree, entry)
    return tree


def _grow(tree: Tree, entry: TimelineEntry) -> None:
    branch = tree.add(entry_line(entry))
    for child in entry.children:
        _grow(branch, child)


def entry_line(entry: TimelineEntry) -> Text:
    """``turn 1 "What is…"  ✓ 683 ms · 2 rounds → outcome``"""
    top = entry.label.startswith(("turn", "workflow"))
    style = "bold cyan" if top else _LABEL_STYLES.get(entry.label.partition(" ")[0], "")
    text = Text.assemble((entry.label, style), " ", entry.title)
    mark, colour = _MARKS[entry.ok]
    if mark or entry.facts:
        text.append("  ")
    if mark:
        text.append(mark + (" " if entry.facts else ""), style=colour)
    text.append(" · ".join(entry.facts), style="dim")
    if entry.outcome:
        text.append(" → ")
        text.append(entry.outcome, style="red" if entry.ok is False else "")
    return text


# -- stats --------------------------------------------------------------------------------

_PERCENTILES = ("p50", "p90", "p99", "max")
SESSIONS_SHOWN = 20
FAILURES_SHOWN = 10


def stats_tables(stats: LogStats, limit: int | None) -> list[RenderableType]:
    """Headings and tables, in the order they are printed."""
    parts: list[RenderableType] = []
    sessions = len(stats.sessions)
    parts.append(
        Text(
            f"{stats.messages:,} messages · {sessions} session{'s' * (sessions != 1)} · "
            f"{stats.turns} turn{'s' * (stats.turns != 1)} · {span(stats.first, stats.last)}"
        )
    )
    kinds = _table("kind", "type", "count", numeric=("count",))
    for (kind, type_name), count in sorted(stats.types.items(), key=lambda i: (i[0][0], -i[1])):
        kinds.add_row(kind, Text(type_name), f"{count:,}")
    parts += ["", heading("Messages"), kinds]
    for title, rows, first, tokens in (
        ("Commands by type", stats.commands, "type", False),
        ("Model calls by model", stats.models, "model", True),
        ("Tool calls by tool", stats.tools, "tool", False),
    ):
        if not rows:
            continue
        table = _call_table(first, tokens)
        for name, calls in sorted(rows.items(), key=lambda i: -i[1].calls):
            latency = calls.latency
            cells = [format_ms(getattr(latency, p)) if latency else "-" for p in _PERCENTILES]
            extra = [f"{calls.input_tokens:,}", f"{calls.output_tokens:,}"] if tokens else []
            table.add_row(Text(name), f"{calls.calls:,}", f"{calls.failed:,}", *cells, *extra)
        parts += ["", heading(title), table]
    parts += ["", *_sessions(stats, limit), "", *_failures(stats, limit)]
    if stats.unfinished:
        parts += ["", Text(f"{stats.unfinished} commands have no result in the log")]
    return parts


def _call_table(first: str, tokens: bool) -> Table:
    columns = [first, "calls", "failed", *_PERCENTILES]
    if tokens:
        columns += ["input tokens", "output tokens"]
    return _table(*columns, numeric=columns[1:])


def _sessions(stats: LogStats, limit: int | None) -> list[RenderableType]:
    """The sessions that used the most tokens first; only the first few unless ``--full``."""
    counts = ("model calls", "input tokens", "output tokens")
    table = _table("session", *counts, numeric=counts)
    ranked = sorted(stats.sessions.items(), key=lambda i: -(i[1].input_tokens + i[1].output_tokens))
    shown = ranked if limit is None else ranked[:SESSIONS_SHOWN]
    for name, calls in shown:
        row = (f"{calls.calls:,}", f"{calls.input_tokens:,}", f"{calls.output_tokens:,}")
        table.add_row(Text(name), *row)
    parts: list[RenderableType] = [heading("Tokens by session"), table]
    if len(ranked) > len(shown):
        parts.append(Text(f"… and {len(ranked) - len(shown):,} more sessions (--full lists all)"))
    return parts


def _failures(stats: LogStats, limit: int | None) -> list[RenderableType]:
    """Every failure when there are few; else counts by what failed, then the first few."""
    if not stats.failure_count:
        return [heading("Failures: none")]
    parts: list[RenderableType] = [heading(f"Failures: {stats.failure_count:,}")]
    listed = stats.failures if limit is None else stats.failures[:FAILURES_SHOWN]
    if stats.failure_count > len(listed):
        counts = _table("what", "count", numeric=("count",))
        for what, count in stats.failures_by_what.most_common():
            counts.add_row(Text(what), f"{count:,}")
        parts += [counts, "", heading(f"The first {len(listed)}")]
    table = _table("time", "session", "what", "error")
    for failure in listed:
        record = failure.record
        table.add_row(
            when(record.timestamp),
            Text(record.session_id),
            Text(failure.what),
            Text(shorten(failure.error, None if limit is None else 2 * limit), style="red"),
        )
    return [*parts, table]


# -- search -------------------------------------------------------------------------------


def record_line(record: LogRecord, limit: int | None, prefix: str = "") -> Text:
    """``2026-12-02 01:06:30.922  command  PromptCommand  weather  "What is…"``"""
    moment = record.timestamp
    stamp = moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if moment else "-"
    text = Text(prefix, style="dim")
    text.append(stamp, style="dim")
    text.append(f"  {record.kind:<7}  ")
    text.append(f"{record.type:<22}", style="bold")
    text.append(f"  {record.session_id:<10}  ", style="cyan")
    text.append(describe_record(record, limit))
    return text
