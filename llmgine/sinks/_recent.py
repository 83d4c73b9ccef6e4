"""A bounded map of recent entries, for lookups that may come a little later.

Two generations: entries go into the young one; when it holds ``limit`` entries it becomes
the old one and the previous old one is dropped whole. Lookups see both, so an entry
lives for at least ``limit`` insertions after its own and memory never holds more than
``2 * limit``. Cheaper than a least-recently-used cache: no bookkeeping per lookup.
"""

from __future__ import annotations

from typing import Generic, TypeVar

V = TypeVar("V")


class Recent(Generic[V]):
    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be positive")
        self._limit = limit
        self._young: dict[str, V] = {}
        self._old: dict[str, V] = {}

    def get(self, key: str) -> V | None:
        found = self._young.get(key)
        return found if found is not None else self._old.get(key)

    def put(self, key: str, value: V) -> None:
        young = self._young
        young[key] = value
        if len(young) >= self._limit:
            self._old, self._young = young, {}

    def __len__(self) -> int:
        return len(self._young) + len(self._old)
