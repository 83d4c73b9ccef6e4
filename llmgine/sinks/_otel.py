"""The OpenTelemetry sink: every command as a span, GenAI attributes and metrics, OTLP export.

Span names and attributes follow the OpenTelemetry GenAI conventions (``_genai``): a
``CallLLMCommand`` is ``chat {model}``, an ``ExecuteToolCommand`` is ``execute_tool
{tool}``, a ``PromptCommand`` (one chat turn) is ``invoke_agent {agent}``, any other
command a span named after its type; parents follow ``parent_id`` (see ``_otel_spans``).

``emit`` runs on the bus's hot path and never raises. What to do with a message is decided
once per message class, so a message the sink has no use for costs one dict lookup; an
event that fills in no span costs one more (its id is remembered, bounded, for commands its
handlers may execute). Exporting happens on the OpenTelemetry SDK's own background thread
(``BatchSpanProcessor``), and ``flush``/``close`` wait for it in a worker thread, never on
the event loop. OpenTelemetry itself is imported when a sink is built,
not when ``llmgine.observability`` is.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Final

from llmgine.messages import Message
from llmgine.sinks._mlflow import EXPERIMENT_HEADER, TracingSetupError
from llmgine.sinks._sink import Sink
from llmgine.version import __version__

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from llmgine.config import Settings
    from llmgine.sinks._otel_guard import Reachability
    from llmgine.sinks._otel_spans import Handler, MessageTracer

logger = logging.getLogger("llmgine.sinks.otel")

SCOPE: Final = "llmgine"
"""The instrumentation scope of llmgine's spans and metrics."""
_UNSEEN: Any = object()


