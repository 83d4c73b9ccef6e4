"""Round-robin: participants take turns on a task, in order or as a selector chooses.

Without a selector the participants speak in the order given, ``max_rounds`` times each.
With one, the selector is asked before every turn who speaks next and replies with a
structured choice (``{"speaker": "<name>"}``, or ``null`` when the task is done). Unless
``allow_repeats``, the participant who spoke last may not speak again at once. A choice
that cannot be followed (malformed, no such participant, the previous speaker when repeats
are not allowed, or a failed selector call) is not retried: the turn passes to the
participant after the previous speaker in the given order, and ``metadata["fallbacks"]``
says why. So a selector that keeps naming the same speaker cannot stall the talk, and the
run never takes more than ``max_rounds`` times as many turns as there are participants.

Every speaker sees the task and the contributions so far (the latest ``window`` of them,
if set). A failed contribution fails the run. The answer is the synthesizer's, when there
is one, else the transcript. ``iterations`` counts rounds: turns divided by participants.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from llmgine.workflows._executors import Executor
from llmgine.workflows._plan import (
    AgentStep,
    Decision,
    Finish,
    failed,
    of_role,
    one,
)
from llmgine.workflows._replies import Malformed, StrictReply, ask_for, read_reply, roster
from llmgine.workflows._results import StepRecord
from llmgine.workflows._workflow import Workflow, WorkflowConfigError, named, unique_roles

SELECTOR = "selector"
SYNTHESIZER = "synthesizer"


class RoundRobinConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_rounds: int = Field(default=3, ge=1)
    """Turns at most: this many times the number of participants."""
    allow_repeats: bool = False
    """Let the selector give the next turn to the participant who spoke last."""
    window: int | None = Field(default=None, ge=1)
    """How many of the latest contributions a speaker sees (None: all of them)."""


class NextSpeaker(StrictReply):
    speaker: str | None


def decide_round_robin(
    config: RoundRobinConfig,
    participants: Mapping[str, str],
    task: str,
    steps: Sequence[StepRecord],
    *,
    selector: bool = False,
    synthesizer: bool = False,
) -> Decision:
    """The next choice of speaker, the next turn, the synthesis, or the end.

    ``participants`` maps each name, in turn order, to its description.
    """
    names = list(participants)
    turns = [step for step in steps if step.role in participants]
    if turns and not turns[-1].ok:
        return failed(turns[-1], f"the turn of {turns[-1].role!r}")
    limit = config.max_rounds * len(names)
    turn = len(turns) + 1
    choices = _choices(config, names, turns, of_role(steps, SELECTOR)) if selector else []
    ended = turn > limit or (len(choices) == turn and choices[-1][0] is None)
    if not ended:
        tags: dict[str, int | str] = {"turn": turn, "iteration": (turn - 1) // len(names) + 1}
        if selector and len(choices) < turn:
            prompt = _selector_prompt(config, participants, task, turns, turn, limit)
            return one(AgentStep(SELECTOR, prompt, tags))
        speaker = choices[-1][0] if selector else names[(turn - 1) % len(names)]
        assert speaker is not None
        prompt = _turn_prompt(config, names, task, turns, speaker, turn, limit)
        return one(AgentStep(speaker, prompt, tags))
    metadata: dict[str, JsonValue] = {
        "turns": len(turns),
        "speakers": [step.role for step in turns],
        "ended_by": "limit" if turn > limit else "selector",
        "fallbacks": [
            {"turn": n, "reason": reason} for n, (_, reason) in enumerate(choices, 1) if reason
        ],
    }
    if not synthesizer:
        return Finish(_transcript(turns), metadata)
    synthesis = of_role(steps, SYNTHESIZER)
    if not synthesis:
        prompt = (
            f"Task: {task}\n\nThe discussion:\n\n{_transcript(turns)}\n\nWrite the final "
            "result of this discussion: keep what the participants settled on, leave out "
            "what they dropped."
        )
        return one(AgentStep(SYNTHESIZER, prompt))
    if not synthesis[0].ok:
        return failed(synthesis[0], "the synthesis")
    return Finish(synthesis[0].output, metadata)


def _choices(
    config: RoundRobinConfig,
    names: Sequence[str],
    turns: Sequence[StepRecord],
    picks: Sequence[StepRecord],
) -> list[tuple[str | None, str | None]]:
    """Per turn the selector was asked about: who speaks (None: the talk ends) and, when
    its choice could not be followed, why."""
    choices = []
    for turn, pick in enumerate(picks, 1):
        previous = turns[turn - 2].role if turn > 1 else None
        speaker, reason = _follow(config, names, pick, previous)
        if reason is not None:  # the turn passes on in the given order
            speaker = names[(names.index(previous) + 1) % len(names)] if previous else names[0]
        choices.append((speaker, reason))
    return choices


def _follow(
    config: RoundRobinConfig, names: Sequence[str], pick: StepRecord, previous: str | None
) -> tuple[str | None, str | None]:
    """The selector's choice, or why it cannot be followed."""
    if not pick.ok:
        return None, f"the selector's call {pick.status}"
    reply = read_reply(pick, NextSpeaker)
    if isinstance(reply, Malformed):
        return None, f"the selector's reply is malformed: {reply.reason}"
    if reply.speaker is None:
        return None, None if previous else "the selector ended the talk before anyone spoke"
    if reply.speaker not in names:
        return None, f"the selector named no participant: {reply.speaker!r}"
    if reply.speaker == previous and not config.allow_repeats:
        return None, f"the selector named {previous!r}, who spoke last"
    return reply.speaker, None


