"""One composition root: what the settings say holds for every entry point alike.

Each test sets the environment as a user would (``LLMGINE_*`` variables, the SDKs' own),
then goes through a public entry point: the one-call API, ``ChatClient``, or
``ApplicationBootstrap``. The model runs on ``FakeLLMServer`` on loopback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import llmgine
from llmgine.bootstrap import ApplicationBootstrap
from llmgine.bus import BusLike, MessageBus, Registration
from llmgine.engine import PromptCommand
from llmgine.llm import AuthenticationError, InvalidRequestError
from llmgine.logs import read_log
from llmgine.messages import Command
from llmgine.testing import FakeLLMServer, Fault, text, tool_call
from tests.sinks._otlp import Received, receiver
from tests.sinks._otlp import spans as spans_of

__all__ = ["receiver"]  # a fixture, used by name


def get_weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: the city.
    """
    return f"sunny in {city}"


@pytest.fixture
def openai_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> pytest.MonkeyPatch:  # the environment of an app on OpenAI, its log in tmp_path
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-root")
    monkeypatch.setenv("LLMGINE_MODEL", "openai:gpt-4o-mini")
    monkeypatch.setenv("LLMGINE_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("LLMGINE_SESSIONS_DIR", str(tmp_path / "sessions"))
    monkeypatch.setenv("LLMGINE_RETRY_INITIAL_WAIT", "0")
    monkeypatch.setenv("LLMGINE_STREAM", "false")
    monkeypatch.setenv("LLMGINE_CONSOLE", "false")
    monkeypatch.chdir(tmp_path)
    return monkeypatch


async def test_complete_retries_a_rate_limit_and_a_server_error_as_the_settings_say(
    openai_env: pytest.MonkeyPatch,
) -> None:
    openai_env.setenv("LLMGINE_RETRY_MAX_ATTEMPTS", "3")
    script = [Fault.rate_limit(retry_after=0.2), Fault.server_error(503), text("third time")]
    async with FakeLLMServer(script) as server:
        openai_env.setenv("OPENAI_BASE_URL", server.openai_base_url)
        result = await llmgine.complete("hi")
    assert result.final_response == "third time"
    first, second, third = server.requests
    assert second.time - first.time >= 0.2  # the server's Retry-After was waited out
    assert third.time >= second.time


async def test_complete_gives_up_when_the_retries_the_settings_allow_are_spent(
    openai_env: pytest.MonkeyPatch,
) -> None:
    openai_env.setenv("LLMGINE_RETRY_MAX_ATTEMPTS", "2")
    script = [Fault.server_error(500), Fault.server_error(502), text("never reached")]
    async with FakeLLMServer(script, strict=False) as server:
        openai_env.setenv("OPENAI_BASE_URL", server.openai_base_url)
        with pytest.raises(llmgine.llm.ServerError):
            await llmgine.complete("hi")
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault.bad_request(), InvalidRequestError),
        (Fault.unauthorized(), AuthenticationError),
        (Fault("unauthorized", status=403), AuthenticationError),
    ],
    ids=["400", "401", "403"],
)
async def test_complete_never_retries_a_request_the_server_refused(
    openai_env: pytest.MonkeyPatch, fault: Fault, error: type[Exception]
) -> None:
    openai_env.setenv("LLMGINE_RETRY_MAX_ATTEMPTS", "5")
    async with FakeLLMServer([fault, text("never")], strict=False) as server:
        openai_env.setenv("OPENAI_BASE_URL", server.openai_base_url)
        with pytest.raises(error):
            await llmgine.complete("hi")
    assert len(server.requests) == 1


async def test_complete_with_an_otlp_endpoint_exports_the_turn_as_one_trace(
    openai_env: pytest.MonkeyPatch, receiver: tuple[str, Received]
) -> None:
    endpoint, received = receiver
    openai_env.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
    script = [tool_call("get_weather", {"city": "Lima"}), text("It is sunny in Lima.")]
    async with FakeLLMServer(script) as server:
        openai_env.setenv("OPENAI_BASE_URL", server.openai_base_url)
        result = await llmgine.complete("Weather in Lima?", tools=[get_weather])
    assert result.tool_calls_made == 1
    spans = spans_of(received.traces)
    names = {span.name for span in spans}
    assert {"chat gpt-4o-mini", "execute_tool get_weather"} <= names
    assert len({span.trace_id for span in spans}) == 1  # one trace for the whole call


