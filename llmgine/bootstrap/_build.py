"""The one composition root: an app's parts, built from its settings.

Every entry point assembles llmgine through these functions and nothing else:
``ApplicationBootstrap`` (the programs, the ``llmgine`` command), ``ChatClient`` and the
one-call functions. So what the settings say holds everywhere alike: the model, the system
prompt, the tool-round limit, the timeouts, the retries and rate limits around every
provider, the log folder, and the sinks (the JSONL log, OpenTelemetry and MLflow, metrics,
the console view).

    build_sinks(settings)        the sinks the settings ask for, besides the JSONL log
    build_bus(settings, sinks)   a bus writing its JSONL log where the settings say (over
                                 NATS when they name a bus URL)
    build_tools(settings, tools) a ToolManager with the settings' tool timeout
    build_context(settings)      the sessions: a ContextManager over a SessionStore
    build_engine(target, ...)    a ToolChatEngine whose providers carry the settings'
                                 retries, rate limit and timeouts
    build_workflows(target, ...) a WorkflowRuntime over an engine of its own, built as
                                 build_engine builds the chat's

The functions only build; starting, attaching and stopping are the callers' (see
``_app.py`` and ``llmgine.api``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from llmgine.bootstrap._bus_url import transport_for
from llmgine.bootstrap._providers import SettingsProviders, settings_model
from llmgine.bus import BusSession, MessageBus
from llmgine.config import Settings
from llmgine.context import ContextManager, SessionStore, WindowStrategy
from llmgine.engine import ToolChatEngine
from llmgine.llm import LLMProvider
from llmgine.prompts import PromptTemplates
from llmgine.sinks import ConsoleSink, MetricsSink, ModelPrice, OtelSink, Sink
from llmgine.tools import ToolManager
from llmgine.workflows import WorkflowRuntime

Tools = ToolManager | Iterable[Callable[..., Any]] | None


@dataclass(frozen=True)
class SinkSet:
    """The sinks made from the settings; ``metrics`` and ``console`` when there are some."""

    sinks: tuple[Sink, ...]
    metrics: MetricsSink | None = None
    console: ConsoleSink | None = None


def build_sinks(settings: Settings, *, console: bool = True) -> SinkSet:
    """The sinks ``settings`` ask for, besides the JSONL log (which ``build_bus`` adds):
    metrics (``settings.metrics``), the console view (``settings.console``, when stderr is
    a terminal, and ``console`` is not False) sharing the metrics, and OpenTelemetry spans
    and metrics (``settings.tracing``, an OTLP endpoint, or an MLflow tracking URI)."""
    metrics = MetricsSink.from_settings(settings)
    view = (
        ConsoleSink.from_settings(settings, metrics=metrics.metrics if metrics else None)
        if console
        else None
    )
    otel = OtelSink.from_settings(settings)
    made = tuple(sink for sink in (metrics, view, otel) if sink is not None)
    return SinkSet(made, metrics, view)


def build_bus(settings: Settings, sinks: Iterable[Sink] = ()) -> MessageBus:
    """A bus recording into ``sinks``, and into a JSONL log in ``settings.log_dir`` when
    ``settings.jsonl_log`` (the default for apps; a bare ``MessageBus()`` writes no log);
    over NATS JetStream when ``settings.bus_url`` names a server (docs/distributed.md)."""
    return MessageBus(
        log_dir=settings.log_dir if settings.jsonl_log else None,
        sinks=list(sinks),
        stop_timeout=settings.stop_timeout,
        transport=transport_for(settings),
    )


def build_tools(settings: Settings, tools: Tools = None) -> ToolManager:
    """``tools`` as a ``ToolManager`` (a given one is used as it is), each tool call
    limited to ``settings.tool_timeout`` seconds unless the tool says otherwise."""
    if isinstance(tools, ToolManager):
        return tools
    return ToolManager(tools or (), default_timeout=settings.tool_timeout)


def build_context(
    settings: Settings,
    *,
    window: WindowStrategy | None = None,
    save_sessions: bool = True,
    system_prompt: str | None = None,
) -> tuple[SessionStore, ContextManager]:
    """The session store in ``settings.sessions_dir`` and a context manager over it (over
    nothing, when ``save_sessions`` is False: the histories then live in memory only)."""
    store = SessionStore(settings.sessions_dir)
    context = ContextManager(
        window=window,
        system_prompt=system_prompt if system_prompt is not None else settings.system_prompt,
        store=store if save_sessions else None,
    )
    return store, context


def build_engine(
    target: MessageBus | BusSession,
    settings: Settings,
    *,
    model: str | LLMProvider | None,
    tools: ToolManager,
    context: ContextManager,
    templates: PromptTemplates | None = None,
    max_tool_rounds: int | None = None,
    providers: SettingsProviders | None = None,
) -> ToolChatEngine:
    """A chat engine on ``target`` that builds every provider from the settings (key, base
    URL, timeout) behind their rate limit and retries. ``model`` None: the engine detects
    one when it starts (a local Ollama, else the offline stand-in)."""
    return ToolChatEngine(
        target,
        model=model,
        tools=tools,
        context=context,
        templates=templates,
        max_tool_rounds=(
            settings.max_tool_iterations if max_tool_rounds is None else max_tool_rounds
        ),
        stream=settings.stream,
        provider_factory=providers or SettingsProviders(settings),
    )


def build_workflows(
    target: MessageBus | BusSession,
    settings: Settings,
    *,
    model: str | LLMProvider | None = None,
    tools: Tools = None,
    providers: SettingsProviders | None = None,
    max_concurrency: int = 8,
    prices: Mapping[str, ModelPrice] | None = None,
) -> WorkflowRuntime:
    """A workflow runtime on ``target`` over a chat engine of its own, built as
    ``build_engine`` builds the chat's: every model an agent names comes from the settings
    (key, base URL, timeout, rate limit, retries), tool calls have the settings' timeout,
    agent calls keep their histories in memory (they are not sessions to save), and the
    runtime starts and stops the engine with itself.

    ``model`` is the agents' default (None: the settings' model, else one detected when
    the runtime starts); ``tools`` join the engine's tool manager (agents offer only
    their own); ``max_concurrency`` and ``prices`` are the runtime's (see
    ``WorkflowRuntime``). An app that wants its workflows on its chat's engine makes
    ``WorkflowRuntime(app.engine)`` instead.
    """
    engine = build_engine(
        target,
        settings,
        model=model if model is not None else settings_model(settings),
        tools=build_tools(settings, tools),
        context=ContextManager(),
        providers=providers,
    )
    return WorkflowRuntime(engine, max_concurrency=max_concurrency, prices=prices)
