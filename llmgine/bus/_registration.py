"""The handle a registration returns, so that whoever registered can unregister."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import TracebackType


class Registration:
    """Undoes one registration. ``unregister()`` is idempotent; also a context manager."""

    __slots__ = ("_undo", "description")

    def __init__(self, description: str, undo: Callable[[], None]) -> None:
        self.description = description
        self._undo: Callable[[], None] | None = undo

    @property
    def active(self) -> bool:
        return self._undo is not None

    def unregister(self) -> None:
        undo, self._undo = self._undo, None
        if undo is not None:
            undo()

    @classmethod
    def group(cls, description: str, registrations: Iterable[Registration]) -> Registration:
        """One handle for many registrations: ``unregister()`` undoes them all, last first."""
        parts = list(registrations)

        def undo() -> None:
            for part in reversed(parts):
                part.unregister()

        return cls(description, undo)

    def __enter__(self) -> Registration:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.unregister()

    def __repr__(self) -> str:
        state = "active" if self.active else "removed"
        return f"<Registration {self.description} ({state})>"
