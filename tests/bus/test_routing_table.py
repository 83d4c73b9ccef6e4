"""The routing rules as plain data, without an event loop."""

import functools

import pytest

from llmgine.bus._errors import UsageError
from llmgine.bus._routing import HandlerTable, handler_name
from llmgine.messages import Event
from tests.bus._messages import Add, Ping, Pong, SpecialPing


def noop(message: object) -> None:
    return None


async def anoop(message: object) -> None:
    return None


def test_event_resolution_by_class_hierarchy_and_scope() -> None:
    table = HandlerTable()
    everything = table.add_event(Event, noop, "BUS", None)
    pings = table.add_event(Ping, noop, "BUS", None)
    in_s1 = table.add_event(Ping, noop, "s1", None)
    assert table.event_handlers(Ping, "BUS") == (everything, pings)
    assert table.event_handlers(SpecialPing, "s1") == (everything, pings, in_s1)
    assert table.event_handlers(Pong, "s1") == (everything,)
    table.remove(pings)
    assert table.event_handlers(Ping, "s1") == (everything, in_s1)
    assert table.remove_session("s1") == 1
    assert table.event_handlers(Ping, "s1") == (everything,)


def test_command_resolution_prefers_the_session() -> None:
    table = HandlerTable()
    bus_wide = table.add_command(Add, noop, "BUS", None)
    assert table.command_handler(Add, "s1") is bus_wide
    scoped = table.add_command(Add, noop, "s1", None)
    assert table.command_handler(Add, "s1") is scoped
    assert table.command_handler(Add, "BUS") is bus_wide
    with pytest.raises(UsageError):
        table.remove_session("BUS")


def test_async_detection_and_names() -> None:
    table = HandlerTable()

    class Callable_:
        async def __call__(self, message: object) -> None:
            return None

    assert table.add_event(Ping, anoop, "BUS", None).awaits
    assert table.add_event(Ping, functools.partial(anoop), "BUS", None).awaits
    assert table.add_event(Ping, Callable_(), "BUS", None).awaits
    assert not table.add_event(Ping, noop, "BUS", None).awaits
    assert handler_name(noop).endswith("test_routing_table.noop")
    assert handler_name(functools.partial(noop)).endswith("noop")
