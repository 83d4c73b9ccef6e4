"""The message type registry: wire name -> class.

Every message class registers itself when it is defined, under its wire name: the class
name unless the class says otherwise (``class Greeted(Event, wire_name="greeter.Greeted")``).
A JSONL line or a transport message that says ``"type": "Greeted"`` is turned back into
that class. Names are the wire format and therefore forever; a class that is renamed keeps
reading old lines by listing its old name in ``wire_aliases``, and a class whose fields
change raises its ``version`` and says how to read older lines (``Message.wire_upgrade``).
Lines of names no class claims still load, as unknown messages.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmgine.messages._base import Message

Listener = Callable[["type[Message]"], None]


class MessageRegistry:
    """Maps wire type names (and the old names of renamed classes) to message classes."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Message]] = {}
        self._aliases: dict[str, type[Message]] = {}
        self._listeners: list[Listener] = []

    def register(self, cls: type[Message]) -> None:
        name = cls.wire_name
        previous = self._classes.get(name)
        if previous is not None and _origin(previous) != _origin(cls):
            warnings.warn(
                f"message type name {name!r} is defined twice ({_origin(previous)} and "
                f"{_origin(cls)}); logs will map {name!r} to the latest. Rename one class, "
                f"or give one a wire_name of its own.",
                stacklevel=4,
            )
        self._classes[name] = cls
        for alias in cls.wire_aliases:
            self._aliases[alias] = cls
        for listener in tuple(self._listeners):
            listener(cls)

    def get(self, name: str) -> type[Message] | None:
        """The class registered under ``name`` (or that lists it as an old name), or None."""
        return self._classes.get(name) or self._aliases.get(name)

    def __getitem__(self, name: str) -> type[Message]:
        cls = self.get(name)
        if cls is None:
            raise KeyError(
                f"no message class is registered as {name!r}; import the module that "
                f"defines it before reading messages of that type"
            )
        return cls

    def subtypes(self, base: type[Message]) -> frozenset[str]:
        """The wire names of every registered class that is ``base`` or derives from it.

        This is how a subscription to a class becomes a set of exact names, which a
        transport without class hierarchies (subjects, topics) can route on.
        """
        return frozenset(name for name, cls in self._classes.items() if issubclass(cls, base))

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(cls)`` for each class registered from now on; returns the undo."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._classes))

    def __len__(self) -> int:
        return len(self._classes)


def _origin(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


registry = MessageRegistry()
"""The process-wide registry that every message class joins when it is defined."""
