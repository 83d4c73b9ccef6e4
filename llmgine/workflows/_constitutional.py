"""Constitutional: draft, judge every principle separately, revise until they all pass.

The generator drafts a response to the task. The critic judges the draft against each
principle and replies with a ``Critique``: one ``PrincipleVerdict`` (``pass`` or ``fail``, and
feedback) per principle, by name. With ``critique="joint"`` one critic call judges all the
principles; with ``"per_principle"`` one call per principle, in parallel. A principle
passes only on a ``pass`` verdict given to it by name; a ``fail`` fails it, whatever the
prose around it says; a critique that gives it no verdict, is not a ``Critique``, or whose
step failed leaves it **unjudged**, and unjudged is not passed.

While a principle of severity ``error`` or ``critical`` is not passed, the generator
revises the draft (told which principles failed or could not be judged, and why) and the
new draft is judged again, up to ``max_revisions`` revisions. ``warning`` principles are
judged and reported and their feedback goes into any revision, but they never cause one.
At the limit the draft stands with its failures reported, unless a ``critical`` principle
still fails: then the run fails and gives no answer. If no principle at all could be
judged, the run fails (there is nothing to revise against); a failed draft fails the run.
The metadata says which principles passed, failed or were not judged. ``iterations``
counts the drafts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from llmgine.workflows._executors import Executor
from llmgine.workflows._plan import (
    AgentStep,
    Decision,
    Fail,
    Finish,
    RunSteps,
    failed,
    of_role,
    one,
)
from llmgine.workflows._replies import Malformed, check_reply_format, read_reply
from llmgine.workflows._results import StepRecord
from llmgine.workflows._workflow import Workflow

GENERATOR = "generator"
CRITIC = "critic"

Severity = Literal["warning", "error", "critical"]
PrincipleStatus = Literal["passed", "failed", "unjudged"]


class Principle(BaseModel):
    """A rule the response must keep; ``severity`` says what a failure of it does."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    severity: Severity = "error"


class PrincipleVerdict(BaseModel):
    """A critic's judgment of one principle, named as the principle is."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    principle: str = Field(min_length=1)
    verdict: Literal["pass", "fail"]
    feedback: str = ""

    @field_validator("verdict", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


class Critique(BaseModel):
    """A critic's reply: a verdict per principle judged."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verdicts: list[PrincipleVerdict]


class ConstitutionalConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    principles: tuple[Principle, ...] = Field(min_length=1)
    max_revisions: int = Field(default=3, ge=0)
    """Revisions at most after the first draft."""
    critique: Literal["joint", "per_principle"] = "joint"
    """One critic call for all the principles, or one per principle, in parallel."""
    max_parallel: int | None = Field(default=None, gt=0)
    """Principles judged at once with ``per_principle`` (None: all)."""

    @model_validator(mode="after")
    def _consistent(self) -> ConstitutionalConfig:
        names = [principle.name.casefold() for principle in self.principles]
        twice = sorted({p.name for p in self.principles if names.count(p.name.casefold()) > 1})
        if twice:
            raise ValueError(f"two principles are named {', '.join(map(repr, twice))}")
        if self.max_parallel is not None and self.critique != "per_principle":
            raise ValueError("max_parallel applies to critique='per_principle' only")
        return self


@dataclass(frozen=True, slots=True)
class Judgment:
    status: PrincipleStatus
    feedback: str


def decide_constitutional(
    config: ConstitutionalConfig, task: str, steps: Sequence[StepRecord]
) -> Decision:
    """The next draft, its critique, or the end."""
    drafts = of_role(steps, GENERATOR)
    if not drafts:
        return one(AgentStep(GENERATOR, task, {"iteration": 1}))
    draft, number = drafts[-1], len(drafts)
    if not draft.ok:
        return failed(draft, f"draft {number}")
    critiques = [step for step in of_role(steps, CRITIC) if step.tags["iteration"] == number]
    if not critiques:
        return RunSteps(_critique_steps(config, task, draft.output, number), config.max_parallel)
    judged = judge_critiques(config.principles, critiques)
    metadata = _metadata(config, judged, number - 1)
    if all(j.status == "unjudged" for j in judged.values()):
        reasons = "; ".join(sorted({j.feedback for j in judged.values()}))
        return Fail(f"no principle could be judged on draft {number}: {reasons}", metadata)
    blocking = [
        p
        for p in config.principles
        if p.severity != "warning" and judged[p.name].status != "passed"
    ]
    if blocking and number - 1 < config.max_revisions:
        prompt = _revision(config, task, draft.output, judged)
        return one(AgentStep(GENERATOR, prompt, {"iteration": number + 1}))
    critical = [p.name for p in blocking if p.severity == "critical"]
    if critical:
        return Fail(
            f"critical principle(s) {', '.join(map(repr, critical))} still not passed after "
            f"{number - 1} revision(s)",
            metadata,
        )
    return Finish(draft.output, metadata, parsed=draft.parsed)


