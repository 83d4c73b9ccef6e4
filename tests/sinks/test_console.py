"""The console view: finished top-level commands drawn as trees, and a summary at close."""

from __future__ import annotations

import asyncio
import io
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rich.console import Console

from llmgine.bus import MessageBus
from llmgine.config import Settings
from llmgine.engine import PromptCommand, ToolChatEngine
from llmgine.messages import Command
from llmgine.sinks import ConsoleSink, Metrics
from llmgine.testing import FakeLLMServer, Fault, text, tool_call
from tests.engine._harness import MODELS, provider_options

DURATION = r"(?:\d+\.\d ms|\d+\.\d\d s)"


class OuterCommand(Command):
    depth: int = 0


class InnerCommand(Command):
    depth: int = 0


def plain_console(width: int = 140) -> Console:
    return Console(file=io.StringIO(), width=width, color_system=None)


def output(sink: ConsoleSink) -> str:
    file = sink.console.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


def lookup(word: str) -> str:
    """Look a word up.

    Args:
        word: the word.
    """
    if word == "dog":
        raise LookupError("no entry for dog")
    return f"{word}: a small animal"


@asynccontextmanager
async def chat_with(sink: ConsoleSink, server: FakeLLMServer) -> AsyncIterator[MessageBus]:
    async with MessageBus(log_dir=None, sinks=[sink]) as bus:
        options = provider_options("openai", server)
        async with ToolChatEngine(
            bus, model=MODELS["openai"], tools=[lookup], provider_options=options
        ):
            yield bus


async def test_a_turn_is_drawn_as_a_tree_of_model_and_tool_calls() -> None:
    sink = ConsoleSink(plain_console(), summary=False)
    script = [tool_call("lookup", {"word": "cat"}, usage=(100, 10)), text("A cat.", usage=(200, 5))]
    async with FakeLLMServer(script) as server:
        async with chat_with(sink, server) as bus:
            result = await bus.execute(PromptCommand(prompt="What is a cat?", session_id="ada"))
            await sink.flush()
            drawn = output(sink)
    assert result.success, result.error
    lines = drawn.splitlines()
    assert len(lines) == 4, drawn
    assert re.fullmatch(
        rf"PromptCommand 'What is a cat\?'  session ada  {DURATION}  300 in / 15 out tokens",
        lines[0].rstrip(),
    )
    assert re.fullmatch(
        rf"├── chat openai:gpt-4o-mini\S* round 1, tool_calls  {DURATION}  100 in / 10 out tokens",
        lines[1].rstrip(),
    )
    assert re.fullmatch(rf"├── execute_tool lookup  {DURATION}", lines[2].rstrip())
    assert re.fullmatch(
        rf"└── chat openai:gpt-4o-mini\S* round 2, stop  {DURATION}  200 in / 5 out tokens",
        lines[3].rstrip(),
    )
    assert "FAILED" not in drawn


async def test_trees_finished_while_held_wait_for_the_end_of_the_block() -> None:
    sink = ConsoleSink(plain_console(), summary=False)
    script = [text("One.", usage=(10, 1)), text("Two.", usage=(20, 2))]
    async with FakeLLMServer(script) as server:
        async with chat_with(sink, server) as bus:
            with sink.held():
                first = await bus.execute(PromptCommand(prompt="first", session_id="ada"))
                with sink.held():  # blocks nest
                    second = await bus.execute(PromptCommand(prompt="second", session_id="ada"))
                await asyncio.sleep(0)  # the drawing would have run by now, were it not held
                assert output(sink) == ""
            drawn = output(sink)  # drawn as the block ends, before the program draws again
    assert first.success
    assert second.success
    assert drawn.index("PromptCommand 'first'") < drawn.index("PromptCommand 'second'")
    assert drawn.count("PromptCommand") == 2


