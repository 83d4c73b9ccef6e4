"""What the generator's tests share: specs a model might answer with, a bus with the engine
and the generator on it, and the messages of a JSONL log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from llmgine.bus import MessageBus
from llmgine.engine import ToolChatEngine
from llmgine.gmn import GMNGenerator
from llmgine.llm import LLMProvider
from llmgine.messages import Message, decode
from tests.gmn._specs import CORRIDOR

UNNORMALISED = CORRIDOR.replace("[0.8, 0.1, 0.1],\n", "[0.8, 0.1, 0.3],\n")
"""The corridor with one emission row summing to 1.2: a single E302."""

BROKEN = CORRIDOR.replace("to: cue\n", "to: clue\n").replace("size: 3", "size: 0", 1)
"""The corridor with an undefined name and a zero size."""


def fenced(spec: str) -> str:
    """An answer as chat models write them: a sentence, the fenced spec, a sentence."""
    return f"Here is the spec you asked for:\n\n```gmn\n{spec}```\n\nIt validates, I hope.\n"


@asynccontextmanager
async def generator_bus(
    model: LLMProvider, log_dir: Path | None = None, **options: Any
) -> AsyncIterator[MessageBus]:
    """A running bus with a chat engine on ``model`` and a generator asking it."""
    async with MessageBus(log_dir=log_dir) as bus:
        async with ToolChatEngine(bus, model=model, stream=False) as engine:
            with GMNGenerator(engine.model, **options).attach(bus):
                yield bus


def logged(path: Path | None) -> list[Message]:
    """Every message of a JSONL log, in order."""
    assert path is not None
    return [decode(line) for line in path.read_text().splitlines()]
