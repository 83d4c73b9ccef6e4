"""FunctionChat: the read-answer loop of the function chat, on a started app.

One chat is one bus session and one saved session of the same id. Each message the user
types is a slash command or a turn (``//text`` sends ``/text``): a ``PromptCommand`` on the
session, whose events (text as it streams, tool calls) the view shows as they happen. While
a turn runs, Ctrl-C (SIGINT) cancels it with ``CancelTurnCommand``: the engine leaves the
history as it was, and the chat goes on. At a terminal Ctrl-C never quits (Ctrl-D or
``/exit`` do); reading from a pipe, Ctrl-C between turns asks the app to stop, as the end
of the input does.

The chat approves the calls of tools that require it (``_approval``), counts its turns
(``_tally``) and ends with one line that sums them up. Its exit status: 2 when the session
could not be saved, 1 when it read from a pipe and every turn failed, else 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from dataclasses import dataclass
from typing import Any

from llmgine.bootstrap import ApplicationBootstrap
from llmgine.bus import BusSession
from llmgine.context import SessionError, first_words
from llmgine.engine import (
    CancelTurnCommand,
    PromptCommand,
    ResponseDeltaEvent,
    TurnResult,
    tool_limit_note,
)
from llmgine.llm import split_model_name
from llmgine.messages import CommandResult, Failure
from llmgine.tools import ToolCallCompletedEvent, ToolCallFailedEvent, ToolCallRequestedEvent
from programs.function_chat._approval import ChatApprover
from programs.function_chat._commands import run_command
from programs.function_chat._input import LineReader
from programs.function_chat._render import ChatView
from programs.function_chat._resume import resumed_model
from programs.function_chat._tally import ChatTally

PROMPT = "you> "
UNSAVED = 2
"""The exit status of a chat whose session could not be saved."""
ALL_FAILED = 1
"""The exit status of a chat read from a pipe whose every turn failed."""
EVENTS_TIMEOUT = 10.0
"""How long the end of a turn waits for its last events to be shown."""

OFFLINE_NOTICE = (
    "No API key or local model server found: answers come from llmgine's offline stand-in, "
    "which only calls the tools for plain requests (set OPENAI_API_KEY or ANTHROPIC_API_KEY, "
    "or start Ollama, for a real model)."
)


@dataclass(frozen=True)
class ChatOptions:
    session_id: str | None = None
    """Resume this saved session; ``None`` starts a new one."""
    session_name: str | None = None
    system_prompt: str | None = None
    model_asked: bool = False
    """The model was named on the command line: a resumed session does not change it."""
    yes: bool = False
    """Run tools that require approval without asking (``--yes``)."""


class FunctionChat:
    """The chat loop. ``await FunctionChat(app, view, reader).run()`` returns the exit status."""

    def __init__(
        self,
        app: ApplicationBootstrap,
        view: ChatView,
        reader: LineReader,
        options: ChatOptions = ChatOptions(),
    ) -> None:
        self.app = app
        self.view = view
        self.reader = reader
        self.options = options
        self.session_id = options.session_id or app.store.new_id()
        self.model_override: str | None = None
        self._session: BusSession | None = None
        self._turn: asyncio.Future[CommandResult[Any]] | None = None
        self._background: set[asyncio.Task[object]] = set()
        self._named = False
        self.tally = ChatTally()
        self.approver = ChatApprover(view, reader, yes=options.yes)

    @property
    def model(self) -> str:
        return self.model_override or self.app.model

    @property
    def session(self) -> BusSession:
        assert self._session is not None, "the chat is not running"
        return self._session

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        async with self.app.bus.session(self.session_id) as session:
            self._session = session
            self._subscribe(session)
            self.app.tools.approver = self.approver
            await self._open()
            loop.add_signal_handler(signal.SIGINT, self._interrupt)
            try:
                await self._loop()
            finally:
                loop.remove_signal_handler(signal.SIGINT)
                status = await self._farewell()
        return status

    async def _open(self) -> None:
        context, options = self.app.context, self.options
        conversation = await context.session(self.session_id)
        self._named = bool(conversation.name)
        if options.session_name:
            await context.rename(self.session_id, options.session_name)
            self._named = True
        if options.system_prompt:
            await context.set_system_prompt(self.session_id, options.system_prompt)
        note = None
        if options.session_id is None:
            which = f"new session {self.session_id}"
        else:
            count = len(conversation.messages)
            which = f"session {self.session_id} resumed ({count} messages)"
            self.model_override, note = resumed_model(
                conversation.model,
                self.app.model,
                asked=options.model_asked,
                check=self.app.engine.provider,
            )
        leave = "Ctrl-D" if self.reader.interactive else "/exit"
        self.view.notice(
            f"llmgine function chat · {self.model} · {which} · /help for commands, {leave} to leave"
        )
        if note is not None:
            self.view.notice(note)
        if self.app.front_end:
            url = self.app.settings.bus_url
            self.view.notice(
                f"turns run on the workers of {url} (start one with `llmgine worker --bus {url}`)"
            )
        elif split_model_name(self.model)[0] == "offline":
            self.view.notice(OFFLINE_NOTICE)

    async def _loop(self) -> None:
        while not self.app.stopping:
            line = await self.reader.read(PROMPT)
            if line is None:
                return
            text = line.strip()
            if not text:
                continue
            if text.startswith("//"):
                text = text[1:]  # a message that starts with /
            elif text.startswith("/"):
                if not await run_command(self, text):
                    return
                continue
            await self.turn(text)

    # -- turns ----------------------------------------------------------------------------

    async def turn(self, text: str) -> CommandResult[Any]:
        """Run one turn and show it; the command's result. The console view, if any, waits
        until the turn is shown, so its tree never lands inside the answer."""
        console = self.app.console_view
        with console.held() if console is not None else contextlib.nullcontext():
            return await self._turn_shown(text)

    async def _turn_shown(self, text: str) -> CommandResult[Any]:
        self.view.begin_turn(self.model)
        started = time.perf_counter()
        command = PromptCommand(prompt=text, model=self.model_override)
        self._turn = asyncio.ensure_future(self.session.execute(command))
        try:
            result = await self._turn
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the chat itself is being cancelled, not just the turn
            # A front end cancels the call itself: the worker running it is told to stop.
            failure = Failure(kind="cancelled", message="the turn was cancelled (Ctrl-C)")
            result = CommandResult.failed(command, failure)
        finally:
            self._turn = None
        if self.app.front_end:
            # The turn ran on a worker, which saved the session: read it again from there.
            self.app.context.forget(self.session_id)
            await self.app.context.session(self.session_id)
        seconds = time.perf_counter() - started
        # On time-out the view misses a late event or two; the answer itself is in the result.
        with contextlib.suppress(TimeoutError):
            await self.app.bus.wait_for_events(timeout=EVENTS_TIMEOUT)
        self.tally.record(result, seconds)
        if result.success and isinstance(result.result, TurnResult):
            self.view.end_turn(result.result, seconds)
            note = tool_limit_note(result.result, self.app.engine.max_tool_rounds)
            if note is not None:
                self.view.notice(note)
            if not self._named:
                self._named = True
                await self.app.context.rename(self.session_id, first_words(text))
        elif result.failure is not None and result.failure.kind == "cancelled":
            self.view.end_turn(None, seconds)
            self.view.notice("turn cancelled; the conversation is as it was before it")
        else:
            self.view.end_turn(None, seconds)
            self.view.error(result.error or "the turn failed")
        return result

    def _interrupt(self) -> None:
        if self._turn is not None and not self._turn.done():
            self.view.end_answer()
            self.view.notice("cancelling the turn...")
            if self.app.front_end:
                self._turn.cancel()  # the engine runs on a worker: cancel the call
                return
            task = asyncio.ensure_future(self.session.execute(CancelTurnCommand(reason="Ctrl-C")))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        elif not self.reader.interactive:
            self.app.request_stop("SIGINT")

    def _subscribe(self, session: BusSession) -> None:
        view = self.view
        session.register_event_handler(ResponseDeltaEvent, lambda e: view.delta(e.text))
        session.register_event_handler(
            ToolCallRequestedEvent,
            lambda e: view.tool_requested(e.call_id, e.tool_name, e.arguments),
        )
        session.register_event_handler(
            ToolCallCompletedEvent, lambda e: view.tool_finished(e.tool_name, e.result, "ok")
        )
        session.register_event_handler(
            ToolCallFailedEvent,
            lambda e: view.tool_finished(
                e.tool_name, e.error, "refused" if e.error_kind == "rejected" else "failed"
            ),
        )

    async def _farewell(self) -> int:
        """Sum the chat up and say where the session is; the exit status."""
        if self.tally.turns:
            metrics = self.app.metrics
            stats = metrics.snapshot().sessions.get(self.session_id) if metrics else None
            self.view.summary(self.tally.line(stats))
        status = await self._saved()
        if status == 0 and not self.reader.interactive and self.tally.all_failed:
            turns, last = self.tally.turns, self.tally.last_error
            self.view.error(
                f"the chat's only turn failed: {last}"
                if turns == 1
                else f"all {turns} turns of this chat failed; the last: {last}"
            )
            return ALL_FAILED
        return status

    async def _saved(self) -> int:
        """Say where the session is; 2 when its last turns could not be saved."""
        context = self.app.context
        await context.flush()
        if context.save_error(self.session_id) is not None:
            try:
                await context.save(self.session_id)  # the folder may be usable again
            except SessionError as exc:
                log = self.app.bus.log_path
                kept = f"; this run's turns are in the log {str(log)!r}" if log else ""
                self.view.error(f"{exc}{kept}")
                return UNSAVED
        if self.app.store.exists(self.session_id):
            self.view.notice(
                f"session {self.session_id} is saved; resume it with --session {self.session_id}"
            )
        return 0
