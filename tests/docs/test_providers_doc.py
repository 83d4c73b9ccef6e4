"""Every Python example in docs/providers.md runs as written, against FakeLLMServer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from llmgine.testing import FakeLLMServer, RecordedRequest, Step, json_reply, text, tool_calls
from tests.docs._blocks import blocks, claim
from tests.docs._examples import run_example
from tests.programs._chat import closed_port

DOC = Path(__file__).resolve().parents[2] / "docs" / "providers.md"
RUNNABLE_BLOCKS = [b for b in blocks(DOC) if b.info == "python" and "print(" in b.code]
RUNNABLE = claim(DOC, (b.code for b in RUNNABLE_BLOCKS))
LINES = DOC.read_text().splitlines()


def marked_as_needing_a_key(line: int) -> bool:
    """Whether the paragraph just above the block on ``line`` says **Needs a key**."""
    above = LINES[: line - 1]
    while above and not above[-1].strip():
        above.pop()
    paragraph = []
    while above and above[-1].strip():
        paragraph.append(above.pop())
    return any("**Needs a key**" in text for text in paragraph)


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
    assert len(RUNNABLE) >= 7
    assert sum(marked_as_needing_a_key(b.line) for b in RUNNABLE_BLOCKS) == 4


@pytest.mark.parametrize("number", range(len(RUNNABLE)))
def test_example_runs(number: int, server: FakeLLMServer, tmp_path: Path) -> None:
    env = {
        "OPENAI_API_KEY": "sk-doc-example",
        "OPENAI_BASE_URL": server.openai_base_url,
        "ANTHROPIC_API_KEY": "sk-ant-doc-example",
        "ANTHROPIC_BASE_URL": server.anthropic_base_url,
        "OLLAMA_HOST": server.url,
    }
    done = run_example(RUNNABLE[number], tmp_path, env)
    assert done.stdout.strip(), "every example prints what it got"


@pytest.mark.parametrize("number", range(len(RUNNABLE)))
def test_an_example_that_needs_a_key_says_so(
    number: int, server: FakeLLMServer, tmp_path: Path
) -> None:
    nowhere = f"http://127.0.0.1:{closed_port()}"  # so that nothing leaves the machine
    env = {
        "OPENAI_BASE_URL": f"{nowhere}/v1",
        "ANTHROPIC_BASE_URL": nowhere,
        "OLLAMA_HOST": server.url,  # a local server, which needs no key
    }
    done = run_example(RUNNABLE[number], tmp_path, env, check=False)
    needs_a_key = done.returncode != 0
    assert needs_a_key == marked_as_needing_a_key(RUNNABLE_BLOCKS[number].line), (
        done.stdout + done.stderr
    )
    if needs_a_key:
        assert "Error" in done.stderr
