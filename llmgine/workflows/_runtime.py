"""The workflow runtime: the bus component that runs workflows, and what they call with.

``WorkflowRuntime(engine)`` takes the chat engine its agents' calls go to. The engine is
built by the composition root (``llmgine.bootstrap.build_engine``), so every model the
agents name is made by ``SettingsProviders``: the settings' keys, timeouts, retries and
rate limit apply to workflows exactly as to the chat. The runtime starts that engine if it
is not running yet (and then stops it too), or shares one that runs already, an app's.

Attached to the bus, it handles ``RunWorkflowCommand`` and ``CancelWorkflowCommand`` and
adds the gate (``_gate``) to the bus's command middleware. Workflows are registered under a
key (their name, made unique) the first time they run; the registry holds them weakly, so
a workflow built for one request is gone with it. Their agents' tools join the engine's
tool manager, where two different functions may not share a name.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping
from types import TracebackType

from pydantic import BaseModel

from llmgine.bus import BusLike, BusSession, MessageBus, Registration, UsageError
from llmgine.engine import ToolChatEngine
from llmgine.sinks import Metrics, ModelPrice
from llmgine.workflows._executors import Executor
from llmgine.workflows._gate import Gate
from llmgine.workflows._limits import AnyLimit, Limits
from llmgine.workflows._messages import CancelWorkflowCommand, RunWorkflowCommand
from llmgine.workflows._pipeline import Pipeline
from llmgine.workflows._results import WorkflowResult
from llmgine.workflows._run import Run
from llmgine.workflows._state import RunState, Stop
from llmgine.workflows._steps import Services
from llmgine.workflows._workflow import Workflow, WorkflowConfigError

AnyWorkflow = Workflow[BaseModel]


class WorkflowRuntime:
    """Runs workflows on the engine's bus.

    Args:
        engine: the chat engine that serves the agents' calls (built with
            ``build_engine``; see the module docstring).
        max_concurrency: agent and tool calls in flight at once, over every run.
        prices: model prices (US dollars per million tokens) to add to the default table,
            for cost figures and ``MaxCost`` budgets.
        digest_above: inputs and outputs longer than this many characters travel in
            events as their head and a SHA-256 (results hold them whole).
    """

    def __init__(
        self,
        engine: ToolChatEngine,
        *,
        max_concurrency: int = 8,
        prices: Mapping[str, ModelPrice] | None = None,
        digest_above: int = 2000,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be 1 or more, got {max_concurrency}")
        if digest_above < 1:
            raise ValueError(f"digest_above must be 1 or more, got {digest_above}")
        self.engine = engine
        self.bus: MessageBus = engine.bus
        self._gate = Gate(Metrics(prices=prices).price)
        self._workflows: weakref.WeakValueDictionary[str, AnyWorkflow] = (
            weakref.WeakValueDictionary()
        )
        self._keys: weakref.WeakKeyDictionary[AnyWorkflow, str] = weakref.WeakKeyDictionary()
        self._runs: dict[str, RunState] = {}
        self._services = Services(
            bus=self.bus,
            engine=engine,
            gate=self._gate,
            slots=asyncio.Semaphore(max_concurrency),
            memory_locks={},
            key_of=self.register,
            digest_above=digest_above,
        )
        self._registration: Registration | None = None
        self._owns_engine = False

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> WorkflowRuntime:
        """Start the engine if it is not running, then attach to the bus."""
        if self._registration is not None:
            return self
        if not self.engine.running:
            await self.engine.start()
            self._owns_engine = True
        try:
            self._registration = self.attach(self.bus)
        except BaseException:
            await self._stop_engine()
            raise
        return self

    async def stop(self) -> None:
        """Detach, and stop the engine if ``start`` started it."""
        if self._registration is not None:
            self._registration.unregister()
            self._registration = None
        await self._stop_engine()

    async def _stop_engine(self) -> None:
        if self._owns_engine:
            self._owns_engine = False
            await self.engine.stop()

    async def __aenter__(self) -> WorkflowRuntime:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def attach(self, target: BusLike) -> Registration:
        """Handle the workflow commands on ``target`` (the engine's bus or a session of
        it) and put the gate in the bus's command middleware. The engine must be serving
        the bus already; ``start()`` sees to that."""
        bus = target.bus if isinstance(target, BusSession) else target
        if bus is not self.bus:
            raise UsageError(
                "a workflow runtime works on the bus of its chat engine; attach it there, "
                "or build an engine for the other bus"
            )
        registrations = [
            target.register_command_handler(RunWorkflowCommand, self._handle_run),
            target.register_command_handler(CancelWorkflowCommand, self._handle_cancel),
        ]
        registrations.append(self.bus.add_command_middleware(self._gate))
        return Registration.group("workflow runtime", registrations)

    # -- using it ----------------------------------------------------------------------

    def register(self, workflow: AnyWorkflow) -> str:
        """The key ``workflow`` runs under here (registering it, and its agents' tools,
        the first time). ``RunWorkflowCommand(workflow=key, ...)`` runs it."""
        key = self._keys.get(workflow)
        if key is not None:
            return key
        self._install_tools(workflow)
        key, number = workflow.name, 1
        while key in self._workflows:
            number += 1
            key = f"{workflow.name}-{number}"
        self._workflows[key] = workflow
        self._keys[workflow] = key
        return key

    def _install_tools(self, workflow: AnyWorkflow) -> None:
        tools = self.engine.tools
        owned = [(f"agent {a.name!r}", tool) for a in workflow.agents() for tool in a.tools]
        for inner in (workflow, *workflow.workflows()):
            owned += [(f"workflow {inner.name!r}", tool) for tool in inner.own_tools()]
        for owner, tool in owned:
            present = tools.get(tool.name)
            if present is None:
                tools.add(tool)
            elif present.function != tool.function:  # != so one object's method matches
                raise WorkflowConfigError(
                    f"{owner} has a tool named {tool.name!r}, but the chat engine already "
                    f"has another tool of that name; rename one of them "
                    f"(tool_from_function(fn, name=...))"
                )

    async def run(
        self,
        executor: Executor,
        task: str,
        *,
        limits: AnyLimit | Limits | None = None,
        session_id: str | None = None,
    ) -> WorkflowResult:
        """Run ``executor`` (a workflow, or one agent as a one-step run) on ``task``.

        Returns how the run ended, whatever that was (``result.reason``); raises
        ``CommandFailedError`` only when no run could begin (a hook rejected it, say).
        """
        if self._registration is None:
            raise UsageError("start the runtime first: async with WorkflowRuntime(engine) ...")
        workflow = (
            executor if isinstance(executor, Workflow) else Pipeline([executor], name=executor.name)
        )
        command = RunWorkflowCommand(
            workflow=self.register(workflow),
            input=task,
            limits=Limits.of(limits),
            **({"session_id": session_id} if session_id is not None else {}),
        )
        result = await self.bus.execute(command)
        return result.unwrap()

    async def cancel(self, run_id: str, reason: str = "cancelled") -> bool:
        """Cancel a run through the bus; False when no such run is running."""
        result = await self.bus.execute(CancelWorkflowCommand(run_id=run_id, reason=reason))
        return bool(result.unwrap())

    @property
    def running(self) -> tuple[str, ...]:
        """The ids of the runs under way that are not nested in another."""
        return tuple(run_id for run_id, run in self._runs.items() if run.parent is None)

    # -- handlers ----------------------------------------------------------------------

    async def _handle_run(self, command: RunWorkflowCommand) -> WorkflowResult:
        workflow = self._workflows.get(command.workflow)
        if workflow is None:
            raise LookupError(
                f"no workflow {command.workflow!r} is registered with this runtime; run it "
                f"with runtime.run(workflow, ...) or register it first"
            )
        parent = None
        if command.parent_run is not None:
            parent = self._runs.get(command.parent_run)
            if parent is None:
                raise LookupError(f"the outer run {command.parent_run!r} is not running here")
        step = None
        if parent is not None and command.parent_step is not None:
            step = parent.step_accounts.get(command.parent_step)
        state = RunState(command.command_id, command.workflow, command.limits, parent, step)
        self._runs[state.id] = state
        try:
            return await Run(self._services, command, workflow, state).execute()
        finally:
            del self._runs[state.id]

    def _handle_cancel(self, command: CancelWorkflowCommand) -> bool:
        target = self._runs.get(command.run_id)
        if target is None:
            return False
        stop = Stop("cancelled", command.reason)
        # Inner runs first, so none of them starts anything while the outer one stops.
        for run in list(self._runs.values()):
            if run is not target and target in run.chain():
                run.halt(stop)
        target.halt(stop)
        return True