def judge_critiques(
    principles: Sequence[Principle], critiques: Sequence[StepRecord]
) -> dict[str, Judgment]:
    """Each principle's judgment, from the critique steps of one draft.

    A step tagged with a ``principle`` judges that principle only; an untagged one judges
    all of them. A principle passes on ``pass`` verdicts by its name only.
    """
    judged = {p.name: Judgment("unjudged", "no critique judged it") for p in principles}
    for step in critiques:
        covers = [p for p in principles if step.tags.get("principle", p.name) == p.name]
        reply = read_reply(step, Critique)
        for principle in covers:
            if isinstance(reply, Malformed):
                judged[principle.name] = Judgment("unjudged", reply.reason)
                continue
            mine = [
                v for v in reply.verdicts if v.principle.casefold() == principle.name.casefold()
            ]
            feedback = "\n".join(v.feedback for v in mine if v.feedback)
            if not mine:
                judged[principle.name] = Judgment("unjudged", "the critique gave it no verdict")
            elif any(v.verdict == "fail" for v in mine):
                judged[principle.name] = Judgment("failed", feedback)
            else:
                judged[principle.name] = Judgment("passed", feedback)
    return judged


def _critique_steps(
    config: ConstitutionalConfig, task: str, draft: str, number: int
) -> tuple[AgentStep, ...]:
    if config.critique == "joint":
        prompt = _critique(task, draft, config.principles)
        return (AgentStep(CRITIC, prompt, {"iteration": number}),)
    return tuple(
        AgentStep(CRITIC, _critique(task, draft, [p]), {"iteration": number, "principle": p.name})
        for p in config.principles
    )


def _critique(task: str, draft: str, principles: Sequence[Principle]) -> str:
    rules = "\n".join(f"- {p.name} ({p.severity}): {p.description}" for p in principles)
    which = "this principle" if len(principles) == 1 else "each of these principles separately"
    example = ", ".join(
        f'{{"principle": "{p.name}", "verdict": "pass" or "fail", "feedback": "..."}}'
        for p in principles[:2]
    ) + (", ..." if len(principles) > 2 else "")
    return (
        f"The request:\n{task}\n\nThe response to judge:\n{draft}\n\n"
        f"Judge the response against {which}:\n\n{rules}\n\n"
        'Give every principle a verdict, "pass" or "fail"; for a failure, say in the '
        "feedback what must change.\n\n"
        f'Reply with only a JSON object: {{"verdicts": [{example}]}}'
    )


def _revision(
    config: ConstitutionalConfig, task: str, draft: str, judged: dict[str, Judgment]
) -> str:
    problems, kept = [], []
    for p in config.principles:
        judgment = judged[p.name]
        if judgment.status == "passed":
            kept.append(p.name)
        else:
            what = "fails" if judgment.status == "failed" else "could not be judged"
            problems.append(
                f"- {p.name} ({p.severity}): {p.description}\n  It {what}: {judgment.feedback}"
            )
    keep = f"\n\nKeep satisfying: {', '.join(kept)}." if kept else ""
    listed = "\n".join(problems)
    return (
        f"The request:\n{task}\n\nYour previous response:\n{draft}\n\n"
        f"It does not satisfy these principles yet:\n\n{listed}{keep}\n\n"
        "Revise the response so that it satisfies every principle and still answers the "
        "request. Reply with the revised response only."
    )


def _metadata(
    config: ConstitutionalConfig, judged: dict[str, Judgment], revisions: int
) -> dict[str, JsonValue]:
    def named(status: PrincipleStatus) -> list[JsonValue]:
        return [p.name for p in config.principles if judged[p.name].status == status]

    return {
        "revisions": revisions,
        "all_passed": all(j.status == "passed" for j in judged.values()),
        "passed": named("passed"),
        "failed": named("failed"),
        "unjudged": named("unjudged"),
        "principles": {
            p.name: {
                "status": judged[p.name].status,
                "severity": p.severity,
                "feedback": judged[p.name].feedback,
            }
            for p in config.principles
        },
    }


class Constitutional(Workflow[ConstitutionalConfig]):
    """``generator`` drafts and revises; ``critic`` (default: the generator) judges the
    draft against ``config.principles``."""

    pattern = "constitutional"

    def __init__(
        self,
        generator: Executor,
        critic: Executor | None = None,
        *,
        config: ConstitutionalConfig,
        name: str | None = None,
        description: str = "",
    ) -> None:
        critic = critic or generator
        check_reply_format(CRITIC, critic, Critique)
        roles = {GENERATOR: generator, CRITIC: critic}
        super().__init__(config, roles, name=name, description=description)

    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        return decide_constitutional(self.config, task, steps)
