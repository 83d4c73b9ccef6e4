"""How the console view draws a turn tree and the metrics summary, with rich.

rich is imported inside the functions: ``import llmgine.sinks`` stays cheap for
the many programs that never draw anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmgine.messages import BUS_SCOPE
from llmgine.sinks._published import MetricEvent
from llmgine.sinks._published_spans import Ended
from llmgine.sinks._snapshot import LatencySummary, MetricsSnapshot, UsageStats
from llmgine.sinks._turns import TurnNode

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text
    from rich.tree import Tree

_ERROR_WIDTH = 160


def duration(ms: float | None) -> str:
    if ms is None:
        return "unfinished"
    if ms < 1000:
        return f"{ms:.1f} ms"
    return f"{ms / 1000:.2f} s"


def render_turn(root: TurnNode, hidden: int = 0) -> Tree:
    """The tree of one top-level command."""
    from rich.tree import Tree

    tree = Tree(_line(root, is_root=True), guide_style="dim")
    _add_children(tree, root)
    if hidden:
        tree.add(f"… {hidden} more calls not shown", style="dim")
    return tree


def _add_children(branch: Tree, node: TurnNode) -> None:
    for child in node.children:
        _add_children(branch.add(_line(child)), child)


def _line(node: TurnNode, *, is_root: bool = False) -> Text:
    from rich.text import Text

    text = Text()
    if not node.ok:
        text.append("FAILED ", style="bold red")
    text.append(node.label, style="bold" if is_root else "")
    if node.detail:
        text.append(f" {node.detail}", style="dim")
    if is_root and node.session_id and node.session_id != BUS_SCOPE:
        text.append(f"  session {node.session_id}", style="dim")
    text.append(f"  {duration(node.duration_ms)}", style="cyan")
    tokens_in, tokens_out = node.input_tokens, node.output_tokens
    if is_root:
        every = node.walk()
        tokens_in = sum(n.input_tokens for n in every)
        tokens_out = sum(n.output_tokens for n in every)
    if tokens_in or tokens_out:
        text.append(f"  {tokens_in} in / {tokens_out} out tokens", style="magenta")
    if node.error:
        error = " ".join(node.error.split())
        if len(error) > _ERROR_WIDTH:
            error = error[: _ERROR_WIDTH - 1] + "…"
        text.append(f"  {error}", style="red")
    return text


def render_metrics(event: MetricEvent) -> RenderableType:
    """One line per metric of a ``MetricEvent``: ``metric files_processed = 10 files``."""
    from rich.console import Group
    from rich.text import Text

    lines = []
    for metric in event.metrics:
        line = Text("metric ", style="dim")
        line.append(metric.name, style="bold")
        line.append(f" = {metric.value:g}" + (f" {metric.unit}" if metric.unit else ""))
        if metric.tags:
            tags = ", ".join(f"{key}={value}" for key, value in sorted(metric.tags.items()))
            line.append(f"  {tags}", style="dim")
        lines.append(line)
    return Group(*lines)


def render_span(ended: Ended) -> Text:
    """One line for a published span that ended: name, duration, status, published ids."""
    from rich.text import Text

    span = ended.span
    line = Text("span ", style="dim")
    status = ended.status or ""
    failed = status.strip().upper() not in ("", "OK", "UNSET")
    if failed:
        line.append("FAILED ", style="bold red")
    line.append(span.name or "span", style="bold")
    line.append(f"  {duration(ended.duration_ms)}", style="cyan")
    if status:
        line.append(f"  {status}", style="red" if failed else "green")
    trace_id, span_id = span.key
    line.append(f"  trace {trace_id} span {span_id}", style="dim")
    return line


def render_summary(snapshot: MetricsSnapshot) -> RenderableType:
    """The metrics as a few tables: commands, models, tools, failures, losses."""
    from rich.console import Group
    from rich.table import Table

    parts: list[RenderableType] = [f"[bold]Metrics[/bold] of {snapshot.messages} messages"]
    if snapshot.commands:
        table = Table("command", "count", "failed", "p50", "p90", "p99", "max", title="Commands")
        for name, stats in snapshot.commands.items():
            table.add_row(name, str(stats.count), str(stats.failed), *_percentiles(stats.latency))
        parts.append(table)
    if snapshot.models:
        table = Table(
            "model", "calls", "failed", "input tokens", "output tokens", "cost", title="Models"
        )
        for name, usage in [*snapshot.models.items(), ("total", snapshot.total)]:
            table.add_row(name, *_usage(usage))
        parts.append(table)
    if snapshot.tools:
        table = Table("tool", "calls", "failed", "p50", "p90", "p99", "max", title="Tools")
        for name, tool in snapshot.tools.items():
            table.add_row(name, str(tool.calls), str(tool.failed), *_percentiles(tool.latency))
        parts.append(table)
    if snapshot.handler_failures:
        table = Table("handler", "exception", "count", title="Handler failures")
        for failure in snapshot.handler_failures:
            table.add_row(failure.handler, failure.exception_type, str(failure.count))
        parts.append(table)
    if snapshot.metrics:
        table = Table("metric", "count", "last", "min", "max", "sum", title="Published metrics")
        for name, metric in snapshot.metrics.items():
            values = (metric.last, metric.min, metric.max, metric.total)
            unit = f" {metric.unit}" if metric.unit else ""
            table.add_row(name, str(metric.count), *(f"{v:g}{unit}" for v in values))
        parts.append(table)
    if snapshot.undelivered_at_stop:
        parts.append(f"[red]{snapshot.undelivered_at_stop} events not delivered at stop[/red]")
    return Group(*parts)


def _percentiles(latency: LatencySummary) -> tuple[str, str, str, str]:
    values = (latency.p50_ms, latency.p90_ms, latency.p99_ms, latency.max_ms)
    a, b, c, d = ("-" if v is None else duration(v) for v in values)
    return a, b, c, d


def _usage(usage: UsageStats) -> tuple[str, str, str, str, str]:
    cost = "unknown" if usage.cost_usd is None else f"${usage.cost_usd:.4f}"
    return (
        str(usage.calls),
        str(usage.failed),
        str(usage.input_tokens),
        str(usage.output_tokens),
        cost,
    )