async def test_failed_tool_calls_model_calls_and_commands_are_marked() -> None:
    # Wide enough that an auth error, which names the host and the key variable, fits a line.
    sink = ConsoleSink(plain_console(width=240), summary=False)
    script = [tool_call("lookup", {"word": "dog"}), text("No idea."), Fault.unauthorized()]
    async with FakeLLMServer(script) as server:
        async with chat_with(sink, server) as bus:
            answered = await bus.execute(PromptCommand(prompt="What is a dog?"))
            failed = await bus.execute(PromptCommand(prompt="And a cow?"))
    assert answered.success  # a failed tool call does not fail the turn...
    assert not failed.success
    lines = [line.rstrip() for line in output(sink).splitlines()]
    assert lines[0].startswith("PromptCommand 'What is a dog?'")  # ...so it is not marked
    assert re.fullmatch(
        rf"├── FAILED execute_tool lookup  {DURATION}  exception: LookupError: no entry for dog",
        lines[2],
    )
    assert lines[4].startswith("FAILED PromptCommand 'And a cow?'")
    assert "AuthenticationError" in lines[4]
    assert re.fullmatch(
        rf"└── FAILED chat openai:\S+ round 1  {DURATION}  AuthenticationError: .*", lines[5]
    )
    assert len(lines) == 6


async def test_commands_nest_through_parent_ids_and_print_only_when_the_top_one_ends() -> None:
    sink = ConsoleSink(plain_console(), summary=False)
    inner_done, release = asyncio.Event(), asyncio.Event()
    async with MessageBus(log_dir=None, sinks=[sink]) as bus:

        async def outer(command: OuterCommand) -> int:
            await bus.execute(InnerCommand(depth=1))
            inner_done.set()
            await release.wait()
            return 1

        async def inner(command: InnerCommand) -> int:
            if command.depth < 3:
                await bus.execute(InnerCommand(depth=command.depth + 1))
            return command.depth

        bus.register_command_handler(OuterCommand, outer)
        bus.register_command_handler(InnerCommand, inner)
        running = asyncio.create_task(bus.execute(OuterCommand()))
        await asyncio.wait_for(inner_done.wait(), 5)
        await sink.flush()
        assert output(sink) == ""  # three commands finished, but not the top one
        release.set()
        await asyncio.wait_for(running, 5)
        await sink.flush()
    lines = [line.rstrip() for line in output(sink).splitlines()]
    assert re.fullmatch(rf"OuterCommand  {DURATION}", lines[0])
    assert re.fullmatch(rf"└── InnerCommand  {DURATION}", lines[1])
    assert re.fullmatch(rf"    └── InnerCommand  {DURATION}", lines[2])
    assert re.fullmatch(rf"        └── InnerCommand  {DURATION}", lines[3])


async def test_unfinished_trees_are_bounded_and_shown_at_close() -> None:
    sink = ConsoleSink(plain_console(), summary=False, max_open=2, max_nodes=3)
    release, all_waiting = asyncio.Event(), asyncio.Event()
    waiting: list[int] = []
    bus = MessageBus(log_dir=None, sinks=[sink], stop_timeout=0.05)
    await bus.start()

    async def outer(command: OuterCommand) -> None:
        for depth in range(5):
            await bus.execute(InnerCommand(depth=depth))
        waiting.append(command.depth)
        if len(waiting) == 3:
            all_waiting.set()
        await release.wait()

    bus.register_command_handler(OuterCommand, outer)
    bus.register_command_handler(InnerCommand, lambda c: c.depth)
    started = [asyncio.create_task(bus.execute(OuterCommand(depth=n))) for n in range(3)]
    await asyncio.wait_for(all_waiting.wait(), 5)
    report = await asyncio.wait_for(bus.stop(), 5)  # the drain times out: three turns run on
    assert report.commands_in_flight == 3
    release.set()
    await asyncio.gather(*started)  # their results come after the sink closed: not drawn
    drawn = output(sink)
    assert drawn.count("OuterCommand  unfinished") == 2  # the oldest one was pushed out
    assert drawn.count("InnerCommand") == 2 * 2  # three nodes per tree: the root and two
    assert drawn.count("… 3 more calls not shown") == 2
    assert "1 commands were not shown: too many ran at once" in drawn


