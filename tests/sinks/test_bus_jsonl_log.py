"""The JSONL log a MessageBus writes by default (SPEC 4.8 record first, SPEC 5 format)."""

from __future__ import annotations

import orjson

from llmgine.bus import MessageBus
from llmgine.logs import read_log
from llmgine.messages import Command, CommandResult, Event
from llmgine.sinks import MemorySink


class BusLogGreetCommand(Command):
    name: str


class BusLogGreetedEvent(Event):
    text: str


def kinds_and_types(path) -> list[tuple[str, str]]:
    rows = [orjson.loads(raw) for raw in path.read_bytes().splitlines()]
    return [(row["kind"], row["type"]) for row in rows]


async def test_bus_writes_command_result_and_event_lines_in_order(tmp_path):
    bus = MessageBus(log_dir=tmp_path)
    await bus.start()
    bus.register_command_handler(BusLogGreetCommand, lambda c: f"hello {c.name}")
    command = BusLogGreetCommand(name="Ada")
    result = await bus.execute(command)
    await bus.publish(BusLogGreetedEvent(text="hi"))

    report = await bus.stop()

    assert report.clean
    assert bus.log_path is not None
    assert bus.log_path.parent == tmp_path
    assert bus.log_path.name.endswith(".jsonl")
    # everything is on disk as soon as stop() returns
    assert kinds_and_types(bus.log_path) == [
        ("command", "BusLogGreetCommand"),
        ("result", "CommandResult@2"),  # the wire name with its version, past version 1
        ("event", "BusLogGreetedEvent"),
        ("event", "BusStoppedEvent"),
    ]
    back = list(read_log(bus.log_path))
    assert back[0] == command
    assert back[1] == result
    assert isinstance(back[1], CommandResult)
    assert back[1].command_id == command.command_id
    assert back[1].result == "hello Ada"


async def test_an_event_published_by_a_handler_is_logged_between_command_and_result(tmp_path):
    async with MessageBus(log_dir=tmp_path) as bus:

        async def greet(command: BusLogGreetCommand) -> str:
            await bus.publish(BusLogGreetedEvent(text=f"greeted {command.name}"))
            return "done"

        bus.register_command_handler(BusLogGreetCommand, greet)
        command = BusLogGreetCommand(name="Grace")
        await bus.execute(command)

    assert bus.log_path is not None
    kinds = [kind for kind, _ in kinds_and_types(bus.log_path)]
    assert kinds == ["command", "event", "result", "event"]  # the last: BusStoppedEvent
    _, event, _, _ = read_log(bus.log_path)
    assert isinstance(event, BusLogGreetedEvent)
    assert event.parent_id == command.command_id


async def test_the_log_holds_exactly_what_every_other_sink_recorded(tmp_path):
    memory = MemorySink()
    async with MessageBus(log_dir=tmp_path, sinks=[memory]) as bus:
        bus.register_command_handler(BusLogGreetCommand, lambda c: {"greeting": c.name})
        bus.register_event_handler(BusLogGreetedEvent, lambda e: None)
        for name in ("a", "b", "c"):
            await bus.execute(BusLogGreetCommand(name=name, session_id=f"s-{name}"))
            await bus.publish(BusLogGreetedEvent(text=name))

    assert bus.log_path is not None
    assert len(memory) == 9 + 1  # and the BusStoppedEvent
    assert list(read_log(bus.log_path)) == memory.messages


async def test_a_failing_handler_does_not_stop_its_event_being_logged(tmp_path):
    def explode(event: BusLogGreetedEvent) -> None:
        raise RuntimeError("subscriber broke")

    async with MessageBus(log_dir=tmp_path) as bus:
        bus.register_event_handler(BusLogGreetedEvent, explode)
        await bus.publish(BusLogGreetedEvent(text="still recorded"))
        await bus.wait_for_events(timeout=5)

    assert bus.log_path is not None
    types = [type_ for _, type_ in kinds_and_types(bus.log_path)]
    assert types[0] == "BusLogGreetedEvent"
    assert "HandlerFailedEvent" in types


async def test_log_dir_none_writes_no_log(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    async with MessageBus(log_dir=None) as bus:
        bus.register_command_handler(BusLogGreetCommand, lambda c: None)
        await bus.execute(BusLogGreetCommand(name="nobody"))

    assert bus.log_path is None
    assert list(tmp_path.iterdir()) == []


async def test_each_bus_gets_its_own_log_file(tmp_path):
    first, second = MessageBus(log_dir=tmp_path), MessageBus(log_dir=tmp_path)

    assert first.log_path != second.log_path
