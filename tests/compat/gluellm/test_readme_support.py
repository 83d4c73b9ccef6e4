"""GlueLLM's README, "Configuration" to "Agents and Executors" (but the workflows): each
Python block, with only its imports changed, and the one block fenced as Python that is
not Python.

A fragment gets the smallest completion that runs it, named in its case.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from llmgine.compat.gluellm import config
from llmgine.compat.gluellm.logging_config import setup_logging
from llmgine.compat.gluellm.models.conversation import Role
from llmgine.testing import text, tool_call
from llmgine.workflows import Agent, Critic
from tests.compat.gluellm._readme import BLOCKS, Case, register, run_case
from tests.compat.gluellm.conftest import Example
from tests.compat.gluellm.test_readme_api import CALCULATOR, MY_TOOL
from tests.engine._harness import tool_results_in

CASES: dict[str, Case] = {}
case = register(CASES)


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    """Tracing on, as ``GLUELLM_ENABLE_TRACING=true`` turns it on, into a global tracer
    provider that keeps the spans in memory."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", provider)
    monkeypatch.setenv("GLUELLM_ENABLE_TRACING", "true")
    config.reload_settings()
    yield exporter
    provider.shutdown()


@pytest.fixture
def log_file(example: Example) -> Iterator[Path]:
    """Where ``setup_logging`` writes by default, here; the setup is undone afterwards."""
    yield example.folder / "logs" / "llmgine.log"
    setup_logging().undo()


# -- configuration ---------------------------------------------------------------------------


@case("17-configuration-options.py")
def _configuration_options(example: Example) -> None:
    ran = example.run("17-configuration-options.py")
    assert ran.lines == ["openai:gpt-4o-mini", "10", "3"]


@case("18-reloading-configuration.py")
def _reloading_configuration(example: Example) -> None:
    (example.folder / ".env").write_text(
        "GLUELLM_MAX_TOOL_ITERATIONS=4\nLLMGINE_RETRY_MAX_ATTEMPTS=5\n"
    )
    ran = example.run("18-reloading-configuration.py")
    assert ran["settings"] is config.settings
    assert (ran["settings"].max_tool_iterations, ran["settings"].retry_max_attempts) == (4, 5)


@case("53-automatic-retry.py")
def _automatic_retry(example: Example, monkeypatch: pytest.MonkeyPatch) -> None:
    # Shell, fenced as Python: not run, but every variable it sets is read as it says.
    code = BLOCKS["53-automatic-retry.py"]
    with pytest.raises(SyntaxError):
        compile(code, "53-automatic-retry.py", "exec")
    for line in code.splitlines():
        if line.startswith("export "):
            name, value = line.removeprefix("export ").split("#")[0].strip().split("=")
            monkeypatch.setenv(name, value)
    settings = config.reload_settings()
    assert settings.retry_max_attempts == 3
    assert (settings.retry_min_wait, settings.retry_max_wait, settings.retry_multiplier) == (
        2,
        30,
        1,
    )


# -- tracing ---------------------------------------------------------------------------------


@case("19-usage.py")
def _usage(example: Example, spans: InMemorySpanExporter) -> None:
    example.server.add(text("Paris."))
    ran = example.run("19-usage.py")
    assert ran.printed == "Paris.\n"
    (call,) = [s for s in spans.get_finished_spans() if s.name == "chat gpt-4o-mini"]
    assert dict(call.attributes or {})["gen_ai.request.model"] == "gpt-4o-mini"


@case("20-example-with-tool-tracing.py")
def _tool_tracing(example: Example, spans: InMemorySpanExporter) -> None:
    example.server.add(
        tool_call("get_weather", {"location": "San Francisco"}), text("Sunny, 72°F.")
    )
    ran = example.run("20-example-with-tool-tracing.py")
    assert ran.printed == "Sunny, 72°F.\n"
    names = [s.name for s in spans.get_finished_spans()]
    assert names.count("chat gpt-4o-mini") == 2
    (tool,) = [s for s in spans.get_finished_spans() if s.name == "execute_tool get_weather"]
    assert dict(tool.attributes or {})["gen_ai.tool.name"] == "get_weather"


