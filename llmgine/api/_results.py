"""What the one-call API returns, and the errors it raises.

CompletionError             the turn failed for a reason other than the model's
(LLMError and its subclasses from ``llmgine.llm`` are raised as they are: a rate limit
after the retries is a ``RateLimitError``, an invalid structured reply after every retry
a ``StructuredOutputError``.)
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from llmgine.engine import TurnResult
from llmgine.llm import LLMError
from llmgine.messages import Failure
from llmgine.tools import arguments_or_text


class TokenUsage(BaseModel):
    model_config = ConfigDict(frozen=True)

    prompt: int = 0
    completion: int = 0
    total: int = 0


class ToolExecution(BaseModel):
    """One tool call of the turn: what the model sent, what it got back, and any error."""

    model_config = ConfigDict(frozen=True)

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
            tokens_used=TokenUsage(
                prompt=turn.usage.input_tokens,
                completion=turn.usage.output_tokens,
                total=turn.usage.total_tokens,
            ),
            model=turn.model,
            session_id=session_id,
            response_id=turn.response_id,
        )


class StreamChunk(BaseModel):
    """A piece of a streamed answer; the last one has ``done=True`` and no content."""

    model_config = ConfigDict(frozen=True)

    content: str = ""
    done: bool = False
    tool_calls_made: int = 0


class CompletionError(RuntimeError):
    """The turn failed for a reason other than the model: a hook rejected it, it was
    cancelled, or no engine handled it. The message says which."""


def error_of(error: str | None, failure: Failure | None) -> Exception:
    """The exception that a failed turn raises from the one-call API: the model call's own
    ``LLMError`` when a model call failed, else a ``CompletionError``."""
    if failure is None or not failure.is_llm_error:
        return CompletionError(error or "the turn failed")
    return LLMError.from_failure(failure)
