"""The GlueLLM client: a conversation across calls, kept only from calls that succeed,
across event loops, streamed or not; calls on one client take turns."""

from __future__ import annotations

import asyncio

import pytest

from llmgine.compat.gluellm.api import GlueLLM
from llmgine.llm import InvalidRequestError
from llmgine.testing import Fault, text
from tests.compat.gluellm.conftest import Example
from tests.engine._harness import user_texts_in


def test_a_failed_call_leaves_the_conversation_as_it_was(example: Example) -> None:
    client = GlueLLM(system_prompt="Remember.")
    example.server.add(text("Noted."), Fault.bad_request("no such parameter"), text("Blue."))

    async def talk() -> None:
        await client.complete("My colour is blue.")
        with pytest.raises(InvalidRequestError, match="no such parameter"):
            await client.complete("This one fails.")
        await client.complete("What is my colour?")

    asyncio.run(talk())
    assert user_texts_in(example.requests[-1]) == ["My colour is blue.", "What is my colour?"]
    assert [m.content for m in client.history] == [
        "My colour is blue.",
        "Noted.",
        "What is my colour?",
        "Blue.",
    ]


def test_a_client_outlives_its_event_loop(example: Example) -> None:
    client = GlueLLM()
    example.server.add(text("Hello, Ada."), text("You are Ada."))
    asyncio.run(client.complete("I am Ada."))
    result = asyncio.run(client.complete("Who am I?"))
    assert result.final_response == "You are Ada."
    assert user_texts_in(example.requests[1]) == ["I am Ada.", "Who am I?"]
    assert result.session_id == client.session_id


def test_a_streamed_call_joins_the_conversation_unless_it_is_left_early(
    example: Example,
) -> None:
    client = GlueLLM()
    example.server.add(text("Two words."), text("Left early, this one."), text("Done."))

    async def talk() -> list[str]:
        pieces = [c.content async for c in client.stream_complete("Say two words.")]
        stream = client.stream_complete("Say more.")
        async for _ in stream:
            break
        await stream.aclose()
        await client.complete("Finish.")
        return pieces

    pieces = asyncio.run(talk())
    assert "".join(pieces) == "Two words."
    assert user_texts_in(example.requests[-1]) == ["Say two words.", "Finish."]


def test_calls_on_one_client_take_turns(example: Example) -> None:
    client = GlueLLM()
    example.server.add(text("First."), text("Second."))

    async def both() -> None:
        await asyncio.gather(client.complete("one"), client.complete("two"))

    asyncio.run(both())
    first, second = example.requests
    assert user_texts_in(first) == ["one"]
    assert user_texts_in(second) == ["one", "two"]
    assert len(client.history) == 4