@case("21-advanced-custom-span-attributes.py")
def _custom_span(example: Example, spans: InMemorySpanExporter) -> None:
    # Completion: ``some_llm_call``, and a call of ``custom_llm_call``.
    before = 'async def some_llm_call():\n    return "Hello back"\n'
    ran = example.run(
        "21-advanced-custom-span-attributes.py",
        before=before,
        after="answer = await custom_llm_call()\n",
    )
    assert ran["answer"] == "Hello back"
    (span,) = spans.get_finished_spans()
    assert span.name == "chat gpt-4o-mini"
    assert dict(span.attributes or {}) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.provider.name": "openai",
        "llm.messages_count": 1,
        "custom_attribute": "custom_value",
        "custom_metric": 42,
        "user_id": "user-123",
    }


# -- logging ---------------------------------------------------------------------------------


@case("22-configuration.py")
def _logging_configuration(example: Example) -> None:
    example.run("22-configuration.py")
    installed = setup_logging()  # already set up: the same setup, changed nothing
    try:
        assert installed.log_path == Path("logs") / "gluellm.log"
        logging.getLogger("my.app").debug("debug goes to the file only")
        logging.getLogger("my.app").info("key sk-abcdefghijklmnop masked")
        for handler in installed.handlers:
            handler.flush()
        written = (example.folder / "logs" / "gluellm.log").read_text()
        assert "debug goes to the file only" in written
        assert "masked" in written
        assert "sk-abcdefghijklmnop" not in written
        console, file = installed.handlers
        assert (console.level, file.level) == (logging.INFO, logging.DEBUG)
    finally:
        installed.undo()


@case("23-logging-utilities.py")
def _logging_utilities(example: Example, log_file: Path) -> None:
    # Completion: logging set up (GlueLLM set it up on import; llmgine leaves that to the
    # application), ``db`` and ``process_file``, and a call of ``my_function``.
    before = (
        "from llmgine.compat.gluellm.logging_config import setup_logging\n"
        "setup_logging(force=True)\n"
        "class Database:\n    async def query(self, *args):\n        return ['row']\n"
        "db = Database()\n"
        "def process_file(*args):\n    return None\n"
    )
    ran = example.run(
        "23-logging-utilities.py", before=before, after="total = await my_function(2, 3)\n"
    )
    assert ran["total"] == 5
    assert ran["result"] == ["row"]
    logged = log_file.read_text()
    for line in (
        "Starting database_query",
        "Completed database_query in ",
        "Starting file_processing",
        "Completed file_processing",
        "Custom log message",
        "Calling __main__.my_function with args=(2, 3), kwargs={}",
        "__main__.my_function completed in ",
        "result=5",
    ):
        assert line in logged, line


# -- conversations, prompts, requests ----------------------------------------------------------


@case("24-conversation-management.py")
def _conversation(example: Example) -> None:
    ran = example.run("24-conversation-management.py")
    assert ran.lines[:2] == [
        "user: What is Python?",
        "assistant: Python is a programming language.",
    ]
    assert ran.lines[2] == ran["conv"].id
    assert len(ran.lines[2]) == 36
    assert ran["messages_dict"] == [
        {"role": "user", "content": "What is Python?"},
        {"role": "assistant", "content": "Python is a programming language."},
    ]
    assert [m.role for m in ran["conv"].chat_messages()] == ["user", "assistant"]


@case("25-conversation-management.py")
def _message(example: Example) -> None:
    ran = example.run("25-conversation-management.py")
    assert ran["msg"].role is Role.USER
    assert ran["msg"].content == "Hello!"
    assert ran["msg"].chat_message().content == "Hello!"


@case("26-prompt-templating-system.py")
def _system_prompt(example: Example) -> None:
    ran = example.run("26-prompt-templating-system.py")
    assert ran["formatted"] == (
        "You are a helpful assistant.\n\nYou can call these tools:\n"
        "- get_weather: Get weather for a location."
    )


@case("27-request-configuration.py")
def _request_configuration(example: Example) -> None:
    # Completion: ``get_weather``.
    before = (
        "def get_weather(location: str) -> str:\n"
        '    """Weather in a place."""\n'
        '    return "sunny"\n'
    )
    ran = example.run("27-request-configuration.py", before=before)
    assert ran["messages"] == [
        {"role": "system", "content": "You are helpful.\n\nYou can call these tools:\n"
         "- get_weather: Weather in a place."},
        {"role": "user", "content": "What's the weather?"},
        {"role": "assistant", "content": "Let me check..."},
    ]  # fmt: skip
    assert ran["config"].response_format is ran["OutputFormat"]