async def test_the_settings_reach_the_api_and_the_app_alike(
    openai_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    openai_env.setenv("LLMGINE_SYSTEM_PROMPT", "You answer in haiku.")
    openai_env.setenv("LLMGINE_MAX_TOOL_ITERATIONS", "0")
    script = [tool_call("get_weather", {"city": "Oslo"})] * 2
    async with FakeLLMServer(script) as server:
        openai_env.setenv("OPENAI_BASE_URL", server.openai_base_url)
        via_api = await llmgine.complete("Weather in Oslo?", tools=[get_weather])
        async with ApplicationBootstrap(tools=[get_weather], setup_logging=False) as app:
            via_app = await app.bus.execute(PromptCommand(prompt="Oslo?", session_id="s1"))
    assert via_api.tool_calls_made == 0  # no tool round allowed
    assert via_app.unwrap().finish_reason == "max_tool_rounds"
    for request in server.requests:
        assert request.body["messages"][0]["content"].startswith("You answer in haiku.")
        assert request.model == "gpt-4o-mini"
    logs = sorted((tmp_path / "logs").glob("*.jsonl"))
    assert len(logs) == 2  # one log per bus, both in the settings' folder
    for log in logs:
        assert any(type(m).__name__ == "PromptCommand" for m in read_log(log))


async def test_a_client_given_a_bus_uses_it_and_its_settings_providers(
    openai_env: pytest.MonkeyPatch,
) -> None:
    openai_env.setenv("LLMGINE_RETRY_MAX_ATTEMPTS", "2")
    async with FakeLLMServer([Fault.server_error(500), text("on the shared bus")]) as server:
        openai_env.setenv("OPENAI_BASE_URL", server.openai_base_url)
        async with MessageBus() as bus:
            async with llmgine.ChatClient(bus=bus) as client:
                result = await client.complete("hi")
    assert result.final_response == "on the shared bus"  # retried through the settings
    assert bus.log_path is None  # the bus given is the caller's, as they made it


class RootGreet(Command[str]):
    name: str


class Greeter:
    """An app's own component: no model, no chat."""

    def attach(self, target: BusLike) -> Registration:
        return target.register_command_handler(RootGreet, lambda c: f"hello {c.name}")


async def test_an_app_with_its_own_components_and_no_chat_engine(tmp_path: Path) -> None:
    app = ApplicationBootstrap(
        components=[Greeter()], chat=False, setup_logging=False,
        log_dir=tmp_path / "logs", sessions_dir=tmp_path / "sessions", console=False,
    )  # fmt: skip
    async with app:
        greeted = await app.bus.execute(RootGreet(name="Ada"))
        with pytest.raises(llmgine.bus.UsageError, match="no chat engine"):
            _ = app.engine
        turn = await app.bus.execute(PromptCommand(prompt="hi", session_id="s1"))
    assert greeted.unwrap() == "hello Ada"
    assert turn.failure is not None
    assert turn.failure.kind == "no_handler"
    [log] = (tmp_path / "logs").glob("*.jsonl")
    assert [type(m).__name__ for m in read_log(log)][:2] == ["RootGreet", "CommandResult"]


async def test_a_bare_bus_writes_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    async with MessageBus() as bus:
        await bus.execute(RootGreet(name="nobody"))
    assert bus.log_path is None
    assert files_in(tmp_path) == []


def files_in(folder: Path) -> list[Path]:
    return list(folder.iterdir())


def test_the_settings_reach_the_llmgine_command_too(
    openai_env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from llmgine.cli import main

    openai_env.setenv("LLMGINE_SYSTEM_PROMPT", "You answer in haiku.")
    with FakeLLMServer([text("Autumn moonlight")]) as server:
        openai_env.setenv("OPENAI_BASE_URL", server.openai_base_url)
        assert main(["complete", "a poem"]) == 0
    (request,) = server.requests
    assert request.model == "gpt-4o-mini"
    assert request.body["messages"][0]["content"].startswith("You answer in haiku.")
    assert capsys.readouterr().out == "Autumn moonlight\n"
    assert len(list((tmp_path / "logs").glob("*.jsonl"))) == 1


@pytest.mark.parametrize("where", ["LLMGINE_MODEL", "LLMGINE_DEFAULT_MODEL", "argument"])
async def test_a_bare_model_name_is_served_by_its_provider_everywhere(
    where: str, openai_env: pytest.MonkeyPatch
) -> None:
    openai_env.delenv("LLMGINE_MODEL")
    if where != "argument":
        openai_env.setenv(where, "gpt-4o")
    async with FakeLLMServer([text("hi"), text("hello")]) as server:
        openai_env.setenv("OPENAI_BASE_URL", server.openai_base_url)
        app = ApplicationBootstrap(model="gpt-4o" if where == "argument" else None)
        async with app:
            assert app.model == "openai:gpt-4o"
            result = await app.bus.execute(PromptCommand(prompt="Hi", session_id="s1"))
        assert result.success, result.error
        assert (await llmgine.complete("Hi", model="gpt-4o")).final_response == "hello"
    assert [request.model for request in server.requests] == ["gpt-4o", "gpt-4o"]
