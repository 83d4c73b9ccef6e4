"""Structured replies: one JSON object, asked for in the prompt and read strictly.

Patterns that need a decision or a judgment from an agent (a vote, a plan, a route, a score,
a next speaker, a critic's review) ask for one JSON object of a stated form and read it with
a pydantic model that forbids other keys. The reply must be that object and nothing else; a
single Markdown code fence around it is allowed. A number or a "pass" somewhere in the prose
is not a verdict: a reply that does not fit is ``Malformed``, with the reason, and each
pattern says what that means for it (recorded and never counted, asked again, or a failed
run). Forms built on ``StrictReply`` also convert nothing (``"3"`` is not a number, ``"yes"``
not a boolean).

A role that must reply this way may be a ``StructuredExecutor`` of the same model (the engine
then sends the schema and asks again on an invalid reply), or any other executor, told in its
prompt what to write; ``check_reply_format`` refuses one built for another model when the
workflow is built.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llmgine.workflows._executors import AgentExecutor, Executor
from llmgine.workflows._results import StepRecord
from llmgine.workflows._workflow import WorkflowConfigError

M = TypeVar("M", bound=BaseModel)

_FENCE = re.compile(r"```[a-zA-Z]*\s*\n(.*?)\n?\s*```", re.DOTALL)


class StrictReply(BaseModel):
    """The base of a structured reply that converts nothing: no other keys, no coercion."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


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
class Malformed:
    """A reply that is not the object asked for; ``reason`` says what is wrong with it."""

    reason: str


def parse_reply(text: str, form: type[M]) -> M | Malformed:
    """``text`` as an instance of ``form``, or why it is not one."""
    body = text.strip()
    fenced = _FENCE.fullmatch(body)
    if fenced is not None:
        body = fenced[1].strip()
    if not body.startswith("{"):
        return Malformed(f"the reply is not a JSON object: {_head(text)!r}")
    try:
        return form.model_validate_json(body)
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in error["loc"])
        return Malformed(f"{where + ': ' if where else ''}{error['msg']}")


def read_reply(step: StepRecord, form: type[M]) -> M | Malformed:
    """``step``'s reply as a ``form`` instance, or why there is none (the step did not
    complete, or its reply is not one)."""
    if not step.ok:
        return Malformed(f"{step.executor!r} (step {step.index}) {step.status}: {step.error}")
    if isinstance(step.parsed, form):
        return step.parsed
    reply = parse_reply(step.output, form)
    if isinstance(reply, Malformed):
        return Malformed(
            f"the reply of {step.executor!r} (step {step.index}) is not a {form.__name__} "
            f"object: {reply.reason}"
        )
    return reply


def check_reply_format(role: str, executor: Executor, schema: type[BaseModel]) -> None:
    """Refuse a structured agent for ``role`` whose replies are of another model."""
    theirs = executor.response_format if isinstance(executor, AgentExecutor) else None
    if theirs is not None and not issubclass(theirs, schema):
        raise WorkflowConfigError(
            f"the {role} {executor.name!r} replies with {theirs.__name__}, but this role "
            f"must reply with {schema.__name__}; give it response_format={schema.__name__} "
            "or none"
        )


def ask_for(form: str) -> str:
    """The closing instruction of a prompt that wants a structured reply of ``form``."""
    return f"Reply with only this JSON object and nothing else:\n{form}"


def roster(descriptions: Mapping[str, str]) -> str:
    """Named choices, one per line with its description, for a prompt that asks to choose."""
    lines = (f"- {name}: {about or '(no description)'}" for name, about in descriptions.items())
    return "\n".join(lines)


def _head(text: str, size: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 3] + "..."