def _seen(config: RoundRobinConfig, turns: Sequence[StepRecord]) -> str:
    shown = turns[-config.window :] if config.window else turns
    if not shown:
        return "Nobody has spoken yet."
    latest = f"latest {len(shown)} " if len(shown) < len(turns) else ""
    return f"The {latest}contributions so far:\n\n{_transcript(shown)}"


def _turn_prompt(
    config: RoundRobinConfig,
    names: Sequence[str],
    task: str,
    turns: Sequence[StepRecord],
    speaker: str,
    turn: int,
    limit: int,
) -> str:
    others = ", ".join(name for name in names if name != speaker)
    return (
        f"Task: {task}\n\nYou are {speaker}, taking turns with {others}. This is turn {turn} "
        f"of at most {limit}.\n\n{_seen(config, turns)}\n\nAdd your contribution: build on "
        "what has been said, correct what is wrong, and do not repeat it."
    )


def _selector_prompt(
    config: RoundRobinConfig,
    participants: Mapping[str, str],
    task: str,
    turns: Sequence[StepRecord],
    turn: int,
    limit: int,
) -> str:
    rule = ""
    if turns and not config.allow_repeats:
        rule = f" {turns[-1].role} spoke last and may not speak again now."
    return (
        f"Task: {task}\n\nParticipants:\n{roster(participants)}\n\n{_seen(config, turns)}"
        f"\n\nChoose who speaks next, for turn {turn} of at most {limit}.{rule} Choose "
        "null if the task is done.\n" + ask_for('{"speaker": "<a participant\'s name>" or null}')
    )


def _transcript(turns: Sequence[StepRecord]) -> str:
    return "\n\n".join(f"[Turn {t.tags['turn']}] {t.role}: {t.output}" for t in turns)


class RoundRobin(Workflow[RoundRobinConfig]):
    """``participants`` (executors, or ``(name, executor)`` pairs, at least two) take
    turns; ``selector`` (optional) chooses who speaks; ``synthesizer`` (optional) writes
    the answer."""

    pattern = "round_robin"

    def __init__(
        self,
        participants: Sequence[Executor | tuple[str, Executor]],
        selector: Executor | None = None,
        synthesizer: Executor | None = None,
        config: RoundRobinConfig | None = None,
        *,
        name: str | None = None,
        description: str = "",
    ) -> None:
        config = config or RoundRobinConfig()
        cast = named(participants)
        if len(cast) < 2:
            raise WorkflowConfigError(
                f"a round-robin needs at least two participants, got {len(cast)}"
            )
        unique_roles("participant", [n for n, _ in cast], reserved=(SELECTOR, SYNTHESIZER))
        if config.allow_repeats and selector is None:
            raise WorkflowConfigError(
                "allow_repeats lets a selector choose the last speaker again; without a "
                "selector the participants speak in order, so give a selector or leave it out"
            )
        extra = {SELECTOR: selector, SYNTHESIZER: synthesizer}
        roles = dict(cast) | {role: e for role, e in extra.items() if e is not None}
        super().__init__(config, roles, name=name, description=description)
        self.participants = {n: executor.description for n, executor in cast}
        self.selected = selector is not None
        self.synthesized = synthesizer is not None

    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        return decide_round_robin(
            self.config,
            self.participants,
            task,
            steps,
            selector=self.selected,
            synthesizer=self.synthesized,
        )
