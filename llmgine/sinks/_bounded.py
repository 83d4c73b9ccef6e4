"""A table of rows by key that never holds more than a fixed number of keys.

When a new key arrives at a full table, the row used least recently is folded into one
row for everything else (``OTHER``), so totals stay exact while the table stays small:
a process that serves a million sessions keeps the busiest recent ones by name and the
rest as one sum.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

OTHER = "<other>"
"""The key under which rows folded out of a full table are summed."""


class BoundedTable(Generic[K, V]):
    """Rows by key, at most ``max_keys`` of them plus the ``OTHER`` row."""

    __slots__ = ("_factory", "_fold", "_max", "_rows", "folded", "other")

    def __init__(self, max_keys: int, factory: Callable[[], V], fold: Callable[[V, V], None]):
        if max_keys < 1:
            raise ValueError(f"max_keys must be at least 1, not {max_keys!r}")
        self._max = max_keys
        self._factory = factory
        self._fold = fold
        self._rows: OrderedDict[K, V] = OrderedDict()
        self.other: V | None = None
        """The sum of the rows folded out, or None while none was."""
        self.folded = 0
        """How many keys were folded into ``other``."""

    def row(self, key: K) -> V:
        """The row of ``key``, made (and the oldest row folded away) if it is new."""
        rows = self._rows
        value = rows.get(key)
        if value is not None:
            rows.move_to_end(key)
            return value
        if len(rows) >= self._max:
            _, oldest = rows.popitem(last=False)
            if self.other is None:
                self.other = self._factory()
            self._fold(self.other, oldest)
            self.folded += 1
        value = rows[key] = self._factory()
        return value

    def __len__(self) -> int:
        return len(self._rows)

    def items(self) -> Iterator[tuple[K, V]]:
        """The rows, least recently used first (``OTHER`` is not among them)."""
        return iter(list(self._rows.items()))
