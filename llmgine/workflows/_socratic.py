"""Socratic dialogue: a questioner asks, a respondent answers, a synthesizer may sum up.

In each exchange the questioner asks one question, seeing the topic and the dialogue so
far, and the respondent answers it, seeing the same and the question. ``mode`` sets who
they are to each other: peers, or a teacher questioning a student. The dialogue stops

- after ``max_exchanges`` exchanges;
- when the questioner ends it (``questioner_may_end``): from the second exchange on, a
  questioner whose reply ends with the line ``No more questions`` has asked enough; the
  line is read strictly (the whole last line, not a mention of it);
- when the questioner asks a question it asked before, word for word but for case,
  spaces and punctuation (``stop_on_repeat``): the dialogue goes round in circles.

An ending question is not answered. With a synthesizer, it gets the whole dialogue and
its synthesis is the answer; without one, the answer is the dialogue (``Q1: ... A1:
...``). The steps run one after the other, and a failed one fails the run: the next
question would build on an answer that is not there. ``iterations`` counts the
questioner's turns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from llmgine.workflows._executors import Executor
from llmgine.workflows._plan import AgentStep, Decision, Finish, failed, first_failure, of_role, one
from llmgine.workflows._results import StepRecord
from llmgine.workflows._workflow import Workflow

QUESTIONER = "questioner"
RESPONDENT = "respondent"
SYNTHESIZER = "synthesizer"
END_LINE = "No more questions"

_END = re.compile(r"no more questions[.!]?", re.IGNORECASE)
_ROLES = {
    "peer": ("a peer exploring a topic with another", "a peer exploring a topic with another"),
    "teacher_student": (
        "a Socratic teacher questioning a student",
        "a student questioned by a teacher",
    ),
}


class SocraticConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_exchanges: int = Field(default=5, ge=1)
    """Questions and answers at most."""
    mode: Literal["peer", "teacher_student"] = "peer"
    """Who the questioner and the respondent are to each other."""
    questioner_may_end: bool = True
    """Offer the questioner to end with ``No more questions``, and end when it does."""
    stop_on_repeat: bool = True
    """End when the questioner asks a question it asked before."""


def decide_socratic(
    config: SocraticConfig, synthesized: bool, topic: str, steps: Sequence[StepRecord]
) -> Decision:
    """The next question, its answer, the synthesis, or the end."""
    problem = first_failure(steps)
    if problem is not None:
        return failed(problem, f"the {problem.role} step of the dialogue")
    questions = of_role(steps, QUESTIONER)
    answers = of_role(steps, RESPONDENT)
    exchanges = list(zip(questions, answers, strict=False))
    stopped = _stopped(config, questions)
    if stopped is None:
        if len(answers) < len(questions):
            return one(_answer(config, topic, exchanges, questions[-1]))
        if len(questions) < config.max_exchanges:
            return one(_ask(config, topic, exchanges))
        stopped = "max_exchanges"
    metadata: dict[str, JsonValue] = {
        "exchanges": len(exchanges),
        "stopped": stopped,
        "mode": config.mode,
        "synthesized": synthesized,
    }
    if not synthesized:
        return Finish(_transcript(exchanges), metadata)
    synthesis = of_role(steps, SYNTHESIZER)
    if synthesis:
        return Finish(synthesis[0].output, metadata, parsed=synthesis[0].parsed)
    prompt = (
        f"Topic: {topic}\n\nA Socratic dialogue on it:\n\n{_transcript(exchanges)}\n\n"
        "Synthesize the dialogue: the insights it reached, the questions it left open, and "
        "its conclusions."
    )
    return one(AgentStep(SYNTHESIZER, prompt))


def asked_to_end(question: str) -> bool:
    """Whether a questioner's reply ends the dialogue: its last non-blank line is the end line."""
    lines = [line.strip() for line in question.splitlines() if line.strip()]
    return bool(lines) and _END.fullmatch(lines[-1]) is not None


def _stopped(config: SocraticConfig, questions: Sequence[StepRecord]) -> str | None:
    """Whether the questioner's last turn ended the dialogue, and how."""
    if not questions:
        return None
    last = questions[-1]
    if config.questioner_may_end and len(questions) > 1 and asked_to_end(last.output):
        return "questioner_ended"
    if config.stop_on_repeat and _plain(last.output) in {_plain(q.output) for q in questions[:-1]}:
        return "repeated_question"
    return None


def _ask(
    config: SocraticConfig, topic: str, exchanges: Sequence[tuple[StepRecord, StepRecord]]
) -> AgentStep:
    number = len(exchanges) + 1
    who = _ROLES[config.mode][0]
    if not exchanges:
        ask = "Ask a first question that opens the topic up. Reply with the question only."
    else:
        end = (
            f" If the dialogue has explored the topic enough, reply with the line `{END_LINE}` "
            "instead."
            if config.questioner_may_end
            else ""
        )
        ask = (
            f"The dialogue so far:\n\n{_transcript(exchanges)}\n\nAsk the next question: one "
            f"that builds on the answers, probes a weak point or goes deeper. Reply with the "
            f"question only.{end}"
        )
    prompt = f"You are {who}.\n\nTopic: {topic}\n\n{ask}"
    return AgentStep(QUESTIONER, prompt, {"iteration": number, "exchange": number})


def _answer(
    config: SocraticConfig,
    topic: str,
    exchanges: Sequence[tuple[StepRecord, StepRecord]],
    question: StepRecord,
) -> AgentStep:
    who = _ROLES[config.mode][1]
    so_far = f"The dialogue so far:\n\n{_transcript(exchanges)}\n\n" if exchanges else ""
    prompt = (
        f"You are {who}.\n\nTopic: {topic}\n\n{so_far}The question:\n{question.output}\n\n"
        "Answer it thoughtfully: give your reasons, and say where you are unsure."
    )
    return AgentStep(RESPONDENT, prompt, dict(question.tags))


def _transcript(exchanges: Sequence[tuple[StepRecord, StepRecord]]) -> str:
    return "\n\n".join(
        f"Q{n}: {question.output.strip()}\nA{n}: {answer.output.strip()}"
        for n, (question, answer) in enumerate(exchanges, 1)
    )


def _plain(question: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", question.casefold()).split())


class Socratic(Workflow[SocraticConfig]):
    """``questioner`` asks, ``respondent`` answers; ``synthesizer`` (optional) sums up."""

    pattern = "socratic"

    def __init__(
        self,
        questioner: Executor,
        respondent: Executor,
        synthesizer: Executor | None = None,
        config: SocraticConfig | None = None,
        *,
        name: str | None = None,
        description: str = "",
    ) -> None:
        roles = {QUESTIONER: questioner, RESPONDENT: respondent}
        if synthesizer is not None:
            roles[SYNTHESIZER] = synthesizer
        super().__init__(config or SocraticConfig(), roles, name=name, description=description)
        self.synthesized = synthesizer is not None

    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        return decide_socratic(self.config, self.synthesized, task, steps)
