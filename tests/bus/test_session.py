"""BusSession: handlers that die with the session, messages that belong to it."""

import asyncio

import pytest

from llmgine.bus import MessageBus, UsageError
from llmgine.messages import SessionEndedEvent, SessionStartedEvent
from llmgine.sinks import MemorySink
from tests.bus._messages import Add, Ping


async def test_session_handlers_die_with_the_session(bus: MessageBus, sink: MemorySink) -> None:
    seen: list[int] = []
    async with bus.session("user-42") as session:
        session.register_event_handler(Ping, lambda e: seen.append(e.n))
        session.register_command_handler(Add, lambda c: "session")
        await session.publish(Ping(n=1))
        assert (await session.execute(Add(a=0, b=0))).result == "session"
    # Leaving the block delivered the session's queued events first.
    assert seen == [1]
    await bus.publish(Ping(n=2, session_id="user-42"))
    await bus.wait_for_events()
    assert seen == [1]
    assert bus.stats().event_handlers == 0
    assert bus.stats().command_handlers == 0
    started = sink.of_type(SessionStartedEvent)
    ended = sink.of_type(SessionEndedEvent)
    assert [e.session_id for e in started] == ["user-42"]
    assert [(e.session_id, e.error) for e in ended] == [("user-42", None)]


async def test_messages_sent_through_a_session_belong_to_it(
    bus: MessageBus, sink: MemorySink
) -> None:
    async with bus.session() as session:
        await session.publish(Ping())
        bus.register_command_handler(Add, lambda c: c.session_id)
        result = await session.execute(Add(a=0, b=0))
    assert result.result == session.session_id
    assert sink.of_type(Ping)[0].session_id == session.session_id
    with pytest.raises(UsageError, match="belongs to session 'other'"):
        session._adopt(Ping(session_id="other"))


async def test_session_end_records_the_error_that_ended_it(
    bus: MessageBus, sink: MemorySink
) -> None:
    with pytest.raises(RuntimeError):
        async with bus.session("s1"):
            raise RuntimeError("user code failed")
    [ended] = sink.of_type(SessionEndedEvent)
    assert ended.error == "RuntimeError: user code failed"


async def test_session_id_rules(bus: MessageBus) -> None:
    with pytest.raises(UsageError, match="non-empty"):
        bus.session("")
    with pytest.raises(UsageError, match="other than 'BUS'"):
        bus.session("BUS")
    async with bus.session("dup"):
        with pytest.raises(UsageError, match="already open"):
            await bus.session("dup").start()
    async with bus.session("dup"):  # free again once ended
        pass


async def test_an_ended_session_refuses_use(bus: MessageBus) -> None:
    async with bus.session("s") as session:
        pass
    with pytest.raises(UsageError, match="has ended"):
        await session.publish(Ping())
    with pytest.raises(UsageError, match="has ended"):
        session.register_event_handler(Ping, print)


async def test_two_sessions_one_slow_do_not_delay_each_other(bus: MessageBus) -> None:
    release = asyncio.Event()
    fast_done = asyncio.Event()

    async def slow(event: Ping) -> None:
        await release.wait()

    async with bus.session("slow") as slow_session, bus.session("fast") as fast_session:
        slow_session.register_event_handler(Ping, slow)
        fast_session.register_event_handler(Ping, lambda e: fast_done.set())
        await slow_session.publish(Ping())
        await fast_session.publish(Ping())
        await asyncio.wait_for(fast_done.wait(), 5)
        release.set()
