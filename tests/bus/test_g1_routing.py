"""Guarantee 1, routing: one command handler per type and scope, sessions override the
bus-wide handler, event handlers receive subclasses, a missing handler is a failed
result that names the type."""

import pytest

from llmgine.bus import MessageBus, UsageError
from llmgine.messages import Event
from tests.bus._messages import Add, Greet, Ping, Pong, SpecialPing


async def test_command_returns_the_handlers_value_with_the_commands_id(bus: MessageBus) -> None:
    bus.register_command_handler(Add, lambda c: c.a + c.b)
    command = Add(a=2, b=3)
    result = await bus.execute(command)
    assert result.success
    assert result.result == 5
    assert result.command_id == command.command_id
    assert result.error is None


async def test_async_command_handler_is_awaited(bus: MessageBus) -> None:
    async def greet(command: Greet) -> str:
        return f"hello {command.name}"

    bus.register_command_handler(Greet, greet)
    assert (await bus.execute(Greet(name="Ada"))).result == "hello Ada"


async def test_missing_command_handler_is_a_failed_result_naming_the_type(
    bus: MessageBus,
) -> None:
    result = await bus.execute(Greet(name="Ada"))
    assert not result.success
    assert result.error is not None
    assert "Greet" in result.error
    assert "register_command_handler" in result.error


async def test_second_command_handler_in_the_same_scope_is_rejected(bus: MessageBus) -> None:
    bus.register_command_handler(Add, lambda c: 1)
    with pytest.raises(UsageError, match="Add already has a handler"):
        bus.register_command_handler(Add, lambda c: 2)
    bus.register_command_handler(Add, lambda c: 3, session_id="s1")
    with pytest.raises(UsageError, match="in session 's1'"):
        bus.register_command_handler(Add, lambda c: 4, session_id="s1")


async def test_session_command_handler_wins_for_its_session_only(bus: MessageBus) -> None:
    bus.register_command_handler(Add, lambda c: "bus")
    bus.register_command_handler(Add, lambda c: "session", session_id="s1")
    assert (await bus.execute(Add(a=1, b=1, session_id="s1"))).result == "session"
    assert (await bus.execute(Add(a=1, b=1, session_id="s2"))).result == "bus"
    assert (await bus.execute(Add(a=1, b=1))).result == "bus"


async def test_event_handler_receives_subclasses_and_event_receives_everything(
    bus: MessageBus,
) -> None:
    pings: list[Event] = []
    everything: list[Event] = []
    bus.register_event_handler(Ping, pings.append)
    bus.register_event_handler(Event, everything.append)
    await bus.publish(Ping(n=1))
    await bus.publish(SpecialPing(n=2))
    await bus.publish(Pong(n=3))
    await bus.wait_for_events()
    assert [type(e) for e in pings] == [Ping, SpecialPing]
    assert [type(e) for e in everything] == [Ping, SpecialPing, Pong]


async def test_session_event_handlers_see_only_their_session(bus: MessageBus) -> None:
    seen: dict[str, list[int]] = {"bus": [], "s1": []}
    bus.register_event_handler(Ping, lambda e: seen["bus"].append(e.n))
    bus.register_event_handler(Ping, lambda e: seen["s1"].append(e.n), session_id="s1")
    await bus.publish(Ping(n=1, session_id="s1"))
    await bus.publish(Ping(n=2, session_id="s2"))
    await bus.publish(Ping(n=3))
    await bus.wait_for_events()
    assert seen == {"bus": [1, 2, 3], "s1": [1]}


async def test_unregistering_stops_delivery(bus: MessageBus) -> None:
    seen: list[int] = []
    registration = bus.register_event_handler(Ping, lambda e: seen.append(e.n))
    await bus.publish(Ping(n=1))
    await bus.wait_for_events()
    registration.unregister()
    registration.unregister()  # idempotent
    assert not registration.active
    await bus.publish(Ping(n=2))
    await bus.wait_for_events()
    assert seen == [1]


async def test_unregistering_a_command_handler_frees_the_type(bus: MessageBus) -> None:
    with bus.register_command_handler(Add, lambda c: "first"):
        assert (await bus.execute(Add(a=0, b=0))).result == "first"
    bus.register_command_handler(Add, lambda c: "second")
    assert (await bus.execute(Add(a=0, b=0))).result == "second"


async def test_handlers_run_in_registration_order(bus: MessageBus) -> None:
    order: list[str] = []
    bus.register_event_handler(Event, lambda e: order.append("any"))
    bus.register_event_handler(Ping, lambda e: order.append("ping"), session_id="s1")
    bus.register_event_handler(Ping, lambda e: order.append("ping-bus"))
    await bus.publish(Ping(session_id="s1"))
    await bus.wait_for_events()
    assert order == ["any", "ping", "ping-bus"]


async def test_wrong_message_kinds_are_usage_errors(bus: MessageBus) -> None:
    with pytest.raises(UsageError, match="takes an Event"):
        await bus.publish(Add(a=1, b=2))  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="takes a Command"):
        await bus.execute(Ping())  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="subclass of Command"):
        bus.register_command_handler(Ping, lambda c: None)  # type: ignore[type-var]
    with pytest.raises(UsageError, match="subclass of Event"):
        bus.register_event_handler(Add, lambda e: None)  # type: ignore[type-var]


async def test_has_subscribers_follows_scope_and_subclasses(bus: MessageBus) -> None:
    assert not bus.has_subscribers(Ping)
    registration = bus.register_event_handler(Ping, lambda e: None, session_id="s1")
    assert bus.has_subscribers(Ping, "s1")
    assert bus.has_subscribers(SpecialPing, "s1")  # a subclass reaches the Ping handler
    assert not bus.has_subscribers(Ping, "s2")
    assert not bus.has_subscribers(Ping)
    assert not bus.has_subscribers(Pong, "s1")
    registration.unregister()
    assert not bus.has_subscribers(Ping, "s1")
    bus.register_event_handler(Event, lambda e: None)  # bus-wide, every event
    assert bus.has_subscribers(Pong, "s2")
