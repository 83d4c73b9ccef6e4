"""Nested-list matrices without numpy: their shape, their rows, and moving their axes.

Validation and the readers of FreeAgentics' forms need these, and neither may depend on
numpy (only ``compile`` does).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import product


@dataclass(frozen=True)
class Ragged:
    """Where a nested list stops being rectangular: the index path of the offending list
    (or number) and what was expected there."""

    path: tuple[int, ...]
    problem: str


def shape_of(tensor: object) -> tuple[int, ...] | Ragged:
    """The shape of a rectangular nested list of numbers, or where it is not rectangular."""
    if not isinstance(tensor, list):
        return ()
    if not tensor:
        return (0,)
    shapes = [shape_of(item) for item in tensor]
    for index, shape in enumerate(shapes):
        if isinstance(shape, Ragged):
            return Ragged((index, *shape.path), shape.problem)
    first = shapes[0]
    for index, shape in enumerate(shapes[1:], start=1):
        if shape != first:
            assert isinstance(first, tuple)
            assert isinstance(shape, tuple)
            return Ragged(
                (index,), f"shape {show_shape(shape)} where {show_shape(first)} was expected"
            )
    assert isinstance(first, tuple)
    return (len(tensor), *first)


def rows(tensor: object, depth: int) -> Iterator[tuple[tuple[int, ...], list[float]]]:
    """Each innermost list of a rectangular tensor of ``depth`` axes, with its index path."""
    if depth <= 1:
        assert isinstance(tensor, list)
        yield (), tensor
        return
    assert isinstance(tensor, list)
    for index, item in enumerate(tensor):
        for path, row in rows(item, depth - 1):
            yield (index, *path), row


def entry(tensor: object, path: Sequence[int]) -> object:
    for index in path:
        assert isinstance(tensor, list)
        tensor = tensor[index]
    return tensor


def transpose(tensor: object, axes: Sequence[int]) -> list[object]:
    """Axis ``i`` of the result is axis ``axes[i]`` of ``tensor`` (rectangular only)."""
    shape = shape_of(tensor)
    assert isinstance(shape, tuple)
    assert len(shape) == len(axes)
    new_shape = [shape[axis] for axis in axes]
    result: list[object] = _filled(new_shape)
    for new_index in product(*(range(n) for n in new_shape)):
        old_index = [0] * len(axes)
        for position, axis in enumerate(axes):
            old_index[axis] = new_index[position]
        target = entry(result, new_index[:-1])
        assert isinstance(target, list)
        target[new_index[-1]] = entry(tensor, old_index)
    return result


def _filled(shape: Sequence[int]) -> list[object]:
    if len(shape) == 1:
        return [0.0] * shape[0]
    return [_filled(shape[1:]) for _ in range(shape[0])]


def show_shape(shape: tuple[int, ...]) -> str:
    """A shape as messages write it: ``(3, 4)``."""
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
