"""Components: whatever puts handlers on a bus, attached and detached one way.

The chat engine, the tool manager, the workflows and the GMN generator are components.
Each has one method, ``attach(target)``, that registers its handlers on a bus or on a
session of one (``BusLike``) and returns one ``Registration``; ``unregister()`` on it
takes every one of those handlers off again. A component may be attached to several
targets at once, each with its own registration.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

from llmgine.bus._registration import Registration
from llmgine.messages import Command, CommandResult, Event

C = TypeVar("C", bound=Command[Any])
E = TypeVar("E", bound=Event)
R = TypeVar("R")


class BusLike(Protocol):
    """What a component registers on: a ``MessageBus`` or a ``BusSession``."""

    async def publish(self, event: Event) -> None: ...

    async def execute(
        self, command: Command[R], *, timeout: float | None = None
    ) -> CommandResult[R]: ...

    def register_command_handler(
        self, command_type: type[C], handler: Callable[[C], object], *, timeout: float | None = None
    ) -> Registration: ...

    def register_event_handler(
        self, event_type: type[E], handler: Callable[[E], object], *, timeout: float | None = None
    ) -> Registration: ...


@runtime_checkable
class Component(Protocol):
    """Something that puts handlers on a bus."""

    def attach(self, target: BusLike) -> Registration:
        """Register this component's handlers on ``target``; the result removes them."""
        ...
