"""Debate: participants argue in rounds; a judge, if there is one, decides.

In each round every participant argues once, in order, seeing every argument made before
it (``parallel_rounds``: all at once, seeing the earlier rounds only). With
``detect_consensus`` each participant ends its argument with ``Stance: AGREE`` or
``Stance: DISAGREE``, read strictly from its last line; the debate ends after the first
round in which every participant agrees. After the last round the judge gets the whole
debate and its judgment is the answer; without a judge the answer is the transcript.

A failed argument or judgment ends the run as failed: a debate with a missing voice would
be judged on half the case. ``iterations`` counts the rounds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from llmgine.workflows._executors import Executor
from llmgine.workflows._plan import (
    AgentStep,
    Decision,
    Finish,
    RunSteps,
    failed,
    first_failure,
    of_role,
    one,
)
from llmgine.workflows._results import StepRecord
from llmgine.workflows._workflow import Workflow, WorkflowConfigError, unique_roles

JUDGE = "judge"

_STANCE = re.compile(r"stance\s*:\s*(agree|disagree)\W*", re.IGNORECASE)
_ASK_STANCE = (
    "\n\nEnd your reply with a last line that is exactly `Stance: AGREE` if you now agree "
    "with the position of the others, or `Stance: DISAGREE` if you do not."
)


class DebateConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_rounds: int = Field(default=3, ge=1)
    """Rounds at most (fewer when consensus ends the debate)."""
    parallel_rounds: bool = False
    """Participants of a round argue at once, each seeing the earlier rounds only."""
    detect_consensus: bool = False
    """Ask for a stance and end the debate at the first round where all agree."""


def stance(argument: str) -> Literal["agree", "disagree"] | None:
    """The stance an argument states on its last non-blank line, if it states one."""
    lines = [line for line in argument.splitlines() if line.strip()]
    found = _STANCE.fullmatch(lines[-1].strip()) if lines else None
    return None if found is None else "agree" if found[1].lower() == "agree" else "disagree"


def decide_debate(
    config: DebateConfig,
    participants: Sequence[str],
    judged: bool,
    topic: str,
    steps: Sequence[StepRecord],
) -> Decision:
    """The next argument(s), the judgment, or the end."""
    problem = first_failure(steps)
    if problem is not None:
        return failed(problem, f"the {problem.role} step of the debate")
    arguments = [step for step in steps if step.role != JUDGE]
    current = max((int(step.tags["round"]) for step in arguments), default=0)
    spoken = [step for step in arguments if step.tags["round"] == current]
    if current and len(spoken) < len(participants):
        return one(_argue(config, participants, topic, arguments, len(spoken), current))
    agreed = (
        bool(current)
        and config.detect_consensus
        and all(stance(step.output) == "agree" for step in spoken)
    )
    if current < config.max_rounds and not agreed:
        speakers = range(len(participants)) if config.parallel_rounds else range(1)
        return RunSteps(
            tuple(
                _argue(config, participants, topic, arguments, speaker, current + 1)
                for speaker in speakers
            )
        )
    metadata: dict[str, JsonValue] = {
        "rounds": current,
        "participants": list(participants),
        "judged": judged,
        "consensus": agreed if config.detect_consensus else None,
    }
    judgment = of_role(steps, JUDGE)
    if judgment:
        return Finish(judgment[0].output, metadata)
    if judged:
        prompt = (
            f"Topic: {topic}\n\nThe debate ({current} round(s)):\n\n{_transcript(arguments)}"
            "\n\nWeigh the arguments and give your final judgment."
        )
        return one(AgentStep(JUDGE, prompt))
    return Finish(_transcript(arguments), metadata)


def _argue(
    config: DebateConfig,
    participants: Sequence[str],
    topic: str,
    arguments: Sequence[StepRecord],
    speaker: int,
    round_: int,
) -> AgentStep:
    name = participants[speaker]
    others = ", ".join(p for p in participants if p != name)
    heard = [a for a in arguments if not config.parallel_rounds or int(a.tags["round"]) < round_]
    so_far = f"Arguments so far:\n\n{_transcript(heard)}\n\n" if heard else ""
    prompt = (
        f"Topic: {topic}\n\nYou are {name}, debating with {others}. "
        f"This is round {round_} of at most {config.max_rounds}.\n\n"
        f"{so_far}Give your argument for this round."
        f"{_ASK_STANCE if config.detect_consensus else ''}"
    )
    return AgentStep(name, prompt, {"iteration": round_, "round": round_})


def _transcript(arguments: Sequence[StepRecord]) -> str:
    return "\n\n".join(f"[Round {a.tags['round']}] {a.role}: {a.output}" for a in arguments)


class Debate(Workflow[DebateConfig]):
    """``participants`` (executors, or ``(name, executor)`` pairs, at least two) argue;
    ``judge`` (optional) decides."""

    pattern = "debate"

    def __init__(
        self,
        participants: Sequence[Executor | tuple[str, Executor]],
        judge: Executor | None = None,
        config: DebateConfig | None = None,
        *,
        name: str | None = None,
        description: str = "",
    ) -> None:
        named = [p if isinstance(p, tuple) else (p.name, p) for p in participants]
        if len(named) < 2:
            raise WorkflowConfigError(f"a debate needs at least two participants, got {len(named)}")
        unique_roles("participant", [n for n, _ in named], reserved=(JUDGE,))
        roles = dict(named) | ({JUDGE: judge} if judge is not None else {})
        super().__init__(config or DebateConfig(), roles, name=name, description=description)
        self.participants = tuple(n for n, _ in named)
        self.judged = judge is not None

    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        return decide_debate(self.config, self.participants, self.judged, task, steps)
