"""Guarantee 9, hooks: middleware can observe, change or reject commands and events,
before and after their handlers."""

import pytest

from llmgine.bus import CommandNext, EventNext, MessageBus, MessageRejected
from llmgine.messages import Command, CommandResult, Event, HandlerFailedEvent
from llmgine.sinks import MemorySink
from tests.bus._messages import Add, Ping


async def test_command_middleware_observes_before_and_after(bus: MessageBus) -> None:
    trace: list[str] = []

    async def outer(command: Command, call_next: CommandNext) -> CommandResult:
        trace.append("outer before")
        result = await call_next(command)
        trace.append(f"outer after {result.result}")
        return result

    async def inner(command: Command, call_next: CommandNext) -> CommandResult:
        trace.append("inner before")
        result = await call_next(command)
        trace.append("inner after")
        return result

    def handler(command: Add) -> int:
        trace.append("handler")
        return command.a + command.b

    bus.add_command_middleware(outer)
    bus.add_command_middleware(inner)
    bus.register_command_handler(Add, handler)
    await bus.execute(Add(a=1, b=2))
    assert trace == ["outer before", "inner before", "handler", "inner after", "outer after 3"]


async def test_command_middleware_changes_the_command_and_the_result(bus: MessageBus) -> None:
    async def doubler(command: Command, call_next: CommandNext) -> CommandResult:
        if isinstance(command, Add):
            command = command.model_copy(update={"a": command.a * 2})
        result = await call_next(command)
        return result.model_copy(update={"metadata": {"doubled": True}})

    bus.add_command_middleware(doubler)
    bus.register_command_handler(Add, lambda c: c.a + c.b)
    result = await bus.execute(Add(a=5, b=1))
    assert result.result == 11
    assert result.metadata == {"doubled": True}


async def test_command_middleware_rejects_with_a_reason(bus: MessageBus) -> None:
    called: list[Command] = []

    async def guard(command: Command, call_next: CommandNext) -> CommandResult:
        if isinstance(command, Add) and command.b == 0:
            raise MessageRejected("b must not be zero")
        return await call_next(command)

    bus.add_command_middleware(guard)
    bus.register_command_handler(Add, called.append)
    rejected = await bus.execute(Add(a=1, b=0))
    assert not rejected.success
    assert rejected.error == "Add was rejected: b must not be zero"
    assert called == []
    assert (await bus.execute(Add(a=1, b=1))).success


async def test_event_middleware_changes_and_filters_events(bus: MessageBus) -> None:
    seen: list[int] = []

    async def tenfold_and_drop_odd(event: Event, call_next: EventNext) -> None:
        if isinstance(event, Ping):
            if event.n % 2:
                return  # rejected: handlers never see it
            event = event.model_copy(update={"n": event.n * 10})
        await call_next(event)

    bus.add_event_middleware(tenfold_and_drop_odd)
    bus.register_event_handler(Ping, lambda e: seen.append(e.n))
    for n in range(6):
        await bus.publish(Ping(n=n))
    await bus.wait_for_events()
    assert seen == [0, 20, 40]


async def test_event_middleware_sees_after_the_handlers(bus: MessageBus) -> None:
    trace: list[str] = []

    async def around(event: Event, call_next: EventNext) -> None:
        trace.append("before")
        await call_next(event)
        trace.append("after")

    bus.add_event_middleware(around)
    bus.register_event_handler(Ping, lambda e: trace.append("handler"))
    await bus.publish(Ping())
    await bus.wait_for_events()
    assert trace == ["before", "handler", "after"]


async def test_raising_middleware_is_a_handler_failure_not_a_crash(
    bus: MessageBus, sink: MemorySink
) -> None:
    async def broken(command: Command, call_next: CommandNext) -> CommandResult:
        raise KeyError("missing")

    bus.add_command_middleware(broken)
    bus.register_command_handler(Add, lambda c: 0)
    result = await bus.execute(Add(a=0, b=0))
    assert not result.success
    assert result.error == "KeyError: 'missing'"
    await bus.wait_for_events()
    [failure] = sink.of_type(HandlerFailedEvent)
    assert failure.handler.endswith("broken")


async def test_removing_middleware_restores_plain_handling(bus: MessageBus) -> None:
    async def reject_all(event: Event, call_next: EventNext) -> None:
        return None

    seen: list[int] = []
    registration = bus.add_event_middleware(reject_all)
    bus.register_event_handler(Ping, lambda e: seen.append(e.n))
    await bus.publish(Ping(n=1))
    await bus.wait_for_events()
    registration.unregister()
    await bus.publish(Ping(n=2))
    await bus.wait_for_events()
    assert seen == [2]


@pytest.mark.parametrize("kind", ["command", "event"])
async def test_middleware_runs_inside_the_handling_context(bus: MessageBus, kind: str) -> None:
    parents: list[str | None] = []

    async def observe_cmd(command: Command, call_next: CommandNext) -> CommandResult:
        parents.append(Ping().parent_id)
        return await call_next(command)

    async def observe_evt(event: Event, call_next: EventNext) -> None:
        parents.append(Ping().parent_id)
        await call_next(event)

    if kind == "command":
        bus.add_command_middleware(observe_cmd)
        bus.register_command_handler(Add, lambda c: 0)
        message: Command | Event = Add(a=0, b=0)
        await bus.execute(message)
    else:
        bus.add_event_middleware(observe_evt)
        message = Ping()
        await bus.publish(message)
        await bus.wait_for_events()
    assert parents == [message.message_id]
