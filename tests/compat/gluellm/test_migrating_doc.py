"""docs/migrating.md, "From GlueLLM", is true: its example runs and prints what it should,
its command table covers every command of GlueLLM's README, and the ``llmgine`` commands
it maps ``test-completion`` and ``test-tool-call`` to do what those did."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from llmgine.cli import main
from llmgine.testing import text, tool_call
from tests.compat.gluellm._readme import execute
from tests.compat.gluellm.conftest import Example
from tests.engine._harness import tool_results_in

PAGE = (Path(__file__).resolve().parents[3] / "docs" / "migrating.md").read_text()
SECTION = PAGE.split("## From GlueLLM", 1)[1].split("\n## ", 1)[0]
COMMANDS = dict(re.findall(r"^\| `(gluellm [^`]*)` \| (.*) \|$", SECTION, flags=re.MULTILINE))
"""GlueLLM's command -> the cell that says what to run instead."""


def test_the_three_systems_have_a_section_each_in_order() -> None:
    headings = re.findall(r"^## (.*)$", PAGE, flags=re.MULTILINE)
    assert headings == ["From the original LLMgine", "From GlueLLM", "From FreeAgentics"]


def test_the_example_runs_with_one_import_changed(example: Example) -> None:
    (code,) = re.findall(r"```python\n(.*?)```", SECTION, flags=re.DOTALL)
    assert "from llmgine.compat.gluellm.api import complete" in code
    example.server.add(
        tool_call("get_weather", {"location": "Tokyo"}, usage=(40, 6)),
        text("It is 22°C and sunny in Tokyo.", usage=(60, 9)),
    )
    ran = execute(code)
    assert ran.lines == ["It is 22°C and sunny in Tokyo.", "Tool calls made: 1", "Tokens used: 115"]
    assert tool_results_in(example.requests[1]) == ["Weather in Tokyo: 22°C, sunny"]


def test_every_command_of_gluellm_s_readme_is_mapped() -> None:
    # The commands of the README's CLI section (a shell block, not copied into seeds/).
    for name in (
        "test-completion",
        "test-tool-call",
        "demo",
        "test-iterative-workflow",
        "test-pipeline-workflow",
        "test-debate-workflow",
        "examples",
        "run-tests",
    ):
        assert any(name in command for command in COMMANDS), name
    for command, instead in COMMANDS.items():
        assert instead.strip(), command


def _llmgine(command: str) -> list[str]:
    """The first ``llmgine ...`` command of a table cell, as arguments."""
    (line,) = re.findall(r"`llmgine ([^`]*)`", COMMANDS[command])[:1]
    return shlex.split(line)


def test_test_completion_is_llmgine_complete(
    example: Example, capsys: pytest.CaptureFixture[str]
) -> None:
    example.server.add(text("Paris."))
    assert main([*_llmgine("gluellm test-completion"), "--model", "openai:gpt-4o-mini"]) == 0
    assert capsys.readouterr().out.startswith("Paris.")
    assert example.requests[0].messages[-1]["content"] == "What is the capital of France?"


def test_test_tool_call_is_llmgine_complete_with_a_tool(
    example: Example, capsys: pytest.CaptureFixture[str]
) -> None:
    example.server.add(tool_call("get_weather", {"location": "Tokyo"}), text("Tokyo is mild."))
    args = _llmgine("gluellm test-tool-call")
    assert main([*args, "--model", "openai:gpt-4o-mini"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Tokyo is mild.")
    assert "[tool] get_weather(location='Tokyo')" in err
    assert tool_results_in(example.requests[1])[0].startswith("Tokyo: ")
