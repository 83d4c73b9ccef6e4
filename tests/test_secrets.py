"""Secrets never leak: a canary API key sent through every path is found nowhere.

Two canaries: one shaped like an OpenAI key (``sk-...``), which the key-shaped masking would
catch anyway, and one that looks like nothing in particular, which only masking by value
catches. Each enters the app as a key in the settings, and the fake server quotes it back
in its error replies, as real APIs do ("Incorrect API key provided: ..."). Then every place
a run leaves text is searched: the settings dump, the JSONL log, OpenTelemetry spans (with
message content captured, the most revealing setting), Python logs (console and file), the
console view, session files, the metrics report, and the exceptions raised to the caller,
tracebacks and causes included.
"""

from __future__ import annotations

import io
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from rich.console import Console

import llmgine
from llmgine.bootstrap import ApplicationBootstrap
from llmgine.config import load_settings
from llmgine.engine import PromptCommand
from llmgine.llm import LLMError, LLMRequest, UserMessage, resolve_model
from llmgine.sinks import ConsoleSink, OtelSink
from llmgine.testing import FakeLLMServer, Fault, text, tool_call

OPENAI_CANARY = "sk-canary-7f3a9c1e5b2d4f60"
PLAIN_CANARY = "canary-token-QX7W2M9KP4"  # not key-shaped: only masking by value hides it
CANARIES = (OPENAI_CANARY, PLAIN_CANARY)


def get_weather(location: str) -> str:
    """The weather in a place.

    Args:
        location: the city.
    """
    return f"{location}: 21 degrees"


def assert_clean(where: str, content: str | bytes) -> None:
    data = content.encode() if isinstance(content, str) else content
    for canary in CANARIES:
        assert canary.encode() not in data, f"{canary!r} leaked into {where}"


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file the run left in ``folder`` (logs, sessions, history), by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def span_texts(spans: tuple[ReadableSpan, ...]) -> Iterator[tuple[str, str]]:
    for span in spans:
        yield f"span {span.name!r} name", span.name
        yield f"span {span.name!r} status", str(span.status.description)
        for key, value in (span.attributes or {}).items():
            yield f"span {span.name!r} attribute {key}", str(value)
        for event in span.events:
            for key, value in (event.attributes or {}).items():
                yield f"span {span.name!r} event {event.name} {key}", str(value)


def exception_texts(exc: BaseException) -> Iterator[tuple[str, str]]:
    yield "the exception's traceback", "".join(traceback.format_exception(exc))
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:  # the whole chain of causes
        seen.add(id(current))
        name = type(current).__name__
        yield f"{name} str", str(current)
        yield f"{name} repr", repr(current)
        yield f"{name} args", repr(current.args)
        yield f"{name} attributes", repr(vars(current))
        current = current.__cause__ or current.__context__


async def test_a_canary_key_reaches_no_log_span_file_or_exception(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    view = io.StringIO()
    script = [
        tool_call("get_weather", {"location": "Paris"}, usage=(40, 8)),
        text("It is 21 degrees in Paris.", usage=(60, 9)),
        Fault.bad_request(f"Incorrect API key provided: {OPENAI_CANARY}."),
        Fault.bad_request(f"invalid x-api-key: {PLAIN_CANARY}"),
        Fault.bad_request(f"Incorrect API key provided: {OPENAI_CANARY}."),
    ]
    async with FakeLLMServer(script) as server:
        settings = load_settings(
            sessions_dir=tmp_path / "sessions",
            log_dir=tmp_path / "logs",
            log_level="DEBUG",
            log_file_level="DEBUG",
            openai_api_key=OPENAI_CANARY,
            anthropic_api_key=PLAIN_CANARY,
            openai_base_url=server.openai_base_url,
            anthropic_base_url=server.anthropic_base_url,
            retry_max_attempts=1,
        )
        for where, value in (
            ("repr(settings)", repr(settings)),
            ("str(settings)", str(settings)),
            ("settings.describe()", str(settings.describe())),
            ("settings as JSON", settings.model_dump_json()),
        ):
            assert_clean(where, value)

        console = ConsoleSink(Console(file=view, force_terminal=True, width=200))
        otel = OtelSink(provider, capture_content=True)
        app = ApplicationBootstrap(
            settings, model="openai:gpt-4o-mini", tools=[get_weather], sinks=[console, otel]
        )
        async with app:
            answered = await app.bus.execute(PromptCommand(prompt="Weather?", session_id="s1"))
            refused = await app.bus.execute(PromptCommand(prompt="Hello", session_id="s2"))
            other = await app.bus.execute(
                PromptCommand(prompt="Hi", session_id="s3", model="anthropic:claude-haiku-4-5")
            )
            log_path = app.bus.log_path
        # The one-call API raises the model's error to the caller.
        with pytest.raises(LLMError) as raised:
            await llmgine.complete(
                "Hello again",
                model="openai:gpt-4o-mini",
                log_dir=tmp_path / "logs",
                provider_options={"api_key": OPENAI_CANARY, "base_url": server.openai_base_url},
            )
        provider.shutdown()

    # The run really went through every path: an answer, provider errors, spans, files.
    assert answered.success, answered.error
    assert not refused.success
    assert not other.success
    assert "Incorrect API key provided" in (refused.error or "")
    assert "invalid x-api-key" in (other.error or "")
    spans = exporter.get_finished_spans()
    assert {"chat gpt-4o-mini", "execute_tool get_weather"} <= {s.name for s in spans}
    assert log_path is not None
    assert log_path.exists()
    assert (tmp_path / "logs" / "llmgine.log").exists()
    assert (tmp_path / "sessions" / "s1.json").exists()
    assert "PromptCommand" in view.getvalue()

    for where, value in (
        ("the failed results", f"{refused!r} {other!r}"),
        *span_texts(spans),
        *exception_texts(raised.value),
        ("the console view", view.getvalue()),
        ("stdout and stderr", str(capsys.readouterr())),
    ):
        assert_clean(where, value)
    files = files_under(tmp_path)
    assert len(files) >= 4
    for name, content in files.items():
        assert_clean(name, content)


@pytest.mark.parametrize(
    ("model", "base_url"),
    [
        ("openai:gpt-4o-mini", "openai_base_url"),
        ("anthropic:claude-haiku-4-5", "anthropic_base_url"),
    ],
)
@pytest.mark.parametrize("canary", CANARIES)
async def test_a_provider_error_quoting_the_key_carries_it_nowhere(
    model: str, base_url: str, canary: str
) -> None:
    # The SDK's own exception stays attached as the cause, for debugging: it is scrubbed too.
    async with FakeLLMServer([Fault.bad_request(f"Incorrect API key provided: {canary}.")]) as s:
        provider = resolve_model(model, api_key=canary, base_url=getattr(s, base_url))
        try:
            with pytest.raises(LLMError) as raised:
                await provider.complete(LLMRequest(messages=[UserMessage(content="Hi")]))
        finally:
            await provider.aclose()
    assert raised.value.__cause__ is not None
    assert "Incorrect API key provided: ***." in str(raised.value)
    for where, value in exception_texts(raised.value):
        assert_clean(where, value)
