"""An in-memory sink, for tests and for looking at what crossed the bus."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterator
from typing import TypeVar

from llmgine.messages import Message
from llmgine.sinks._sink import Sink

M = TypeVar("M", bound=Message)


class MemorySink(Sink):
    """Keeps recorded messages in order (the last ``maxlen`` of them, if given)."""

    def __init__(self, maxlen: int | None = None) -> None:
        self._messages: deque[Message] = deque(maxlen=maxlen)
        self._waiters: list[tuple[Callable[[Message], bool], asyncio.Future[Message]]] = []

    def emit(self, message: Message) -> None:
        self._messages.append(message)
        if self._waiters:
            for predicate, future in list(self._waiters):
                if future.done():
                    continue
                try:
                    matched = predicate(message)
                except Exception as exc:  # the waiter learns of it; emit must not raise
                    future.set_exception(exc)
                else:
                    if matched:
                        future.set_result(message)

    @property
    def messages(self) -> list[Message]:
        return list(self._messages)

    def __iter__(self) -> Iterator[Message]:
        return iter(list(self._messages))

    def __len__(self) -> int:
        return len(self._messages)

    def of_type(self, message_type: type[M]) -> list[M]:
        """Recorded messages that are instances of ``message_type``, in order."""
        return [m for m in self._messages if isinstance(m, message_type)]

    def clear(self) -> None:
        self._messages.clear()

    async def wait_for(
        self, predicate: Callable[[Message], bool], *, timeout: float = 5.0
    ) -> Message:
        """The first message (already recorded, or still to come) matching ``predicate``.

        Raises ``TimeoutError`` if none arrives within ``timeout`` seconds.
        """
        for message in self._messages:
            if predicate(message):
                return message
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        waiter = (predicate, future)
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                return await future
        finally:
            self._waiters.remove(waiter)
