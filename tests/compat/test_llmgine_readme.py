"""Every Python block of the original LLMgine's READMEs runs on llmgine as written.

Two READMEs: the project's (``seeds/llmgine``) and the tool chat engine's
(``seeds/llmgine-tool-chat``), which repeats the project's ``MessageBus`` block. The code
uses llmgine's own names, so nothing is rewritten; each fragment gets the smallest completion
that makes it run, said in its test.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from llmgine.testing import FakeLLMServer, text, tool_call
from tests.compat._readme_code import block, manifest, run_block

MESSAGE_BUS_BLOCKS = [("llmgine", "01-messagebus.py"), ("llmgine-tool-chat", "02-messagebus.py")]

PLACEHOLDERS = """\
# Completion: YourCommand and YourEvent stand for the app's own messages, which the README
# imports from llmgine.messages.commands and .events; they are defined and put there.
import llmgine.messages.commands
import llmgine.messages.events
from llmgine.messages import Command, Event

class YourCommand(Command):
    pass

class YourEvent(Event):
    pass

llmgine.messages.commands.YourCommand = YourCommand
llmgine.messages.events.YourEvent = YourEvent
"""


def uncomment(line: str) -> str:
    """``line`` without its ``# `` if what follows is Python, else as it is."""
    candidate = line.removeprefix("# ")
    try:
        ast.parse(candidate)
    except SyntaxError:
        return line
    return candidate


def log_lines(folder: Path) -> list[dict[str, object]]:
    path = folder / "logs" / "app_events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_python_block_of_both_readmes_has_a_test() -> None:
    tested = {*MESSAGE_BUS_BLOCKS, ("llmgine-tool-chat", "01-extending.py")}
    blocks = {
        (readme, entry["file"])
        for readme in ("llmgine", "llmgine-tool-chat")
        for entry in manifest()[readme]["blocks"]  # type: ignore[attr-defined]
    }
    assert blocks == tested


@pytest.mark.parametrize(("readme", "name"), MESSAGE_BUS_BLOCKS)
def test_the_message_bus_block_logs_to_the_file_it_names_and_prints_the_metric(
    readme: str, name: str, tmp_path: Path
) -> None:
    done = run_block(block(readme, name), tmp_path, before=PLACEHOLDERS)

    # "Log file will be created in 'logs/app_events.jsonl'": with the metric it published,
    # although the block never stops the bus (its stop() is commented out).
    (line,) = log_lines(tmp_path)
    assert line["type"] == "MetricEvent"
    assert line["metrics"] == [
        {"name": "files_processed", "value": 10, "unit": None, "tags": {}, "kind": "gauge"}
    ]
    # Console output for metrics is on (enable_console_metrics=True): on stderr.
    assert done.stderr == "metric files_processed = 10\n"
    assert done.stdout == ""


def test_the_blocks_commented_out_lines_run_too_uncommented(tmp_path: Path) -> None:
    code = block("llmgine", "01-messagebus.py")
    lines = code.splitlines()
    first = lines.index('# trace_id = "custom_trace_1"')
    # Completion: the custom span and the stop, commented out in the README, uncommented
    # (one "# " taken off each line that is code; "# Stop the bus" stays a comment), and
    # datetime imported, which they use.
    uncommented = [uncomment(line) for line in lines[first:]]
    code = "\n".join(["from datetime import datetime", *lines[:first], *uncommented]) + "\n"

    done = run_block(code, tmp_path, before=PLACEHOLDERS)

    types = [line["type"] for line in log_lines(tmp_path)]
    assert types == ["MetricEvent", "TraceEvent", "TraceEvent", "BusStoppedEvent"]
    err = done.stderr.splitlines()
    assert err[0] == "metric files_processed = 10"
    assert err[1].startswith("span Custom Operation Start  ")
    assert err[1].endswith("  OK  trace custom_trace_1 span custom_span_1")
    assert any("Published metrics" in line for line in err)  # the summary at stop
    assert any("files_processed" in line and "10" in line for line in err[2:])


def test_a_tool_written_as_the_readme_says_is_registered_and_called(tmp_path: Path) -> None:
    # Completion: Dict and Any imported (the block uses them), then the tool registered
    # "with the engine using `await engine.register_tool(your_function)`", as the text
    # around the block says, and a turn in which the model calls it.
    before = "from typing import Any, Dict\n"
    after = """\
import json

from llmgine.bus import MessageBus
from llmgine.engine import PromptCommand, ToolChatEngine

async with MessageBus() as bus:
    async with ToolChatEngine(bus, model="openai:gpt-4o-mini") as engine:
        await engine.register_tool(my_custom_tool)
        (definition,) = engine.tools.definitions()
        print(json.dumps(definition.model_dump(), sort_keys=True))
        result = await bus.execute(PromptCommand(prompt="Use the tool.", session_id="demo"))
        print(result.result.tool_results[0].content)
        print(result.result.content)
"""
    script = [tool_call("my_custom_tool", {"param1": "hello", "param2": 3}), text("Done.")]
    with FakeLLMServer(script) as server:
        env = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": server.openai_base_url}
        done = run_block(block("llmgine-tool-chat", "01-extending.py"), tmp_path, env,
                         before=before, after=after)  # fmt: skip

    definition, result, answer = done.stdout.splitlines()
    assert json.loads(definition) == {
        "name": "my_custom_tool",
        "description": "Description of what the tool does.",
        "parameters": {
            "type": "object",
            "properties": {
                "param1": {"type": "string", "description": "Description of parameter 1"},
                "param2": {"type": "integer", "description": "Description of parameter 2"},
            },
            "required": ["param1", "param2"],
            "additionalProperties": False,
        },
    }
    assert json.loads(result) == {"result": "some value"}
    assert answer == "Done."