class BrokenFile(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError("the terminal went away")


async def test_a_console_that_cannot_be_written_never_breaks_the_bus(caplog) -> None:
    sink = ConsoleSink(Console(file=BrokenFile(), color_system=None))
    async with MessageBus(log_dir=None, sinks=[sink]) as bus:
        bus.register_command_handler(OuterCommand, lambda c: 1)
        for _ in range(3):
            assert (await bus.execute(OuterCommand())).success
            await sink.flush()
    assert caplog.text.count("could not draw on the console") == 1


async def test_the_summary_at_close_shows_commands_models_tools_and_costs() -> None:
    sink = ConsoleSink(plain_console(160))
    script = [tool_call("lookup", {"word": "cat"}, usage=(100, 10)), text("A cat.", usage=(200, 5))]
    async with FakeLLMServer(script) as server:
        async with chat_with(sink, server) as bus:
            await bus.execute(PromptCommand(prompt="What is a cat?"))
    summary = output(sink).split("Metrics of ")[1]
    assert re.search(rf"│ PromptCommand +│ 1 +│ 0 +│ {DURATION}", summary)
    assert re.search(r"│ CallLLMCommand +│ 2 +│ 0 ", summary)
    model = re.search(
        r"│ (openai:gpt-4o-mini\S*) +│ 2 +│ 0 +│ 300 +│ 15 +│ \$(\d\.\d{4}) ", summary
    )
    assert model is not None, summary
    price = sink.metrics.price(model.group(1))
    assert price is not None
    assert model.group(2) == f"{price.cost(300, 15):.4f}"
    assert re.search(r"│ lookup +│ 1 +│ 0 ", summary)


async def test_a_shared_aggregator_is_summarised_but_not_fed_twice() -> None:
    metrics = Metrics()
    sink = ConsoleSink(plain_console(), metrics=metrics)
    sink.emit(OuterCommand())
    assert metrics.messages == 0  # fed by its owner (a MetricsSink), not by the view
    metrics.observe(OuterCommand())
    await sink.close()
    assert "Metrics of 1 messages" in output(sink)


def test_from_settings_is_off_when_asked_or_when_the_output_is_not_a_terminal() -> None:
    assert ConsoleSink.from_settings(Settings(console=False), force_terminal=True) is None
    assert ConsoleSink.from_settings(Settings(), stream=io.StringIO()) is None
    forced = ConsoleSink.from_settings(Settings(), stream=io.StringIO(), force_terminal=True)
    assert isinstance(forced, ConsoleSink)
    assert forced.console.is_terminal
    leader, follower = os.openpty()
    with os.fdopen(leader, "rb"), os.fdopen(follower, "w") as terminal:
        sink = ConsoleSink.from_settings(Settings(), stream=terminal)
        assert isinstance(sink, ConsoleSink)
        assert sink.console.file is terminal


def test_by_default_it_draws_on_stderr_which_is_not_a_terminal_under_pytest() -> None:
    assert ConsoleSink.from_settings(Settings()) is None
    assert ConsoleSink().console.stderr


async def test_a_handler_that_raises_marks_its_command_with_the_exception() -> None:
    sink = ConsoleSink(plain_console(300), summary=False)  # room for the handler's long name
    async with MessageBus(log_dir=None, sinks=[sink]) as bus:

        async def outer(command: OuterCommand) -> None:
            await bus.execute(InnerCommand())

        def inner(command: InnerCommand) -> None:
            raise KeyError("missing")

        bus.register_command_handler(OuterCommand, outer)
        bus.register_command_handler(InnerCommand, inner)
        await bus.execute(OuterCommand())
    lines = [line.rstrip() for line in output(sink).splitlines()]
    assert re.fullmatch(rf"OuterCommand  {DURATION}", lines[0])  # it returned all the same
    assert re.fullmatch(
        rf"└── FAILED InnerCommand  {DURATION}  \S*inner raised KeyError: 'missing'", lines[1]
    )
