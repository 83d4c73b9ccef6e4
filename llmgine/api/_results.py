"""What the one-call API returns, and the errors it raises.

CompletionError             the turn failed for a reason other than the model's
(LLMError and its subclasses from ``llmgine.llm`` are raised as they are: a rate limit
after the retries is a ``RateLimitError``, an invalid structured reply after every retry
a ``StructuredOutputError``.)
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from llmgine.engine import USAGE_NOT_REPORTED, TurnFinish, TurnResult
from llmgine.llm import LLMError, Usage
from llmgine.messages import Failure
from llmgine.tools import arguments_or_text


class _ReadByKey(BaseModel):
    """Fields read by key as well as by attribute: ``usage["total"]`` is ``usage.total``.

    GlueLLM returned these records as dicts; code written for it reads them by key
    (``.get`` and ``in`` included) and keeps working here.
    """

    model_config = ConfigDict(frozen=True)

    def __getitem__(self, key: str) -> Any:
        if key not in type(self).model_fields:
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in type(self).model_fields else default

    def keys(self) -> list[str]:
        return list(type(self).model_fields)

    def __contains__(self, key: object) -> bool:
        return key in type(self).model_fields


class TokenUsage(_ReadByKey):
    """Tokens of the turn's model calls, summed: ``prompt``, ``completion``, ``total``.

    All three are ``None`` when a server did not report usage for every call of the
    turn (the usage is then falsy and prints as "usage not reported"): a partial count
    would pass for the whole, and a 0 for a real one.
    """

    prompt: int | None = None
    completion: int | None = None
    total: int | None = None

    @classmethod
    def of(cls, usage: Usage) -> TokenUsage:
        if not usage.reported:
            return cls()
        return cls(
            prompt=usage.input_tokens, completion=usage.output_tokens, total=usage.total_tokens
        )

    @property
    def reported(self) -> bool:
        return self.total is not None

    def __bool__(self) -> bool:
        return self.reported

    def __str__(self) -> str:
        if not self.reported:
            return USAGE_NOT_REPORTED
        return f"{self.total} tokens ({self.prompt} prompt, {self.completion} completion)"


class ToolExecution(_ReadByKey):
    """One tool call of the turn: what the model sent, what it got back, and any error."""

    tool_name: str
    arguments: dict[str, Any] | str
    """The arguments as a dict, or the raw text when the model sent invalid JSON."""
    result: str
    error: str | None = None


class CompletionResult(BaseModel):
    """The answer of one ``complete`` call."""

    model_config = ConfigDict(frozen=True)

    final_response: str
    tool_calls_made: int
    tool_execution_history: list[ToolExecution]
    tokens_used: TokenUsage
    model: str
    """The model that served the last call, ``provider:model``."""
    session_id: str
    response_id: str | None = None
    finish_reason: TurnFinish = "stop"
    """How the turn ended: the last reply's reason (``"stop"``, ``"length"``...), or
    ``"max_tool_rounds"`` when the model still asked for tools after the last round
    allowed (``final_response`` is then whatever text came with that last request)."""

    def __len__(self) -> int:
        return len(self.final_response)

    @classmethod
    def of(cls, turn: TurnResult, session_id: str) -> CompletionResult:
        return cls(
            final_response=turn.content,
            tool_calls_made=len(turn.tool_results),
            tool_execution_history=[
                ToolExecution(
                    tool_name=r.tool_name,
                    arguments=arguments_or_text(r.arguments),
                    result=r.content,
                    error=r.error,
                )
                for r in turn.tool_results
            ],
            tokens_used=TokenUsage.of(turn.usage),
            model=turn.model,
            session_id=session_id,
            response_id=turn.response_id,
            finish_reason=turn.finish_reason,
        )

    @property
    def stopped_at_tool_limit(self) -> bool:
        """Whether the turn ended because it ran out of tool rounds, not with an answer."""
        return self.finish_reason == "max_tool_rounds"


class StreamChunk(BaseModel):
    """A piece of a streamed answer; the last one has ``done=True``, no content, and the
    turn's ``finish_reason`` (as ``CompletionResult.finish_reason``)."""

    model_config = ConfigDict(frozen=True)

    content: str = ""
    done: bool = False
    tool_calls_made: int = 0
    finish_reason: TurnFinish | None = None


class CompletionError(RuntimeError):
    """The turn failed for a reason other than the model: a hook rejected it, it was
    cancelled, or no engine handled it. The message says which."""


def error_of(error: str | None, failure: Failure | None) -> Exception:
    """The exception that a failed turn raises from the one-call API: the model call's own
    ``LLMError`` when a model call failed, else a ``CompletionError``."""
    if failure is None or not failure.is_llm_error:
        return CompletionError(error or "the turn failed")
    return LLMError.from_failure(failure)
