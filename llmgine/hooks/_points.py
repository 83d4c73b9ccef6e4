"""Hook points: which command class is which target, and what its payload is.

A ``HookPoint`` binds a ``Command`` class to a target and says how to read and replace the
payload on each side of the handler: ``get_before``/``set_before`` on the command,
``get_after``/``set_after`` on the handler's result value. Setters return new objects
(messages are frozen) and raise ``TypeError`` for a payload of the wrong type, which makes
a hook that returns one fail like any other failing hook.

Points live in one process-wide registry. A command matches the point of its class or of
its nearest base class that has one, so subclasses are hooked too; the answer is cached
per command class and the registry's ``version`` tells holders of derived caches when to
drop them. The executor, tool and LLM points are registered when ``llmgine.hooks`` is
imported; other packages (the workflows) register their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from llmgine.bus import Registration
from llmgine.hooks._types import TARGETS, HookTarget
from llmgine.messages import Command

C = TypeVar("C", bound=Command[Any])
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class HookPoint(Generic[C, R]):
    """Where hooks of ``target`` attach: commands of ``command_type`` and their results.

    Args:
        command_type: the command class (subclasses match too).
        target: which stages apply: ``before_{target}`` and ``after_{target}``.
        get_before: the payload of the before stage, read from the command.
        set_before: a copy of the command carrying a new payload.
        get_after: the payload of the after stage, read from the result value.
        set_after: a copy of the result value carrying a new payload.
    """

    command_type: type[C]
    target: HookTarget
    get_before: Callable[[C], object]
    set_before: Callable[[C, object], C]
    get_after: Callable[[R], object]
    set_after: Callable[[R, object], R]

    def __post_init__(self) -> None:
        command_type: object = self.command_type
        if not (isinstance(command_type, type) and issubclass(command_type, Command)):
            raise TypeError(f"a hook point needs a Command class, not {command_type!r}")
        if self.target not in TARGETS:
            raise ValueError(f"unknown hook target {self.target!r}; use one of {TARGETS}")


AnyPoint = HookPoint[Any, Any]


class _Registry:
    """The registered points, and the answer for each command class asked about."""

    def __init__(self) -> None:
        self.points: dict[type[Command[Any]], AnyPoint] = {}
        self.lookups: dict[type[Command[Any]], AnyPoint | None] = {}
        self.version = 0

    def changed(self) -> None:
        self.lookups.clear()
        self.version += 1


_registry = _Registry()


def register_hook_point(point: AnyPoint) -> Registration:
    """Add ``point`` to the registry; the returned ``Registration`` removes it again.

    Raises ``ValueError`` when its command class already has a point.
    """
    command_type = point.command_type
    existing = _registry.points.get(command_type)
    if existing is not None:
        raise ValueError(
            f"{command_type.__name__} already has a hook point (target {existing.target!r}); "
            f"unregister that one first"
        )
    _registry.points[command_type] = point
    _registry.changed()

    def undo() -> None:
        if _registry.points.get(command_type) is point:
            del _registry.points[command_type]
            _registry.changed()

    return Registration(f"hook point {point.target!r} for {command_type.__name__}", undo)


def hook_points() -> tuple[AnyPoint, ...]:
    """Every registered hook point, in registration order."""
    return tuple(_registry.points.values())


def point_for(command_type: type[Command[Any]]) -> AnyPoint | None:
    """The point of ``command_type`` or of its nearest base class that has one."""
    lookups = _registry.lookups
    try:
        return lookups[command_type]
    except KeyError:
        pass
    points = _registry.points
    found = next((points[cls] for cls in command_type.__mro__ if cls in points), None)
    lookups[command_type] = found
    return found


def points_version() -> int:
    """A number that changes whenever a point is registered or removed."""
    return _registry.version
