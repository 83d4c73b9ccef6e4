"""The steps a fake model plays back: replies (text, tool calls, JSON) and faults.

The same steps drive both fakes: ``FakeLLMServer`` renders them in the OpenAI or Anthropic
wire format, ``ScriptedProvider`` turns them into ``LLMResponse`` objects or ``LLMError``
exceptions directly.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from llmgine.llm import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    FinishReason,
    InvalidRequestError,
    LLMError,
    LLMResponse,
    MalformedResponseError,
    RateLimitError,
    ServerError,
    TokenLimitError,
    ToolCall,
    Usage,
)
from llmgine.llm._tokens import estimate_tokens
from llmgine.llm._types import json_text


@dataclass(frozen=True)
class ToolCallSpec:
    """A tool call the fake model makes; ``arguments`` may be a dict or raw (even broken) JSON."""

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    id: str | None = None

    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json_text(dict(self.arguments))  # integers of any size, as a model writes them


_ALPHABET = string.ascii_letters + string.digits


def fresh_id(prefix: str, length: int = 24) -> str:
    """``prefix`` and ``length`` random letters and digits: unique, as the services' ids are."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class Reply:
    """One answer of the fake model.

    ``usage`` is ``(input_tokens, output_tokens)``; when left out, both are estimated from
    the text (about four characters a token). ``report_usage=False`` sends no usage at all,
    as some OpenAI-compatible servers do. ``model`` is the model reported as serving; by
    default the one requested.
    """

    text: str = ""
    tool_calls: tuple[ToolCallSpec, ...] = ()
    usage: tuple[int, int] | None = None
    finish_reason: FinishReason | None = None
    model: str | None = None
    report_usage: bool = True

    @property
    def finish(self) -> FinishReason:
        if self.finish_reason is not None:
            return self.finish_reason
        return "tool_calls" if self.tool_calls else "stop"

    def call_ids(self, prefix: str = "call_", length: int = 24) -> tuple[str, ...]:
        """An id for each tool call: the scripted one, else a fresh ``prefix`` and ``length``
        letters and digits, as OpenAI (``call_``) and Anthropic (``toolu_01``) make them. Fresh on
        every call of this method, so a reply served twice has new ids the second time:
        clients that track a conversation by call id (the openai-agents SDK) need that."""
        return tuple(spec.id or fresh_id(prefix, length) for spec in self.tool_calls)

    def output_tokens(self) -> int:
        if self.usage is not None:
            return self.usage[1]
        calls = "".join(c.name + c.arguments_json() for c in self.tool_calls)
        return estimate_tokens(self.text + calls)

    def to_response(
        self,
        provider: str,
        model: str,
        input_tokens: int,
        call_ids: Sequence[str] | None = None,
    ) -> LLMResponse:
        """The response this reply stands for; ``call_ids`` names its tool calls (by
        default ``call_ids()``, fresh ones)."""
        ids = self.call_ids() if call_ids is None else tuple(call_ids)
        calls = tuple(
            ToolCall(id=call_id, name=c.name, arguments=c.arguments_json())
            for call_id, c in zip(ids, self.tool_calls, strict=True)
        )
        usage = (
            Usage(
                input_tokens=self.usage[0] if self.usage else input_tokens,
                output_tokens=self.output_tokens(),
            )
            if self.report_usage
            else Usage.not_reported()
        )
        return LLMResponse(
            content=self.text,
            tool_calls=calls,
            finish_reason=self.finish,
            usage=usage,
            provider=provider,
            model=self.model or model,
        )


FaultKind = Literal[
    "rate_limit",
    "server_error",
    "unauthorized",
    "bad_request",
    "context_length",
    "hang",
    "dribble",
    "malformed_json",
    "cut_stream",
]


