"""Message classes shared by the bus tests."""

from llmgine.messages import Command, Event


class Ping(Event):
    n: int = 0


class Pong(Event):
    n: int = 0


class SpecialPing(Ping):
    pass


class Add(Command):
    a: int
    b: int


class Greet(Command):
    name: str
