"""The messages of bench/distributed.py, shared by the front end and its worker processes."""

from __future__ import annotations

from llmgine.messages import Command, Event


class Echo(Command[int]):
    """Answer with ``n``."""

    n: int


class Tick(Event):
    n: int
