"""The ToolManager: the tools of an app, their definitions, and running the calls to them.

A manager holds tools by name, in registration order. The engine asks it for
``definitions()`` on every model call (cached until the tools change) and hands it the
model's tool calls; ``execute`` never raises for anything a tool or a model did wrong, it
returns a ``ToolResult`` the model can read, so a bad call costs one round, not the turn.

On a bus, ``attach`` makes the manager the handler of ``ExecuteToolCommand``: it runs the
call and publishes ``ToolCallCompletedEvent`` or ``ToolCallFailedEvent``. The request
event belongs to whoever read the model's reply (the engine), so it is not published here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import ParamSpec, TypeVar, overload

from llmgine.bus import BusLike, Registration
from llmgine.llm import ToolCall, ToolDefinition
from llmgine.tools._approval import ToolApprover
from llmgine.tools._errors import ToolRegistrationError
from llmgine.tools._messages import (
    ExecuteToolCommand,
    ToolCallCompletedEvent,
    ToolCallFailedEvent,
    ToolResult,
)
from llmgine.tools._run import run_tool_call
from llmgine.tools._tool import Tool, tool_from_function

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_TOOL_TIMEOUT = 30.0
"""Seconds a tool may run when neither it nor its manager says otherwise."""

_DEFINITIONS_CACHE_LIMIT = 64


class ToolManager:
    """The tools a model may call, and the one place their calls are executed.

    Args:
        tools: functions or ``Tool``s to register at once.
        default_timeout: seconds a tool may run unless it has its own ``timeout``
            (``None`` or ``math.inf``: no limit).
        approver: decides, call by call, whether a tool that requires approval runs
            (``None``: none of them runs); settable later as ``manager.approver``.
    """

    def __init__(
        self,
        tools: Iterable[Tool[..., object] | Callable[..., object]] = (),
        *,
        default_timeout: float | None = DEFAULT_TOOL_TIMEOUT,
        approver: ToolApprover | None = None,
    ) -> None:
        if default_timeout is not None and not default_timeout > 0:
            raise ValueError(
                f"default_timeout must be a positive number of seconds or None, not "
                f"{default_timeout!r}"
            )
        self.default_timeout = default_timeout
        self.approver = approver
        self._tools: dict[str, Tool[..., object]] = {}
        self._definitions: dict[tuple[str, ...] | None, tuple[ToolDefinition, ...]] = {}
        for tool in tools:
            self.add(tool if isinstance(tool, Tool) else tool_from_function(tool))

    # -- registration ------------------------------------------------------------------

    @overload
    def register(
        self,
        func: Callable[P, R],
        /,
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
        inline: bool = False,
        requires_approval: bool = False,
    ) -> Tool[P, R]: ...

    @overload
    def register(
        self,
        func: None = None,
        /,
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
        inline: bool = False,
        requires_approval: bool = False,
    ) -> Callable[[Callable[P, R]], Callable[P, R]]: ...

    def register(
        self,
        func: Callable[P, R] | None = None,
        /,
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
        inline: bool = False,
        requires_approval: bool = False,
    ) -> Tool[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
        """Register a function as a tool; see ``tool_from_function`` for the options.

        ``manager.register(fn)`` and ``@manager.register`` return the ``Tool`` (which can
        still be called like the function); ``@manager.register(name=..., timeout=...)``
        returns the function unchanged. A name already taken raises
        ``ToolRegistrationError``.
        """
        if func is None:

            def decorator(function: Callable[P, R]) -> Callable[P, R]:
                self.register(
                    function,
                    name=name,
                    description=description,
                    timeout=timeout,
                    requires_approval=requires_approval,
                    inline=inline,
                )
                return function

            return decorator
        tool = tool_from_function(
            func,
            name=name,
            description=description,
            timeout=timeout,
            requires_approval=requires_approval,
            inline=inline,
        )
        self.add(tool)
        return tool

    def add(self, tool: Tool[P, R]) -> Tool[P, R]:
        """Register a ``Tool`` built elsewhere (by ``tool_from_function``, say)."""
        if tool.name in self._tools:
            raise ToolRegistrationError(
                f"a tool named {tool.name!r} is already registered; unregister it first or "
                f"register this one under another name with name=..."
            )
        self._tools[tool.name] = tool
        self._definitions.clear()
        return tool

    def unregister(self, name: str) -> Tool[..., object]:
        """Remove the tool called ``name`` and return it; ``KeyError`` if there is none."""
        try:
            tool = self._tools.pop(name)
        except KeyError:
            raise KeyError(f"no tool named {name!r}; registered: {self._listing()}") from None
        self._definitions.clear()
        return tool

    def get(self, name: str) -> Tool[..., object] | None:
        return self._tools.get(name)

    @property
    def names(self) -> tuple[str, ...]:
        """The registered tool names, in registration order."""
        return tuple(self._tools)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __len__(self) -> int:
        return len(self._tools)

    def __iter__(self) -> Iterator[Tool[..., object]]:
        return iter(list(self._tools.values()))

    def definitions(self, names: Iterable[str] | None = None) -> tuple[ToolDefinition, ...]:
        """The definitions to send to the model: all tools, or those ``names`` in that order.

        Unknown names raise ``ValueError``. Answers are cached until the tools change.
        """
        if isinstance(names, str):  # a str is an iterable of one-letter "names"
            raise TypeError(f"definitions() takes a list of tool names, not the str {names!r}")
        key = None if names is None else tuple(names)
        cached = self._definitions.get(key)
        if cached is not None:
            return cached
        if key is None:
            chosen = tuple(self._tools.values())
        else:
            unknown = [name for name in key if name not in self._tools]
            if unknown:
                raise ValueError(
                    f"no tool named {', '.join(map(repr, unknown))}; registered: {self._listing()}"
                )
            chosen = tuple(self._tools[name] for name in key)
        if len(self._definitions) >= _DEFINITIONS_CACHE_LIMIT:
            self._definitions.clear()  # subsets are few in practice; never grow unbounded
        result = self._definitions[key] = tuple(tool.definition for tool in chosen)
        return result

    # -- execution ---------------------------------------------------------------------

    async def execute(self, call: ToolCall) -> ToolResult:
        """Run one tool call. Never raises, except ``asyncio.CancelledError``."""
        tool = self._tools.get(call.name)
        timeout = self.default_timeout if tool is None or tool.timeout is None else tool.timeout
        return await run_tool_call(
            call, tool, available=self.names, timeout=timeout, approver=self.approver
        )

    async def execute_all(self, calls: Sequence[ToolCall]) -> list[ToolResult]:
        """Run ``calls`` concurrently; the results are in the order of ``calls``."""
        if len(calls) <= 1:
            return [await self.execute(call) for call in calls]
        # A task group owns the tasks: cancelling the caller cancels and awaits them all.
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self.execute(call)) for call in calls]
        return [task.result() for task in tasks]

    # -- the bus -----------------------------------------------------------------------

    def attach(self, target: BusLike) -> Registration:
        """Handle ``ExecuteToolCommand`` on ``target`` (a bus, or one session of it).

        The handler runs the call, publishes ``ToolCallCompletedEvent`` or
        ``ToolCallFailedEvent`` there, and returns the ``ToolResult`` (which becomes the
        ``CommandResult.result``). Unregister with the returned ``Registration``.
        """
        publish = target.publish

        async def handle(command: ExecuteToolCommand) -> ToolResult:
            result = await self.execute(command.call)
            await publish(tool_call_event(result))
            return result

        return target.register_command_handler(ExecuteToolCommand, handle)

    def _listing(self) -> str:
        return ", ".join(repr(name) for name in self._tools) or "none"

    def __repr__(self) -> str:
        return f"<ToolManager {self._listing()}>"


def tool_call_event(result: ToolResult) -> ToolCallCompletedEvent | ToolCallFailedEvent:
    """The event that reports ``result``: completed, or failed with its kind."""
    if result.error_kind is None:
        return ToolCallCompletedEvent(
            call_id=result.call_id, tool_name=result.tool_name, result=result.content,
            duration_ms=result.duration_ms,
        )  # fmt: skip
    return ToolCallFailedEvent(
        call_id=result.call_id, tool_name=result.tool_name, error=result.error or result.content,
        error_kind=result.error_kind, duration_ms=result.duration_ms,
    )  # fmt: skip