class OtelSink(Sink):
    """Records every message that crosses the bus as OpenTelemetry spans and metrics.

    Args:
        tracer_provider: where spans go (default: the globally configured provider).
        meter_provider: where the ``gen_ai.client.*`` histograms go (default: global).
        capture_content: put prompts, replies, tool arguments and results on spans;
            ``None`` reads ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``.
        agent_name: the agent name of ``invoke_agent`` spans whose command names none
            (a ``PromptCommand``'s metadata ``"agent_name"`` wins).
        max_open_spans: spans of commands still running kept at most; past that the
            oldest is ended as ``unfinished`` (so a command that never finishes cannot
            hold memory forever).
        flush_timeout: how long ``flush`` and ``close`` let providers export, in seconds.

    ``OtelSink.from_settings(settings)`` builds one from the settings (exporters
    included), or returns None when tracing is off. ``close`` shuts down only the
    providers the sink built itself.
    """

    def __init__(
        self,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        *,
        capture_content: bool | None = None,
        agent_name: str = "llmgine",
        max_open_spans: int = 10_000,
        flush_timeout: float = 30.0,
    ) -> None:
        from opentelemetry import metrics, trace

        from llmgine.sinks._otel_content import capture_from_env
        from llmgine.sinks._otel_spans import MessageTracer

        if max_open_spans < 1 or flush_timeout <= 0:
            raise ValueError("max_open_spans and flush_timeout must be positive")
        self.tracer_provider = tracer_provider or trace.get_tracer_provider()
        self.meter_provider = meter_provider or metrics.get_meter_provider()
        self.capture_content = capture_from_env() if capture_content is None else capture_content
        self._flush_millis = int(flush_timeout * 1000)
        self._tracer: MessageTracer = MessageTracer(
            self.tracer_provider.get_tracer(SCOPE, __version__),
            self.meter_provider.get_meter(SCOPE, __version__),
            capture_content=self.capture_content,
            agent_name=agent_name,
            max_open=max_open_spans,
        )
        self._dispatch: dict[type, Handler | None] = {}
        self._owned: list[Any] = []
        self._endpoints: list[Reachability] = []
        self._mlflow: tuple[str, str, float] | None = None
        self._closed = False
        self._finished = False
        self._failed_types: set[str] = set()
        self.errors = 0
        """Messages the sink failed to turn into spans (each type is logged once)."""

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> OtelSink | None:
        """The sink the settings ask for, or None when tracing is off.

        With ``otel_exporter_endpoint`` (or ``OTEL_EXPORTER_OTLP_ENDPOINT``) set, spans
        and metrics are exported there over OTLP/HTTP; with ``mlflow_tracking_uri`` set,
        spans also go to that MLflow server, into ``mlflow_experiment_name`` (looked up or
        created when the sink starts); with neither, but ``tracing=True``, they go to the
        globally configured providers. ``options`` go to the constructor.
        """
        if not settings.tracing_enabled:
            return None
        endpoint = settings.otel_exporter_endpoint
        uri = settings.mlflow_tracking_uri
        if not endpoint and not uri:
            return cls(**options)
        from llmgine.sinks import _otel_setup as setup

        meter_provider = None
        endpoints: list[Reachability] = []
        if endpoint:
            tracer_provider, meter_provider, endpoints = setup.otlp_providers(
                settings.otel_service_name, endpoint
            )
        else:
            tracer_provider = setup.new_tracer_provider(settings.otel_service_name)
        sink = cls(tracer_provider, meter_provider, **options)
        sink._owned = [p for p in (tracer_provider, meter_provider) if p is not None]
        sink._endpoints = endpoints
        if uri:
            sink._mlflow = (uri, settings.mlflow_experiment_name, 10.0)
        return sink

    # -- the Sink interface --------------------------------------------------------------

    async def start(self) -> None:
        # Checked now, so that an endpoint nobody listens on is one warning at start-up.
        for endpoint in self._endpoints:
            await asyncio.to_thread(endpoint.check)
        if self._mlflow is None:
            return
        from llmgine.sinks import _mlflow, _otel_setup

        uri, name, timeout = self._mlflow
        try:
            experiment = await asyncio.to_thread(_mlflow.experiment_id, uri, name, timeout=timeout)
        except TracingSetupError:
            await self._shut_down_owned()
            raise
        _otel_setup.export_spans(
            self.tracer_provider,  # type: ignore[arg-type]  # built by from_settings: SDK
            _mlflow.traces_endpoint(uri),
            {EXPERIMENT_HEADER: experiment},
            advice=f"start the MLflow server at {uri}, or unset LLMGINE_MLFLOW_TRACKING_URI",
        )
        self._mlflow = None

    def emit(self, message: Message) -> None:
        cls = type(message)
        handler = self._dispatch.get(cls, _UNSEEN)
        if handler is None:
            return
        if handler is _UNSEEN:
            handler = self._dispatch[cls] = None if self._closed else self._tracer.handler_for(cls)
            if handler is None:
                return
        try:
            handler(message)
        except Exception:
            self._failed(message)

    async def flush(self) -> None:
        if not self._finished:
            await asyncio.to_thread(self._force_flush)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._dispatch = {}
        ended = self._tracer.end_all()
        if ended:
            logger.warning(
                "%d spans ended unfinished: their commands were still running, or their "
                "end was never published",
                ended,
            )
        await self.flush()
        await self._shut_down_owned()
        self._finished = True  # flushing a provider shut down would only log complaints

    @property
    def open_spans(self) -> int:
        """Spans of commands that have not finished yet."""
        return self._tracer.open_spans

    # -- internals -------------------------------------------------------------------------

    def _failed(self, message: object) -> None:
        self.errors += 1
        name = type(message).__name__
        if name not in self._failed_types:
            self._failed_types.add(name)
            logger.warning("could not trace a %s (logged once per type)", name, exc_info=True)

    def _force_flush(self) -> None:
        for provider in (self.tracer_provider, self.meter_provider):
            force_flush = getattr(provider, "force_flush", None)
            if force_flush is None:
                continue
            try:
                force_flush(self._flush_millis)
            except Exception:
                logger.exception("flushing %r failed", provider)

    async def _shut_down_owned(self) -> None:
        owned, self._owned = self._owned, []
        for provider in owned:
            try:
                await asyncio.to_thread(provider.shutdown)
            except Exception:
                logger.exception("shutting down %r failed", provider)
