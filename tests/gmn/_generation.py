"""What the generator's tests share: specs a model might answer with, a bus with the engine
and the generator on it, and the messages of a JSONL log."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from llmgine.bus import MessageBus
from llmgine.engine import ToolChatEngine
from llmgine.gmn import GMNGenerator
from llmgine.llm import LLMProvider
from llmgine.logs import UnknownMessage, read_log
from llmgine.messages import Message
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


def logged(path: Path | None) -> list[Message | UnknownMessage]:
    """Every message of a JSONL log, in order (read as a whole: later lines refer to earlier)."""
    assert path is not None
    return list(read_log(path))


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """``llmgine ARGS`` in a process of its own, with no key and no reachable Ollama (so
    detection finds nothing), plus ``env``."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LLMGINE_", "OPENAI_", "ANTHROPIC_", "OLLAMA_", "LLM_"))
    }
    clean["OLLAMA_HOST"] = "127.0.0.1:9"  # nothing listens there
    return subprocess.run(
        [sys.executable, "-m", "llmgine.cli", *args],
        cwd=cwd,
        env=clean | (env or {}),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
