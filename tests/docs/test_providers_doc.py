"""Every Python example in docs/providers.md runs as written, against FakeLLMServer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from llmgine.testing import FakeLLMServer, RecordedRequest, Step, json_reply, text, tool_calls
from tests.docs._examples import python_blocks, run_example

DOC = Path(__file__).resolve().parents[2] / "docs" / "providers.md"
BLOCKS = python_blocks(DOC)
RUNNABLE = [b for b in BLOCKS if "print(" in b]


def has_tool_result(request: RecordedRequest) -> bool:
    for message in request.messages:
        if message.get("role") == "tool":
            return True
        content = message.get("content")
        if isinstance(content, list) and any(b.get("type") == "tool_result" for b in content):
            return True
    return False


def answer(request: RecordedRequest) -> Step:
    """What a model would plausibly say to each example."""
    if "response_format" in request.body or "output_config" in request.body:
        return json_reply({"name": "Lima", "country": "Peru", "population": 10_000_000})
    if request.tools and not has_tool_result(request):
        return tool_calls(
            ("get_weather", {"location": "Paris"}), ("get_weather", {"location": "Rome"})
        )
    if request.tools:
        return text("Paris and Rome are both at 21 C.")
    return text("Hello!")


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=answer, strict=False) as fake:
        yield fake


def test_the_page_has_runnable_examples() -> None:
    assert len(RUNNABLE) >= 5


@pytest.mark.parametrize("number", range(len(RUNNABLE)))
def test_example_runs(number: int, server: FakeLLMServer, tmp_path: Path) -> None:
    env = {
        "OPENAI_API_KEY": "sk-doc-example",
        "OPENAI_BASE_URL": server.openai_base_url,
        "ANTHROPIC_API_KEY": "sk-ant-doc-example",
        "ANTHROPIC_BASE_URL": server.anthropic_base_url,
    }
    done = run_example(RUNNABLE[number], tmp_path, env)
    assert done.stdout.strip(), "every example prints what it got"
