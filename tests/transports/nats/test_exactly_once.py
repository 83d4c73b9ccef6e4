"""Exactly once in effect: a command runs its handler once, however often it is delivered
or sent, and a finished model call inside it is not paid for twice."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from llmgine.bus import MessageBus
from llmgine.engine import PromptCommand, TurnResult
from llmgine.testing import FakeLLMServer, text, tool_call
from llmgine.transports.nats import NatsServer
from tests.transports.nats._messages import Work
from tests.transports.nats.conftest import LogWatch, Workers, jetstream, transport

ACK_WAIT = 1.0


async def test_1_a_worker_killed_mid_turn_the_caller_gets_one_result_and_no_model_call_twice(
    nats_server: NatsServer, namespace: str, workers: Workers, tmp_path: Path
) -> None:
    ack_wait = 2 * ACK_WAIT  # a model call's first HTTP request takes a while here
    script = [tool_call("lookup", {"city": "Paris"}), text("It is 21 degrees in Paris.")]
    async with FakeLLMServer(script) as llm:
        options = {"llm_url": llm.openai_base_url, "markers": str(tmp_path), "ack_wait": ack_wait}
        first, second = await asyncio.gather(
            workers.start(nats_server.url, namespace, "engine", **options),
            workers.start(nats_server.url, namespace, "engine", **options),
        )
        async with MessageBus(transport=transport(nats_server.url, namespace)) as front:
            turn = asyncio.create_task(
                front.execute(PromptCommand(prompt="Weather in Paris?", session_id="chat-1"))
            )
            # One of them made the model call and is now inside the tool: kill it there.
            done, _ = await asyncio.wait(
                [asyncio.create_task(w.expect("tool")) for w in (first, second)],
                return_when=asyncio.FIRST_COMPLETED,
            )
            victim, survivor = (first, second) if first.printed("tool") else (second, first)
            assert len(llm.requests) == 1  # the first model call, finished and recorded
            killed_at = time.monotonic()
            victim.kill()
            result = await asyncio.wait_for(turn, ack_wait + 10)
            took = time.monotonic() - killed_at
            for task in done:
                task.result()
    assert result.success, result.error
    assert isinstance(result.result, TurnResult)
    assert result.result.content == "It is 21 degrees in Paris."
    assert took < ack_wait + 5, f"the result came {took:.1f} s after the kill"
    # The survivor replayed the first model call from the store and made only the second:
    # two requests in all, not three.
    assert len(llm.requests) == 2
    assert "21 degrees" in str(llm.requests[1].messages)
    assert survivor.process.returncode is None


async def test_2_a_command_longer_than_the_ack_wait_reporting_progress_runs_once(
    nats_server: NatsServer, namespace: str
) -> None:
    runs: list[str] = []

    async def slow(command: Work) -> dict[str, int]:
        runs.append(command.command_id)
        await asyncio.sleep(3.5 * ACK_WAIT)  # the work itself: three and a half ack waits
        return {"n": command.n}

    carriers = [transport(nats_server.url, namespace, ack_wait=ACK_WAIT) for _ in range(3)]
    one, two, front = (MessageBus(transport=carrier) for carrier in carriers)
    async with one, two, front:
        one.register_command_handler(Work, slow)
        two.register_command_handler(Work, slow)
        await carriers[0].ready()
        await carriers[1].ready()
        result = await asyncio.wait_for(front.execute(Work(n=1)), 20)
        names = carriers[2].names
        async with jetstream(nats_server.url) as js:
            consumer = names.consumer("Work", names.part("BUS"))
            info = await js.consumer_info(names.command_stream, consumer)
    assert result.success
    assert len(runs) == 1, "delivered to a second worker while the first still ran it"
    assert info.num_redelivered == 0


@pytest.mark.parametrize("how", ["the same command again", "a lost acknowledgement"])
async def test_3_a_caller_that_sends_again_after_a_timeout_runs_the_command_once(
    own_server: NatsServer, namespace: str, how: str, log: LogWatch
) -> None:
    runs: list[int] = []

    def handler(command: Work) -> dict[str, int]:
        runs.append(command.n)
        return {"n": command.n, "runs": len(runs)}

    serving = transport(own_server.url, namespace)
    calling = transport(own_server.url, namespace, send_timeout=0.3)
    worker, front = MessageBus(transport=serving), MessageBus(transport=calling)
    async with worker, front:
        worker.register_command_handler(Work, handler)
        await serving.ready()
        assert (await front.execute(Work(n=0))).success  # the caller knows who serves Work
        command = Work(n=5)
        if how == "the same command again":
            first = await front.execute(command)
            second = await front.execute(command)  # say the caller never saw the first
        else:
            own_server.pause()  # the command reaches the server; no acknowledgement comes
            call = asyncio.create_task(front.execute(command))
            await log.seen("sending it again")
            own_server.resume()  # the first send is stored now, then the second is dropped
            first = second = await asyncio.wait_for(call, 20)
        async with jetstream(own_server.url) as js:
            stored = await js.stream_info(calling.names.command_stream)
    assert first.success
    assert second.success
    assert first.result == second.result == {"n": 5, "runs": 2}
    assert runs == [0, 5]
    assert stored.state.messages == 2


async def test_a_caller_cancelled_mid_command_stops_the_handler_on_the_worker(
    nats_server: NatsServer, namespace: str
) -> None:
    started, stopped = asyncio.Event(), asyncio.Event()

    async def hold(command: Work) -> dict[str, int]:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            stopped.set()
            raise
        return {"n": command.n}

    carrier = transport(nats_server.url, namespace)
    async with (
        MessageBus(transport=carrier) as worker,
        MessageBus(transport=transport(nats_server.url, namespace)) as front,
    ):
        worker.register_command_handler(Work, hold)
        await carrier.ready()
        command = Work(n=1)
        call = asyncio.create_task(front.execute(command))
        await asyncio.wait_for(started.wait(), 10)
        call.cancel()  # what the chat's Ctrl-C does on a front end
        await asyncio.wait_for(stopped.wait(), 10)  # the worker was told, and stopped it
        again = await asyncio.wait_for(front.execute(command), 10)  # its one outcome
    assert again.failure is not None
    assert again.failure.kind == "cancelled"