@dataclass(frozen=True)
class Fault:
    """A failure to inject in place of a reply. Build one with the class methods."""

    kind: FaultKind
    status: int = 500
    retry_after: float | None = None
    seconds: float | None = None
    after_chunks: int = 2
    reply: Reply | None = None
    message: str | None = None

    @classmethod
    def rate_limit(cls, retry_after: float | None = 1.0) -> Fault:
        """HTTP 429, with a ``Retry-After`` header (seconds) unless ``retry_after`` is None."""
        return cls("rate_limit", status=429, retry_after=retry_after)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        """HTTP 5xx (500 by default; 529 is Anthropic's "overloaded")."""
        return cls("server_error", status=status)

    @classmethod
    def unauthorized(cls) -> Fault:
        """HTTP 401: the key is wrong."""
        return cls("unauthorized", status=401)

    @classmethod
    def bad_request(cls, message: str = "Unrecognized request argument supplied: foo") -> Fault:
        """HTTP 400 for a request the API refuses (not a context-length problem)."""
        return cls("bad_request", status=400, message=message)

    @classmethod
    def context_length(cls) -> Fault:
        """HTTP 400 saying the prompt is longer than the model's context window."""
        return cls("context_length", status=400)

    @classmethod
    def hang(cls, seconds: float | None = None) -> Fault:
        """Answer nothing for ``seconds`` (by default until the server stops)."""
        return cls("hang", seconds=seconds)

    @classmethod
    def dribble(cls, every: float = 0.5, reply: Reply | None = None) -> Fault:
        """Send ``reply`` (a long one by default) one piece every ``every`` seconds: one SSE
        frame at a time when streamed, one byte at a time otherwise. No single read waits
        long, so only a limit on the whole call stops it."""
        return cls("dribble", status=200, seconds=every, reply=reply)

    @classmethod
    def malformed_json(cls) -> Fault:
        """HTTP 200 with a body that is not JSON."""
        return cls("malformed_json", status=200)

    @classmethod
    def cut_stream(cls, after_chunks: int = 2, reply: Reply | None = None) -> Fault:
        """Start streaming ``reply`` and drop the connection after ``after_chunks`` chunks."""
        return cls("cut_stream", status=200, after_chunks=after_chunks, reply=reply)

    def error_message(self) -> str:
        if self.message:
            return self.message
        return _MESSAGES[self.kind]

    def to_error(self, provider: str, model: str) -> LLMError:
        """The error an adapter raises when the real server behaves like this fault."""
        kw: dict[str, Any] = {"provider": provider, "model": model}
        message = self.error_message()
        if self.kind == "rate_limit":
            return RateLimitError(message, retry_after=self.retry_after, status_code=429, **kw)
        if self.kind == "server_error":
            return ServerError(message, status_code=self.status, **kw)
        if self.kind == "unauthorized":
            return AuthenticationError(message, status_code=401, **kw)
        if self.kind == "bad_request":
            return InvalidRequestError(message, status_code=400, **kw)
        if self.kind == "context_length":
            return TokenLimitError(message, status_code=400, **kw)
        if self.kind in ("hang", "dribble"):
            return APITimeoutError(message, **kw)
        if self.kind == "malformed_json":
            return MalformedResponseError(message, **kw)
        return APIConnectionError(message, **kw)


_MESSAGES: dict[FaultKind, str] = {
    "rate_limit": "Rate limit reached for requests. Please try again later.",
    "server_error": "The server had an error while processing your request.",
    "unauthorized": "Incorrect API key provided.",
    "bad_request": "The request is not valid.",
    "context_length": (
        "This model's maximum context length is 128000 tokens. However, your messages "
        "resulted in 130000 tokens. Please reduce the length of the messages."
    ),
    "hang": "Request timed out.",
    "dribble": "The reply came too slowly to finish within the timeout.",
    "malformed_json": "The response body is not valid JSON.",
    "cut_stream": "The connection was closed in the middle of the stream.",
}

Step = Reply | Fault

CUT_REPLY = Reply(text="this reply will be cut off before it ends " * 3)
"""What a ``cut_stream`` fault starts to send when it is given no reply of its own."""

SLOW_REPLY = Reply(text="and one more word " * 500)
"""What a ``dribble`` fault sends when it is given no reply of its own."""


def text(content: str, **options: Any) -> Reply:
    """A plain text reply."""
    return Reply(text=content, **options)


def tool_call(name: str, arguments: Mapping[str, Any] | str | None = None, **options: Any) -> Reply:
    """A reply that calls one tool."""
    return Reply(tool_calls=(ToolCallSpec(name, arguments or {}),), **options)


def tool_calls(*calls: ToolCallSpec | tuple[str, Mapping[str, Any]], **options: Any) -> Reply:
    """A reply that calls several tools at once: ``tool_calls(("a", {...}), ("b", {...}))``."""
    specs = tuple(c if isinstance(c, ToolCallSpec) else ToolCallSpec(*c) for c in calls)
    return Reply(tool_calls=specs, **options)


def json_reply(value: BaseModel | Mapping[str, Any] | list[Any], **options: Any) -> Reply:
    """A reply whose text is ``value`` as JSON, for structured output."""
    if isinstance(value, BaseModel):
        return Reply(text=value.model_dump_json(), **options)
    return Reply(text=json_text(value), **options)
