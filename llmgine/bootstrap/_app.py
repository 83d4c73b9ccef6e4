"""ApplicationBootstrap: an app's lifecycle, from start to a graceful stop.

    app = ApplicationBootstrap(tools=[get_weather])   # settings from the environment
    async with app:                                   # a program calls app.run(main) instead
        result = await app.bus.execute(PromptCommand(prompt="Hi", session_id="s1"))

The parts come from the composition root (``_build``): the bus with its sinks, the tools,
the sessions and, unless ``chat=False``, the chat engine. Starting goes: the settings
(given, or ``load_settings(**overrides)``); Python logging (``configure_logging``); the
parts, built from the settings; the model (named, from the settings, or detected); then the
bus and the engine start, the app's own components attach to the bus, and the metrics
reporter starts publishing a ``MetricsReportedEvent`` every ``settings.metrics_interval``
seconds. A start that fails undoes what it did.

Stopping runs once, whoever asks (a signal, ``stop()``, leaving the ``async with``), in
this order: new turns are refused (a failed result that says the app is stopping); turns in
flight get ``settings.stop_timeout`` seconds to finish, then are cancelled (their history
stays as it was); pending session saves complete; shutdown callbacks run (newest first,
each isolated and time-limited); the metrics reporter publishes its last report; the engine
stops and closes its providers; the bus drains its events and flushes and closes its
sinks. ``stop()`` returns a ``ShutdownReport``.

``run(main)`` is a program's entry point: it starts the app, awaits ``main(app)``, and
on SIGINT or SIGTERM stops gracefully: turns finish (or are cancelled), then ``main`` is
cancelled, then the rest of the stop. A second signal cuts the wait for turns short. A
program that gives Ctrl-C a meaning of its own (the chat cancels a turn with it) passes
``stop_signals=(signal.SIGTERM,)``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

from llmgine.bootstrap._build import (
    SinkSet,
    Tools,
    build_bus,
    build_context,
    build_engine,
    build_sinks,
    build_tools,
)
from llmgine.bootstrap._bus_url import SessionReload
from llmgine.bootstrap._providers import choose_model
from llmgine.bootstrap._shutdown import ShutdownCallback, ShutdownCallbacks, ShutdownReport
from llmgine.bootstrap._turns import DrainReport, TurnGate
from llmgine.bus import Component, MessageBus, Registration, UsageError
from llmgine.config import Settings, load_settings
from llmgine.context import ContextManager, SessionStore, WindowStrategy
from llmgine.engine import ToolChatEngine
from llmgine.llm import LLMProvider, full_model_name
from llmgine.prompts import PromptTemplates
from llmgine.sinks import (
    ConsoleSink,
    LoggingSetup,
    Metrics,
    MetricsReporter,
    MetricsSink,
    Sink,
    setup_logging,
)
from llmgine.tools import ToolManager

logger = logging.getLogger("llmgine.bootstrap")

AppState = Literal["new", "starting", "running", "stopping", "closed"]
Main = Callable[["ApplicationBootstrap"], Awaitable[int | None]]

DEFAULT_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
MAIN_CANCEL_GRACE = 5.0
"""Seconds ``main`` gets to unwind once cancelled by a stop."""


@dataclass(frozen=True)
class _Components:
    bus: MessageBus
    store: SessionStore
    context: ContextManager
    tools: ToolManager
    engine: ToolChatEngine | None
    gate: TurnGate
    attached: Registration


class ApplicationBootstrap:
    """An llmgine app: settings, a bus with its sinks, its components, and (unless
    ``chat=False``) a chat engine with tools and sessions.

    Args:
        settings: the settings; by default ``load_settings(**overrides)`` (arguments, then
            ``LLMGINE_*`` variables and ``.env``, then the defaults).
        model: ``provider:model`` (or a bare ``gpt-4o``, ``claude-...``: see
            ``full_model_name``) or a provider object (the caller keeps ownership of it);
            by default ``settings.model``, else the best model available.
        tools: functions the model may call, or a ``ToolManager``.
        sinks: sinks added to those the settings ask for.
        window: what part of a session's history each request carries (default: all).
        templates: how the system prompt and its tool listing are written.
        setup_logging: set up Python logging from the settings (``configure_logging``);
            False leaves logging to the program.
        save_sessions: keep sessions in ``settings.sessions_dir`` (False: in memory only,
            for one-off turns; ``app.store`` still reads the folder).
        components: the app's own components (anything with ``attach(bus)``), attached to
            the bus once it runs and detached when the app stops.
        chat: build the chat engine (the default); False for an app whose components are
            all it runs (``app.engine`` then says there is none).
        front_end: with a bus across processes (``settings.bus_url``): build the chat
            engine but do not serve turns here; they run on the app's workers
            (``llmgine worker``). See docs/distributed.md.
        overrides: settings fields (``log_dir=...``) when ``settings`` is not given.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        model: str | LLMProvider | None = None,
        tools: Tools = None,
        sinks: Iterable[Sink] = (),
        window: WindowStrategy | None = None,
        templates: PromptTemplates | None = None,
        setup_logging: bool = True,
        save_sessions: bool = True,
        components: Iterable[Component] = (),
        chat: bool = True,
        front_end: bool = False,
        **overrides: Any,
    ) -> None:
        if settings is not None and overrides:
            raise TypeError(
                f"pass either settings or setting overrides ({', '.join(sorted(overrides))}), "
                "not both: build the Settings with those values instead"
            )
        self.settings = settings if settings is not None else load_settings(**overrides)
        self._model_choice = model
        self._tools_given = tools
        self._extra_sinks = tuple(sinks)
        self._window = window
        self._templates = templates
        self._setup_logging = setup_logging
        self._save_sessions = save_sessions
        self._components_given = tuple(components)
        self._chat = chat
        self._front_end = front_end
        if front_end and not self.settings.bus_url:
            raise UsageError(
                "a front end sends its turns to workers over a bus across processes: set "
                "LLMGINE_BUS_URL (or pass --bus nats://host:4222)"
            )
        self._callbacks = ShutdownCallbacks(self.settings.stop_timeout)
        self._state: AppState = "new"
        self._parts: _Components | None = None
        self._stop_requested = asyncio.Event()
        self._hurry = asyncio.Event()
        self._stop_reason: str | None = None
        self._draining: asyncio.Future[DrainReport] | None = None
        self._stopping: asyncio.Future[ShutdownReport] | None = None
        self._report: ShutdownReport | None = None
        self._logging: LoggingSetup | None = None
        self._metrics_sink: MetricsSink | None = None
        self._console: ConsoleSink | None = None
        self._reporter: MetricsReporter | None = None

    # -- the parts -------------------------------------------------------------------------

    @property
    def state(self) -> AppState:
        return self._state

    @property
    def stopping(self) -> bool:
        """Whether a stop was asked for or is under way (new turns are refused)."""
        return self._stop_requested.is_set() or self._state in ("stopping", "closed")

    @property
    def bus(self) -> MessageBus:
        return self._components().bus

    @property
    def engine(self) -> ToolChatEngine:
        engine = self._components().engine
        if engine is None:
            raise UsageError("this app runs no chat engine (it was made with chat=False)")
        return engine

    @property
    def context(self) -> ContextManager:
        return self._components().context

    @property
    def store(self) -> SessionStore:
        return self._components().store

    @property
    def tools(self) -> ToolManager:
        return self._components().tools

    @property
    def front_end(self) -> bool:
        """Whether the turns of this app run on other processes (its workers)."""
        return self._front_end

    @property
    def model(self) -> str:
        """The model turns use unless they name another, ``provider:model``."""
        return self.engine.model

    @property
    def metrics(self) -> Metrics | None:
        """What the app has counted so far (``metrics.snapshot()``), or None when the
        settings turn metrics off."""
        return self._metrics_sink.metrics if self._metrics_sink is not None else None

    @property
    def console_view(self) -> ConsoleSink | None:
        """The console view, when the settings ask for one and stderr is a terminal. A
        program drawing on the same terminal wraps its drawing in ``console_view.held()``."""
        return self._console

    @property
    def report(self) -> ShutdownReport | None:
        """How the app stopped, once it has."""
        return self._report

    def _components(self) -> _Components:
        if self._parts is None:
            raise UsageError(
                "the application has not started: use `async with app:`, `await app.start()` "
                "or `app.run(main)` first"
            )
        return self._parts

    # -- the steps of a start that a subclass may change -------------------------------------

    def configure_logging(self) -> None:
        """Set up Python logging from the settings (undone by ``stop``).

        The one place logging is configured: ``llmgine`` records go to stderr at
        ``settings.log_level`` and, with ``settings.log_file``, to a rotating file in
        ``settings.log_dir``, each with its session and command ids and secrets masked
        (see ``llmgine.observability.setup_logging``).
        """
        self._logging = setup_logging(self.settings)

    def reset_logging(self) -> None:
        """Undo ``configure_logging`` (called by ``stop``, and by a start that failed)."""
        setup, self._logging = self._logging, None
        if setup is not None:
            setup.undo()

    def build_sinks(self) -> SinkSet:
        """The sinks the settings ask for, besides the JSONL log (see
        ``llmgine.bootstrap.build_sinks``); the extra ``sinks`` given to the app come after
        these. A subclass may return others."""
        return build_sinks(self.settings)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> ApplicationBootstrap:
        """Build everything and start it; starting a running app does nothing."""
        if self._state == "running":
            return self
        if self._state != "new":
            raise UsageError(f"the application is {self._state}; a stopped one cannot restart")
        self._state = "starting"
        settings = self.settings
        if self._setup_logging:
            self.configure_logging()
        try:
            self._parts = await self._start_components(settings)
        except BaseException:
            self.reset_logging()
            self._state = "closed"
            raise
        self._state = "running"
        logger.info(
            "started on %s (sessions in %r, log %r)",
            self.model if self._chat else "no chat engine",
            str(settings.sessions_dir),
            str(self.bus.log_path) if self.bus.log_path else None,
        )
        return self

    async def _start_components(self, settings: Settings) -> _Components:
        if self._save_sessions:
            SessionStore(settings.sessions_dir).check()
        made = self.build_sinks()
        self._metrics_sink, self._console = made.metrics, made.console
        bus = build_bus(settings, [*made.sinks, *self._extra_sinks])
        store, context = build_context(
            settings, window=self._window, save_sessions=self._save_sessions
        )
        tools = build_tools(settings, self._tools_given)
        # The model and its provider are checked before the bus starts, so a start that
        # cannot work (an unknown model, a missing key) leaves no log behind.
        engine = await self._build_engine(bus, settings, tools, context) if self._chat else None
        try:
            await bus.start()  # a sink that cannot start leaves no log either (JsonlSink)
        except BaseException:
            if engine is not None:
                await engine.stop()
            raise
        try:
            if engine is not None and not self._front_end:
                await engine.start()
                if settings.bus_url:  # its turns may come after turns run on other workers
                    bus.add_command_middleware(SessionReload(context))
            attached = Registration.group(
                "the app's components", [c.attach(bus) for c in self._components_given]
            )
            await bus.transport.ready()  # over NATS: fetching what it serves from the server
            gate = TurnGate(bus)
            bus.add_command_middleware(gate)
            self._reporter = MetricsReporter.from_settings(
                settings, self._metrics_sink, bus.publish
            )
            if self._reporter is not None:
                await self._reporter.start()
        except BaseException:
            if engine is not None:
                await engine.stop()
            await bus.stop()
            raise
        return _Components(bus, store, context, tools, engine, gate, attached)

    async def _build_engine(
        self, bus: MessageBus, settings: Settings, tools: ToolManager, context: ContextManager
    ) -> ToolChatEngine:
        """The chat engine, not started, with its model's provider already made: a missing
        key or an unknown provider fails here, before anything has started."""
        model = self._model_choice or await choose_model(settings)
        if isinstance(model, str):
            model = full_model_name(model)
        engine = build_engine(
            bus, settings, model=model, tools=tools, context=context, templates=self._templates
        )
        try:
            engine.provider(engine.model)
        except BaseException:
            await engine.stop()
            raise
        return engine

    def request_stop(self, reason: str = "a stop was requested") -> None:
        """Ask for a graceful stop (what a signal does); asking again hurries it: the turns
        in flight are cancelled at once instead of being waited for."""
        if self._stop_requested.is_set():
            self._hurry.set()
            return
        self._stop_reason = reason
        self._stop_requested.set()
        if self._parts is not None:
            self._parts.gate.close(self._refusal(reason))

    async def wait_for_stop_request(self) -> str:
        """Wait until a stop is asked for (a signal, ``request_stop``); the reason."""
        await self._stop_requested.wait()
        return self._stop_reason or ""

    async def stop(self) -> ShutdownReport:
        """Stop gracefully (see the module docstring); idempotent, returns the report."""
        if self._report is not None:
            return self._report
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop())
        return await asyncio.shield(self._stopping)

    async def __aenter__(self) -> ApplicationBootstrap:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def on_shutdown(
        self, callback: ShutdownCallback, *, name: str | None = None, timeout: float | None = None
    ) -> ShutdownCallback:
        """Run ``callback`` (no arguments, plain or async) when the app stops, after the
        turns and before the bus closes; ``timeout`` defaults to ``settings.stop_timeout``.
        Returns ``callback``, so it works as a decorator."""
        self._callbacks.add(callback, name, timeout)
        return callback

    def remove_shutdown_callback(self, callback: ShutdownCallback) -> bool:
        return self._callbacks.remove(callback)

    # -- stopping ------------------------------------------------------------------------

    @staticmethod
    def _refusal(reason: str) -> str:
        return f"the application is stopping ({reason}); no new turns are accepted"

    async def _drain(self) -> DrainReport:
        """Refuse new turns and let those in flight finish or cancel them (once)."""
        if self._draining is None:
            parts = self._components()
            self._state = "stopping"
            parts.gate.close(self._refusal(self._stop_reason or "stop() was called"))
            self._draining = asyncio.ensure_future(
                parts.gate.drain(self.settings.stop_timeout, self._hurry)
            )
        return await asyncio.shield(self._draining)

    async def _stop(self) -> ShutdownReport:
        if self._parts is None:
            self._state = "closed"
            self._report = ShutdownReport(reason="never started")
            return self._report
        parts = self._parts
        drained = await self._drain()
        await parts.context.flush()
        callback_errors = await self._callbacks.run()
        if self._reporter is not None:
            try:
                await self._reporter.stop()
            except Exception:
                logger.exception("publishing the last metrics report failed")
        parts.attached.unregister()
        try:
            if parts.engine is not None:
                await parts.engine.stop()
        except Exception:
            logger.exception("stopping the engine failed")
        bus_report = await parts.bus.stop()
        report = ShutdownReport(
            reason=self._stop_reason or "stop() was called",
            turns_finished=drained.finished,
            turns_cancelled=drained.cancelled,
            turns_left=drained.left,
            callback_errors=callback_errors,
            bus=bus_report,
        )
        log = logger.info if report.clean else logger.warning
        log("stopped: %s", report)
        self.reset_logging()
        self._state = "closed"
        self._report = report
        return report

    # -- running a program -----------------------------------------------------------------

    def run(
        self, main: Main, *, stop_signals: Iterable[signal.Signals] = DEFAULT_STOP_SIGNALS
    ) -> int:
        """Run ``main(app)`` in a new event loop with the app started around it; the exit
        status: ``main``'s return value (``None`` is 0), or after a stop by signal 0 when
        nothing was lost and 1 otherwise. Exceptions of ``main`` propagate after the stop."""
        return asyncio.run(self.serve(main, stop_signals=stop_signals))

    async def serve(
        self, main: Main, *, stop_signals: Iterable[signal.Signals] = DEFAULT_STOP_SIGNALS
    ) -> int:
        """``run`` on the running event loop."""
        async with self:
            loop = asyncio.get_running_loop()
            installed = self._install_signal_handlers(loop, stop_signals)
            try:
                status = await self._run_main(main)
            finally:
                for sig in installed:
                    loop.remove_signal_handler(sig)
        if status is None:  # stopped from outside: judged by what the stop lost
            return 0 if self._report is not None and self._report.clean else 1
        return status

    async def _run_main(self, main: Main) -> int | None:
        task = asyncio.ensure_future(main(self))
        stop = asyncio.ensure_future(self._stop_requested.wait())
        try:
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not task.done() and not self._stop_requested.is_set():
                task.cancel()  # we ourselves are being cancelled
        if task.done():
            return int(task.result() or 0)
        await self._drain()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=MAIN_CANCEL_GRACE)
        if not done:
            logger.error("main did not finish within %g s of being cancelled", MAIN_CANCEL_GRACE)
        elif not task.cancelled() and task.exception() is not None:
            logger.error("main failed while stopping", exc_info=task.exception())
        return None

    def _install_signal_handlers(
        self, loop: asyncio.AbstractEventLoop, signals: Iterable[signal.Signals]
    ) -> list[signal.Signals]:
        installed: list[signal.Signals] = []
        for sig in signals:
            try:
                loop.add_signal_handler(sig, self._on_signal, sig)
            except (NotImplementedError, RuntimeError, ValueError) as exc:
                # Not the main thread, or a platform without loop signal handlers.
                logger.debug("cannot handle %s here (%s); stop the app with stop()", sig, exc)
                continue
            installed.append(sig)
        return installed

    def _on_signal(self, sig: signal.Signals) -> None:
        if self._stop_requested.is_set():
            logger.warning("%s again: cancelling the turns in flight now", sig.name)
        else:
            turns = self._parts.gate.in_flight if self._parts is not None else 0
            logger.warning(
                "%s: stopping; %d turn(s) in flight get up to %g s to finish "
                "(send it again to cancel them now)",
                sig.name,
                turns,
                self.settings.stop_timeout,
            )
        self.request_stop(sig.name)
