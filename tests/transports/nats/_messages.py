"""Commands shared by the NATS tests and the worker processes they start."""

from __future__ import annotations

from llmgine.messages import Command, Event


class Work(Command[dict[str, int]]):
    """Do item ``n``; the result says which process did it and in what order."""

    n: int
    seconds: float = 0.0


class Worked(Event):
    n: int
