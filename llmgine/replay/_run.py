"""``replay_log``: run a log's prompts again through the current code, answered by the log.

Each recorded turn's ``PromptCommand`` is executed again, one after another in log order,
on a new bus with a ``ToolChatEngine`` whose model is a ``ReplayProvider`` and whose tools
are ``ReplayedTools``. The new run is logged like any other (``log_dir``), each prompt
carrying ``metadata["replay_of"]``, the id of the command it replays. The report compares
the two runs turn by turn (``_compare``). With a fork, the turns from the fork point on are
new by design: only those before it are compared.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmgine.bus import MessageBus
from llmgine.engine import DEFAULT_MAX_TOOL_ROUNDS, PromptCommand, ToolChatEngine
from llmgine.messages import CommandResult, Message, new_id, utc_now
from llmgine.prompts import PromptTemplates
from llmgine.replay._cassette import ForkTarget
from llmgine.replay._compare import Divergence, first_divergence, turn_steps
from llmgine.replay._errors import Miss
from llmgine.replay._provider import ReplayProvider
from llmgine.replay._recording import Recording
from llmgine.sinks import MemorySink
from llmgine.tools import ToolManager

Progress = Callable[[int, int, PromptCommand], None]
"""Called before each turn: its number (from 1), the number of turns, the prompt."""


@dataclass
class ReplayReport:
    """What a replay found. ``identical``: every compared turn took the recorded steps."""

    turns: int
    compared: int
    """Turns compared with the recording (all of them, or those before a fork)."""
    replayed_calls: int
    live_calls: int
    misses: list[Miss]
    divergence: Divergence | None
    results: list[CommandResult[Any]]
    messages: list[Message] = field(repr=False)
    log_path: Path | None
    forked_at_turn: int | None = None

    @property
    def identical(self) -> bool:
        return self.divergence is None

    @property
    def ok(self) -> bool:
        """Identical, and every turn after a fork succeeded (what the exit status says)."""
        return self.identical and all(r.success for r in self.results[self.compared :])

    def summary(self) -> str:
        """The report in a few lines, for people and for assertion messages."""
        calls = f"{self.replayed_calls} model call(s) replayed"
        if self.live_calls:
            calls += f", {self.live_calls} live"
        fork = f", forked at turn {self.forked_at_turn}" if self.forked_at_turn is not None else ""
        head = f"{self.turns} turn(s), {calls}{fork}"
        if self.divergence is None:
            failed = sum(not r.success for r in self.results[self.compared :])
            after = f"; {failed} turn(s) after the fork failed" if failed else ""
            return f"identical: {head}; {self.compared} turn(s) took the recorded steps{after}"
        lines = [f"diverged: {head}", self.divergence.describe()]
        lines += [f"  {miss.description}" for miss in self.misses[:1]]
        return "\n".join(lines)


async def replay_log(
    log: str | os.PathLike[str] | Recording,
    *,
    sessions: Iterable[str] | None = None,
    tools: ToolManager | Iterable[Callable[..., Any]] | None = None,
    live_tools: bool = False,
    system_prompt: str | None = None,
    templates: PromptTemplates | None = None,
    max_tool_rounds: int | None = None,
    fork_from: str | None = None,
    fork_to: ForkTarget | None = None,
    log_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> ReplayReport:
    """Replay the turns of ``log`` through a chat engine answered by the log.

    Args:
        log: a JSONL log's path, or a ``Recording``.
        sessions: the sessions to replay (default: all).
        tools: the current code's tools (their definitions are what is offered); default:
            the tools the recording offered, answered from it.
        live_tools: run ``tools`` instead of replaying their recorded results.
        system_prompt: the system prompt of every replayed turn, instead of the recorded one.
        templates, max_tool_rounds: as for ``ToolChatEngine``.
        fork_from: the id of a message of the log (a turn, a model call ...): the model calls
            before it are replayed, those after are answered by ``fork_to``.
        fork_to: the provider for a model name after the fork.
        log_dir: where the replay writes its own JSONL log (default: no log).
        progress: called before each turn.

    Raises ``ValueError`` when the log has no turn to replay or ``fork_from`` is not in it.
    """
    recording = log if isinstance(log, Recording) else Recording.from_log(log, sessions=sessions)
    if not recording.turns:
        raise ValueError("the log has no chat turn (PromptCommand) to replay")
    fork_at = _fork_point(recording, fork_from, fork_to)
    replay = ReplayProvider(recording, fork_at=fork_at, fork_to=fork_to)
    sink = MemorySink()
    results: list[CommandResult[Any]] = []
    new_ids: list[str] = []
    async with MessageBus(log_dir=log_dir, sinks=[sink]) as bus:
        engine = ToolChatEngine(
            bus,
            model=replay,
            provider_factory=replay.for_model,
            tools=replay.tools(tools, live=live_tools),
            templates=templates,
            stream=recording.calls[0].stream if recording.calls else True,
            max_tool_rounds=DEFAULT_MAX_TOOL_ROUNDS if max_tool_rounds is None else max_tool_rounds,
        )
        async with engine:
            total = len(recording.turns)
            for number, turn in enumerate(recording.turns, 1):
                command = _again(turn.command, system_prompt)
                if progress is not None:
                    progress(number, total, command)
                new_ids.append(command.command_id)
                results.append(await bus.execute(command))
        await replay.aclose()
        log_path = bus.log_path
    return _report(recording, replay, sink.messages, results, new_ids, log_path)


def _fork_point(
    recording: Recording, fork_from: str | None, fork_to: ForkTarget | None
) -> int | None:
    if fork_from is None:
        return None
    if fork_to is None:
        raise ValueError("fork_from needs fork_to: the model to go on with after the fork")
    try:
        return recording.position(fork_from)
    except KeyError:
        raise ValueError(f"the log has no message with the id {fork_from!r}") from None


def _again(command: PromptCommand, system_prompt: str | None) -> PromptCommand:
    update: dict[str, Any] = {
        "command_id": new_id(),
        "timestamp": utc_now(),
        "metadata": {**command.metadata, "replay_of": command.command_id},
    }
    if system_prompt is not None:
        update["system_prompt"] = system_prompt
    return command.model_copy(update=update)


def _report(
    recording: Recording,
    replay: ReplayProvider,
    messages: list[Message],
    results: list[CommandResult[Any]],
    new_ids: list[str],
    log_path: Path | None,
) -> ReplayReport:
    fork_turn = _fork_turn(recording, replay.cassette.fork_at)
    compared = len(recording.turns) if fork_turn is None else fork_turn - 1
    divergence = None
    for index in range(compared):
        turn = recording.turns[index]
        old = turn_steps(turn.command_id, turn.result, recording.messages)
        new = turn_steps(new_ids[index], results[index], messages)
        divergence = first_divergence(turn.session_id, index + 1, old, new)
        if divergence is not None:
            break
    return ReplayReport(
        turns=len(results), compared=compared, replayed_calls=replay.replayed,
        live_calls=replay.live_calls, misses=list(replay.misses), divergence=divergence,
        results=results, messages=messages, log_path=log_path, forked_at_turn=fork_turn,
    )  # fmt: skip


def _fork_turn(recording: Recording, fork_at: int | None) -> int | None:
    """The number of the turn (from 1) that holds the fork point's model call."""
    if fork_at is None:
        return None
    if fork_at >= len(recording.calls):
        return len(recording.turns) + 1
    turn_id = recording.calls[fork_at].turn_id
    for number, turn in enumerate(recording.turns, 1):
        if turn.command_id == turn_id:
            return number
    return len(recording.turns) + 1