# -- workflow configs, agents, executors ---------------------------------------------------------


@case("28-workflow-configuration-models.py")
def _iterative_config(example: Example) -> None:
    # Completion: ``my_evaluator_func`` defined before it is used (the block defines it
    # after, so as written it fails in GlueLLM too).
    before = "def my_evaluator_func(content, feedback):\n    return 0.85\n"
    ran = example.run("28-workflow-configuration-models.py", before=before)
    settings = ran["config"]
    assert (settings.max_iterations, settings.min_quality_score) == (5, 0.8)
    assert settings.quality_evaluator("text", {}) == 0.85
    ours = settings.llmgine()  # scored by the evaluator, so the critics' thresholds are off
    assert (ours.max_iterations, ours.min_quality, ours.convergence_threshold) == (5, None, None)


@case("29-workflow-configuration-models.py")
def _critic_config(example: Example) -> None:
    # Completion: ``my_critic_agent``.
    before = (
        "from llmgine.compat.gluellm.models.agent import Agent\n"
        "my_critic_agent = Agent(name='Critic')\n"
    )
    ran = example.run("29-workflow-configuration-models.py", before=before)
    critic = ran["critic_config"]
    assert isinstance(critic, Critic)
    assert (critic.specialty, critic.goal, critic.weight) == (
        "grammar and clarity",
        "Optimize for readability",
        1.0,
    )
    assert critic.executor.agent is ran["my_critic_agent"]


@case("30-workflow-configuration-models.py")
def _debate_config(example: Example) -> None:
    ran = example.run("30-workflow-configuration-models.py")
    ours = ran["config"].llmgine()
    assert (ours.max_rounds, ours.detect_consensus) == (5, False)
    assert ran["config"].judge_decides is True


@case("31-generic-agent.py")
def _generic_agent(example: Example) -> None:
    ran = example.run("31-generic-agent.py")
    assert ran.lines == ["Generic Agent", "A generic agent that can use any tool"]
    assert ran["executor"].agent is ran["agent"]


@case("32-generic-agent.py")
def _custom_agent(example: Example) -> None:
    # Completion: ``my_tool``.
    ran = example.run("32-generic-agent.py", before=MY_TOOL)
    agent = ran["custom_agent"]
    assert isinstance(agent, Agent)
    assert agent.system_prompt == "Custom instructions"
    assert (agent.tool_names, agent.max_tool_iterations) == (("my_tool",), 5)
    assert agent.model == "anthropic:claude-3-5-sonnet-20241022"


@case("48-agent-model.py")
def _agent_model(example: Example) -> None:
    # Completion: ``search_web`` and ``summarize_text``.
    before = (
        "def search_web(query: str) -> str:\n    return 'results'\n"
        "def summarize_text(text: str) -> str:\n    return text[:10]\n"
    )
    ran = example.run("48-agent-model.py", before=before)
    assert ran["agent"].tool_names == ("search_web", "summarize_text")
    assert ran["agent"].system_prompt == "You are a research assistant."


@case("49-executors.py")
def _simple_executor(example: Example) -> None:
    # Completion: ``calculator``.
    example.server.add(tool_call("calculator", {"expression": "25 * 4"}), text("25 * 4 = 100"))
    ran = example.run("49-executors.py", before=CALCULATOR)
    assert ran.printed == "25 * 4 = 100\n"
    assert tool_results_in(example.requests[1]) == ["100"]
    assert example.requests[0].messages[0]["content"].startswith("You are helpful.")


@case("50-executors.py")
def _agent_executor(example: Example) -> None:
    example.server.add(text("Hello! How can I help you?"))
    ran = example.run("50-executors.py")
    assert ran.printed == "Hello! How can I help you?\n"
    assert example.requests[0].messages[0]["content"] == "You are helpful."


@pytest.mark.parametrize("block", sorted(CASES))
def test_readme_block(block: str, example: Example, request: pytest.FixtureRequest) -> None:
    run_case(CASES, block, example, request)
