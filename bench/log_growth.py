"""How a chat's JSONL log grows with the conversation: bytes written per turn, by turn.

    python bench/log_growth.py                                  # this checkout
    python bench/log_growth.py --baseline /tmp/llmgine-d74a259  # and an earlier one

One session of 200 turns (``--turns``) on an offline model, each turn the same size: the
prompt, a call to ``get_weather``, its result, the answer (``FunctionProvider``, JSONL log
on, the system prompt and one tool). A turn's bytes run from its ``PromptCommand`` line to
the next one's. Reported: the bytes of turns 1, 10, 40 and the last, turn last over turn
10 (the test in ``tests/engine/test_log_form.py`` holds it within 1.5), the whole log, and
the share of ``CallLLMCommand`` lines. Each checkout runs in a process of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ANSWER = "It is 21 degrees and sunny. " * 4


def measure(turns: int) -> dict[str, object]:
    """Run the chat with the llmgine first on ``sys.path`` and measure its log."""
    from llmgine.bus import MessageBus
    from llmgine.context import ContextManager
    from llmgine.engine import PromptCommand, ToolChatEngine
    from llmgine.llm import LLMRequest
    from llmgine.testing import FunctionProvider, text, tool_call

    def get_weather(city: str) -> str:
        """The current weather in a city.

        Args:
            city: the city's name.
        """
        return f"{city}: 21 degrees, sunny, a light breeze from the west"

    def model(request: LLMRequest) -> object:
        if request.messages[-1].role == "tool":
            return text(ANSWER)
        return tool_call("get_weather", {"city": "Paris"})

    async def chat(folder: str) -> Path:
        async with MessageBus(log_dir=folder) as bus:
            engine = ToolChatEngine(
                bus,
                model=FunctionProvider(model, model="openai:gpt-4o-mini"),  # type: ignore[arg-type]
                tools=[get_weather],
                context=ContextManager(system_prompt="You answer questions about the weather."),
            )
            async with engine:
                for turn in range(turns):
                    prompt = f"Weather in Paris? ({turn:04d})"
                    result = await bus.execute(PromptCommand(prompt=prompt, session_id="s"))
                    assert result.success, result.error
        assert bus.log_path is not None
        return bus.log_path

    with tempfile.TemporaryDirectory() as folder:
        data = asyncio.run(chat(folder)).read_bytes()
    sizes: list[int] = []
    calls = 0
    for line in data.splitlines(keepends=True):
        head = line[:80]
        if b'"type":"PromptCommand"' in head:
            sizes.append(0)
        if b'"type":"CallLLMCommand' in head:
            calls += len(line)
        if sizes:
            sizes[-1] += len(line)
    return {"sizes": sizes, "total": len(data), "calls": calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--baseline", type=Path, help="an earlier llmgine checkout")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        sys.path.insert(0, str(args.worker))
        print(json.dumps(measure(args.turns)))
        return
    here = Path(__file__).resolve().parent.parent
    checkouts = [("this checkout", here)]
    if args.baseline is not None:
        checkouts.insert(0, (f"baseline {args.baseline}", args.baseline))
    last = args.turns
    print(f"one session, {last} turns of the same size (a prompt, a tool call, the answer)")
    print(f"{'checkout':<32} {'turn 1':>9} {'turn 10':>9} {'turn 40':>9} {f'turn {last}':>10} "
          f"{f'{last}/10':>7} {'log':>11} {'CallLLM':>8}")  # fmt: skip
    for name, path in checkouts:
        command = [sys.executable, __file__, "--worker", str(path), "--turns", str(last)]
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3_600)
        if done.returncode != 0:
            raise SystemExit(f"the run of {name} failed:\n{done.stderr[-3000:]}")
        found = json.loads(done.stdout.strip().splitlines()[-1])
        sizes, total = found["sizes"], found["total"]
        at = [sizes[n - 1] for n in (1, min(10, last), min(40, last), last)]
        print(f"{name:<32} " + " ".join(f"{n / 1024:>7.1f}KB" for n in at[:3])
              + f" {at[3] / 1024:>8.1f}KB {at[3] / at[1]:>7.2f} {total / 2**20:>9.2f}MB "
              f"{found['calls'] / total:>7.0%}")  # fmt: skip


if __name__ == "__main__":
    main()
