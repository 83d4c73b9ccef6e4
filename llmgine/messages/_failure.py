"""Why a command failed, as data.

A failed ``CommandResult`` carries a ``Failure``: a small frozen record whose ``kind`` is
one of a closed set, so code that reacts to a failure matches on ``kind`` (checked by the
type checker) instead of parsing error text. The set has two parts:

    the bus          no_handler, rejected, timeout, cancelled, handler_error,
                     invalid_result, transport_error
    a model call     llm_error, rate_limited, connection_failed, llm_timeout,
                     server_error, auth_failed, invalid_request, token_limit,
                     malformed_response, invalid_structured_output

The model-call kinds mirror the ``LLMError`` tree one class each, and the record holds
every field an ``LLMError`` needs (provider, model, status, retry hint, the invalid reply),
so ``LLMError.from_failure`` rebuilds the same exception on the far side of a log or a
process boundary.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

BusFailureKind = Literal[
    "no_handler",
    "rejected",
    "timeout",
    "cancelled",
    "handler_error",
    "invalid_result",
    "transport_error",
]
LLMFailureKind = Literal[
    "llm_error",
    "rate_limited",
    "connection_failed",
    "llm_timeout",
    "server_error",
    "auth_failed",
    "invalid_request",
    "token_limit",
    "malformed_response",
    "invalid_structured_output",
]
FailureKind = BusFailureKind | LLMFailureKind

LLM_ERROR_KINDS: dict[str, LLMFailureKind] = {
    "LLMError": "llm_error",
    "RateLimitError": "rate_limited",
    "APIConnectionError": "connection_failed",
    "APITimeoutError": "llm_timeout",
    "ServerError": "server_error",
    "AuthenticationError": "auth_failed",
    "InvalidRequestError": "invalid_request",
    "TokenLimitError": "token_limit",
    "MalformedResponseError": "malformed_response",
    "StructuredOutputError": "invalid_structured_output",
}
"""The kind of each ``LLMError`` class, by class name: for reading logs written before
failures were data (a test checks it against the classes' own ``kind``)."""

FAILURE_KINDS: frozenset[str] = frozenset(get_args(BusFailureKind) + get_args(LLMFailureKind))
LLM_FAILURE_KINDS: frozenset[str] = frozenset(get_args(LLMFailureKind))


class Failure(BaseModel):
    """What went wrong with one command, in a form that survives the log and the wire.

    ``message`` is the readable explanation; ``exception_type`` the class name of the
    exception behind it, when there was one (for display and for tracing's
    ``error.type``, never for deciding what to do: that is what ``kind`` is for).
    """

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    kind: FailureKind
    message: str
    exception_type: str | None = None
    retryable: bool = False
    """Whether sending the same command again may succeed (a rate limit, a dropped
    connection), as opposed to a failure that will repeat (a bad request, no handler)."""
    provider: str | None = None
    model: str | None = None
    status_code: int | None = None
    request_id: str | None = None
    retry_after: float | None = None
    """The provider's hint, in seconds, before trying again."""
    raw: str | None = None
    """For ``invalid_structured_output``: the reply the model wrote."""
    validation_errors: str | None = None
    """For ``invalid_structured_output``: what was wrong with that reply."""

    @property
    def is_llm_error(self) -> bool:
        """Whether a model call failed (the kind names an ``LLMError`` class)."""
        return self.kind in LLM_FAILURE_KINDS

    def describe(self) -> str:
        """``"ValueError: bad input"``: the failure in one line, as ``CommandResult.error``.

        A model call's failure reads like its ``LLMError``:
        ``"RateLimitError: openai:gpt-4o (HTTP 429): slow down"``.
        """
        text = self.message
        if self.is_llm_error and self.provider is not None:
            status = f" (HTTP {self.status_code})" if self.status_code else ""
            text = f"{self.provider}:{self.model}{status}: {text}"
        if self.exception_type:
            return f"{self.exception_type}: {text}" if text else self.exception_type
        return text or self.kind
