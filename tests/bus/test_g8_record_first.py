"""Guarantee 8, record first: every command, result and event reaches every sink exactly
once, in order, before any handler sees it; the log line exists even if handlers fail."""

from llmgine.logs import read_log
from llmgine.messages import CommandResult, HandlerFailedEvent, Message
from llmgine.sinks import MemorySink, Sink
from tests.bus._messages import Add, Greet, Ping
from tests.bus._transports import new_bus


class Timeline(Sink):
    """A sink that writes into a shared timeline, so its order can be compared."""

    def __init__(self, name: str, timeline: list[tuple[str, str]]) -> None:
        self.name = name
        self.timeline = timeline

    def emit(self, message: Message) -> None:
        self.timeline.append((self.name, message.message_id))


async def test_every_sink_records_each_message_once_before_its_handlers() -> None:
    timeline: list[tuple[str, str]] = []
    bus = new_bus(log_dir=None, sinks=[Timeline("a", timeline), Timeline("b", timeline)])

    async def on_ping(event: Ping) -> None:
        timeline.append(("handler", event.event_id))
        await bus.execute(Add(a=event.n, b=1))

    def on_add(command: Add) -> int:
        timeline.append(("handler", command.command_id))
        return command.a + command.b

    async with bus:
        bus.register_event_handler(Ping, on_ping)
        bus.register_command_handler(Add, on_add)
        for n in range(20):
            await bus.publish(Ping(n=n))
        await bus.wait_for_events()

    handled = [mid for who, mid in timeline if who == "handler"]
    assert len(handled) == 40
    for message_id in handled:
        marks = [who for who, mid in timeline if mid == message_id]
        # Commands and their results share an id: the result is recorded after handling.
        assert marks[:3] == ["a", "b", "handler"]
    recorded_a = [mid for who, mid in timeline if who == "a"]
    recorded_b = [mid for who, mid in timeline if who == "b"]
    assert recorded_a == recorded_b  # same order in every sink
    # Events, commands, results: once each; then the BusStoppedEvent that stop() records.
    assert len(recorded_a) == 20 + 20 + 20 + 1


async def test_log_holds_messages_in_order_even_when_handlers_fail(tmp_path) -> None:
    def boom(event: Ping) -> None:
        raise RuntimeError("subscriber broke")

    async with new_bus(log_dir=tmp_path) as bus:
        bus.register_event_handler(Ping, boom)
        bus.register_command_handler(Add, lambda c: c.a + c.b)
        await bus.publish(Ping(n=1))
        result = await bus.execute(Add(a=1, b=2))
        await bus.wait_for_events()
    assert bus.log_path is not None
    messages = list(read_log(bus.log_path))
    kinds = [(type(m).__name__, getattr(m, "kind", None)) for m in messages]
    assert kinds[0] == ("Ping", "event")
    assert ("Add", "command") in kinds
    assert ("CommandResult", "result") in kinds
    assert ("HandlerFailedEvent", "event") in kinds
    logged_result = next(m for m in messages if isinstance(m, CommandResult))
    assert logged_result == result
    failure = next(m for m in messages if isinstance(m, HandlerFailedEvent))
    assert failure.exception_message == "subscriber broke"


async def test_command_lifecycle_events_follow_subscription(sink: MemorySink) -> None:
    from llmgine.messages import CommandFinishedEvent, CommandStartedEvent

    async with new_bus(log_dir=None, sinks=[sink]) as bus:
        bus.register_command_handler(Add, lambda c: c.a + c.b)
        await bus.execute(Add(a=1, b=1))
        assert sink.of_type(CommandStartedEvent) == []  # nobody listens: not published
        finished: list[CommandFinishedEvent] = []
        bus.register_event_handler(CommandFinishedEvent, finished.append)
        bus.register_event_handler(CommandStartedEvent, lambda e: None)
        command = Add(a=2, b=2)
        await bus.execute(command)
        await bus.execute(Greet(name="nobody handles this"))
        await bus.wait_for_events()
    [started, _] = sink.of_type(CommandStartedEvent)
    assert started.parent_id == command.command_id
    assert started.command_type == "Add"
    assert [f.success for f in finished] == [True, False]
    assert finished[0].duration_ms >= 0


async def test_always_policy_records_command_events_without_subscribers(
    sink: MemorySink,
) -> None:
    from llmgine.messages import BusStoppedEvent, CommandStartedEvent, CommandSucceededEvent

    async with new_bus(log_dir=None, sinks=[sink], command_events="always") as bus:
        bus.register_command_handler(Add, lambda c: 0)
        await bus.execute(Add(a=0, b=0))
        await bus.wait_for_events()
    kinds = [type(m) for m in sink]
    assert kinds == [
        Add, CommandStartedEvent, CommandResult, CommandSucceededEvent, BusStoppedEvent
    ]  # fmt: skip
