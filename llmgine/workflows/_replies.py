"""Structured replies: what a pattern reads from a step, strictly, and never guesses at.

Patterns that judge (critics, reflectors, constitutional critics, the chain of density's
bookkeeping) ask their agent for a JSON object of a known pydantic model. A reply counts
only if it *is* that object: a structured agent's parsed reply, or the whole text of the
reply (a fenced ``json`` block alone is accepted too). A reply that says "pass" or "0.9"
somewhere in prose is not a verdict. ``read_reply`` returns the instance, or ``Unreadable``
with the reason (a step that did not complete has no reply either); each pattern says what
that means for it.

A role that must reply this way may be a ``StructuredExecutor`` of the same model (the
engine then sends the schema and asks again on an invalid reply), or any other executor,
told in its prompt what to write; ``check_reply_format`` refuses one built for another
model when the workflow is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llmgine.workflows._executors import AgentExecutor, Executor
from llmgine.workflows._results import StepRecord
from llmgine.workflows._workflow import WorkflowConfigError

M = TypeVar("M", bound=BaseModel)

_FENCED = re.compile(r"```(?:json)?\s*\n(.*)\n\s*```", re.DOTALL | re.IGNORECASE)


class Review(BaseModel):
    """A judgment of one text: a score from 0 (useless) to 1 (nothing to improve), and
    what to improve. Critics of ``IterativeRefinement`` and the reflector of
    ``Reflection`` reply with one."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    score: float = Field(ge=0, le=1)
    feedback: str = ""


REVIEW_FORM = (
    'Reply with only a JSON object: {"score": <a number from 0 to 1, where 1 means there '
    'is nothing left to improve>, "feedback": "<what to improve, specifically>"}'
)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A completed step whose reply is not the object its pattern asked for."""

    reason: str


def read_reply(step: StepRecord, schema: type[M]) -> M | Unreadable:
    """``step``'s reply as a ``schema`` instance, or why there is none (the step did not
    complete, or its reply is not one)."""
    if not step.ok:
        return Unreadable(f"{step.executor!r} (step {step.index}) {step.status}: {step.error}")
    if isinstance(step.parsed, schema):
        return step.parsed
    text = step.output.strip()
    fenced = _FENCED.fullmatch(text)
    try:
        return schema.model_validate_json(fenced[1] if fenced else text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return Unreadable(
            f"the reply of {step.executor!r} (step {step.index}) is not a {schema.__name__} "
            f"object: {f'{where}: ' if where else ''}{first['msg']}"
        )


def check_reply_format(role: str, executor: Executor, schema: type[BaseModel]) -> None:
    """Refuse a structured agent for ``role`` whose replies are of another model."""
    theirs = executor.response_format if isinstance(executor, AgentExecutor) else None
    if theirs is not None and not issubclass(theirs, schema):
        raise WorkflowConfigError(
            f"the {role} {executor.name!r} replies with {theirs.__name__}, but this role "
            f"must reply with {schema.__name__}; give it response_format={schema.__name__} "
            "or none"
        )
