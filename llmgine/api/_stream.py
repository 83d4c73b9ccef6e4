"""Streaming a turn: the engine's delta events, turned into chunks for a consumer.

The turn runs in a task while its session's ``ResponseDeltaEvent`` arrive through a handler
on the session; the events of one session reach their handlers in publish order, and
``ResponseCompletedEvent`` comes after the turn's last delta, so it marks the end. A
consumer that stops early cancels the turn (nothing of it enters the history).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from llmgine.api._results import StreamChunk, error_of
from llmgine.bus import BusSession
from llmgine.engine import PromptCommand, ResponseCompletedEvent, ResponseDeltaEvent, TurnResult
from llmgine.messages import CommandResult
from llmgine.tools import ToolCallCompletedEvent, ToolCallFailedEvent

_END = object()


async def stream_turn(session: BusSession, command: PromptCommand) -> AsyncIterator[StreamChunk]:
    """Run ``command`` on ``session`` and yield its text as it streams."""
    queue: asyncio.Queue[object] = asyncio.Queue()
    tool_calls = 0

    def on_tool(event: ToolCallCompletedEvent | ToolCallFailedEvent) -> None:
        nonlocal tool_calls
        tool_calls += 1

    registrations = [
        session.register_event_handler(ResponseDeltaEvent, lambda e: queue.put_nowait(e.text)),
        session.register_event_handler(ResponseCompletedEvent, lambda e: queue.put_nowait(_END)),
        session.register_event_handler(ToolCallCompletedEvent, on_tool),
        session.register_event_handler(ToolCallFailedEvent, on_tool),
    ]
    turn = asyncio.create_task(session.execute(command))
    try:
        async for text in _texts(queue, turn):
            yield StreamChunk(content=text, tool_calls_made=tool_calls)
        result = turn.result()
        if not result.success or not isinstance(result.result, TurnResult):
            raise error_of(result.error, result.failure)
        turn_result = result.result
        yield StreamChunk(
            done=True,
            tool_calls_made=len(turn_result.tool_results),
            finish_reason=turn_result.finish_reason,
        )
    finally:
        for registration in registrations:
            registration.unregister()
        if not turn.done():
            turn.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await turn


async def _texts(
    queue: asyncio.Queue[object], turn: asyncio.Task[CommandResult[Any]]
) -> AsyncIterator[str]:
    """The queued texts up to the end marker, or until the turn fails (it sends none)."""
    while True:
        if turn.done():
            if not turn.result().success:
                return
            item = await queue.get()  # the turn succeeded: its end marker is on the way
        else:
            getter = asyncio.ensure_future(queue.get())
            try:
                await asyncio.wait({getter, turn}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                if not getter.done():
                    getter.cancel()
            if not getter.done() or getter.cancelled():  # the turn ended first
                continue
            item = getter.result()
        if item is _END:
            return
        assert isinstance(item, str)
        yield item
