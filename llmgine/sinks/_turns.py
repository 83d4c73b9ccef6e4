"""Turn trees: each top-level command with the model and tool calls it caused.

A command whose ``parent_id`` is unset (or points at nothing being followed) starts a
tree; a command or event whose parent is in a tree joins it, under its parent's node.
Commands are nodes; events only annotate the node of their parent (a model call's tokens,
a tool's failure), and a command executed from an event's handler nests under the node
that event belongs to. A tree is done when its root command's result is recorded.

Memory is bounded: at most ``max_open`` unfinished trees (a new one pushes the oldest
out, counted in ``dropped``), ``max_nodes`` nodes and ``max_ids`` followed ids per tree
(what goes beyond is counted in the tree's ``hidden``).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from llmgine.messages import Message
from llmgine.sinks import _wire as wire


@dataclass(eq=False, slots=True)
class TurnNode:
    """One command of a tree, and what its events said about it."""

    message_id: str
    label: str
    started: float
    detail: str = ""
    duration_ms: float | None = None
    """From the command to its result; ``None`` while it runs."""
    success: bool | None = None
    failed: bool = False
    """Something under this command failed although it may have returned (a tool call)."""
    error: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    session_id: str = ""
    children: list[TurnNode] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.success is not False and not self.failed

    def walk(self) -> list[TurnNode]:
        nodes = [self]
        for child in self.children:
            nodes.extend(child.walk())
        return nodes


@dataclass(eq=False, slots=True)
class _Tree:
    root: TurnNode
    ids: dict[str, TurnNode]
    nodes: int = 1
    hidden: int = 0


class TurnTrees:
    """Follows the open trees; ``observe`` hands back each root as its tree completes."""

    def __init__(self, *, max_open: int = 64, max_nodes: int = 200, max_ids: int = 2000):
        self._max_open = max_open
        self._max_nodes = max_nodes
        self._max_ids = max_ids
        self._open: OrderedDict[str, _Tree] = OrderedDict()
        self._index: dict[str, _Tree] = {}
        self.dropped = 0
        """Unfinished trees pushed out by newer ones."""

    def observe(self, message: Message, at: float) -> tuple[TurnNode, int] | None:
        """Follow ``message``; when it completes a tree, its root and its hidden count."""
        kind = message.kind
        if kind == "command":
            self._command(message, at)
        elif kind == "result":
            return self._result(message, at)
        else:
            self._event(message)
        return None

    def unfinished(self) -> list[tuple[TurnNode, int]]:
        """The roots still open, oldest first, with their hidden counts."""
        return [(tree.root, tree.hidden) for tree in self._open.values()]

    def __len__(self) -> int:
        return len(self._open)

    def _command(self, message: Any, at: float) -> None:
        parent = message.parent_id
        tree = None if parent is None else self._index.get(parent)
        label, detail = _describe(message)
        node = TurnNode(message.command_id, label, at, detail)
        if tree is None:
            if len(self._open) >= self._max_open:
                _, oldest = self._open.popitem(last=False)
                self._forget(oldest)
                self.dropped += 1
            node.session_id = message.session_id
            tree = _Tree(node, {node.message_id: node})
            self._open[node.message_id] = tree
            self._index[node.message_id] = tree
            return
        if tree.nodes >= self._max_nodes or len(tree.ids) >= self._max_ids:
            tree.hidden += 1
            return
        tree.ids[parent].children.append(node)
        tree.nodes += 1
        tree.ids[node.message_id] = node
        self._index[node.message_id] = tree

    def _result(self, message: Any, at: float) -> tuple[TurnNode, int] | None:
        command_id = message.command_id
        tree = self._index.get(command_id)
        if tree is None:
            return None
        node = tree.ids[command_id]
        node.duration_ms = (at - node.started) * 1000
        node.success = message.success
        if not message.success and node.error is None:
            node.error = message.error
        if node is not tree.root:
            return None
        del self._open[command_id]
        self._forget(tree)
        return node, tree.hidden

    def _event(self, message: Any) -> None:
        name = type(message).__name__
        if name == wire.HANDLER_FAILED:
            tree = self._index.get(message.failed_message_id)
            if tree is not None:
                node = tree.ids[message.failed_message_id]
                node.failed = True
                node.error = (
                    f"{message.handler} raised {message.exception_type}: "
                    f"{message.exception_message}"
                )
            return
        parent = message.parent_id
        tree = None if parent is None else self._index.get(parent)
        if tree is None:
            return
        node = tree.ids[parent]
        if name == wire.LLM_COMPLETED:
            node.label = f"chat {message.model}"
            node.input_tokens += message.usage.input_tokens
            node.output_tokens += message.usage.output_tokens
            node.detail = f"{node.detail}, {message.finish_reason}"
        elif name == wire.LLM_FAILED:
            node.failed = True
            node.error = f"{message.error_type}: {message.error}"
        elif name == wire.TOOL_FAILED:
            node.failed = True
            node.error = f"{message.error_kind}: {message.error}"
        elif len(tree.ids) < self._max_ids:
            # Commands its handlers execute nest under the node this event belongs to.
            tree.ids[message.event_id] = node
            self._index[message.event_id] = tree

    def _forget(self, tree: _Tree) -> None:
        index = self._index
        for message_id in tree.ids:
            index.pop(message_id, None)


def _describe(message: Any) -> tuple[str, str]:
    """The label and detail of a command's node."""
    name = type(message).__name__
    if name == wire.CALL_LLM:
        return f"chat {message.model}", f"round {message.round}"
    if name == wire.EXECUTE_TOOL:
        return f"execute_tool {message.call.name}", ""
    if name == wire.PROMPT:
        prompt = " ".join(str(message.prompt).split())
        return name, repr(prompt if len(prompt) <= 48 else prompt[:47] + "…")
    return name, ""
