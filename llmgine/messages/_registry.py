"""The message type registry: wire name -> class.

Every message class registers itself by its class name when it is defined, so a JSONL
line or a stream entry that says ``"type": "ToolCallCompletedEvent"`` can be turned back
into that class. Names are the wire format and therefore forever: rename a class and old
logs will no longer map to it (they still load, as unknown messages).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmgine.messages._base import Message


class MessageRegistry:
    """Maps wire type names to message classes."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Message]] = {}

    def register(self, cls: type[Message]) -> None:
        name = cls.__name__
        previous = self._classes.get(name)
        if previous is not None and _origin(previous) != _origin(cls):
            warnings.warn(
                f"message type name {name!r} is defined twice ({_origin(previous)} and "
                f"{_origin(cls)}); logs will map {name!r} to the latest. Rename one class.",
                stacklevel=4,
            )
        self._classes[name] = cls

    def get(self, name: str) -> type[Message] | None:
        """The class registered under ``name``, or None."""
        return self._classes.get(name)

    def __getitem__(self, name: str) -> type[Message]:
        try:
            return self._classes[name]
        except KeyError:
            raise KeyError(
                f"no message class is registered as {name!r}; import the module that "
                f"defines it before reading messages of that type"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._classes

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._classes))

    def __len__(self) -> int:
        return len(self._classes)


def _origin(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


registry = MessageRegistry()
"""The process-wide registry that every message class joins when it is defined."""
