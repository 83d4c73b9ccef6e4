"""Building a whole reply out of stream fragments (and back), and checking structured output.

Every adapter streams through a ``StreamAssembler``: it turns the SDK's fragments into our
deltas and, at the end, into the same ``LLMResponse`` that ``complete`` would return.
Providers that have the whole reply at once (the offline stand-in, the test fakes) stream it
with ``response_deltas``: text in word-sized pieces, each tool call as a first fragment with
its id and name and then pieces of its arguments, small enough to split JSON mid-token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pydantic import ValidationError

from llmgine.llm._errors import StructuredOutputError
from llmgine.llm._replysize import ReplyTooLarge
from llmgine.llm._types import (
    FinishReason,
    LLMRequest,
    LLMResponse,
    StreamEnd,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    Usage,
)

ARGUMENT_FRAGMENT = 16
"""Characters of tool-call arguments per streamed fragment."""

_WORD = re.compile(r"\s*\S+\s*")


def word_pieces(text: str) -> list[str]:
    """``text`` as words with the spaces around them; the pieces join back to ``text``."""
    return _WORD.findall(text) or ([text] if text else [])


def fragments(text: str, size: int = ARGUMENT_FRAGMENT) -> list[str]:
    """``text`` in pieces of ``size`` characters."""
    return [text[i : i + size] for i in range(0, len(text), size)]


def response_deltas(response: LLMResponse) -> Iterator[TextDelta | ToolCallDelta]:
    """The deltas of ``response`` in the order a provider streams them (without ``StreamEnd``)."""
    for piece in word_pieces(response.content):
        yield TextDelta(text=piece)
    for index, call in enumerate(response.tool_calls):
        yield ToolCallDelta(index=index, id=call.id, name=call.name)
        for fragment in fragments(call.arguments):
            yield ToolCallDelta(index=index, arguments=fragment)


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class StreamAssembler:
    """Collects text and tool-call fragments (keyed by index) into one reply.

    With ``max_bytes``, a reply whose text and arguments pass that many bytes (UTF-8) raises
    ``ReplyTooLarge`` at the fragment that crosses the line.
    """

    def __init__(self, provider: str, model: str, *, max_bytes: int | None = None) -> None:
        self.provider = provider
        self.model = model
        self._text: list[str] = []
        self._calls: dict[int, _PartialCall] = {}
        self._max_bytes = max_bytes
        self._bytes = 0

    def _count(self, fragment: str) -> None:
        if self._max_bytes is None:
            return
        self._bytes += len(fragment) if fragment.isascii() else len(fragment.encode())
        if self._bytes > self._max_bytes:
            raise ReplyTooLarge(self._max_bytes)

    def text(self, fragment: str) -> TextDelta:
        self._count(fragment)
        self._text.append(fragment)
        return TextDelta(text=fragment)

    def tool_call(
        self, index: int, *, id: str | None = None, name: str | None = None, arguments: str = ""
    ) -> ToolCallDelta:
        call = self._calls.setdefault(index, _PartialCall())
        if id:
            call.id = id
        if name:
            call.name = name
        if arguments:
            self._count(arguments)
            call.arguments.append(arguments)
        return ToolCallDelta(index=index, id=id or None, name=name or None, arguments=arguments)

    def response(
        self,
        *,
        finish_reason: FinishReason,
        usage: Usage,
        model: str | None = None,
        response_id: str | None = None,
    ) -> LLMResponse:
        calls = tuple(
            ToolCall(id=c.id or f"call_{i}", name=c.name, arguments="".join(c.arguments) or "{}")
            for i, c in sorted(self._calls.items())
        )
        return LLMResponse(
            content="".join(self._text),
            tool_calls=calls,
            finish_reason=finish_reason,
            usage=usage,
            provider=self.provider,
            model=model or self.model,
            response_id=response_id,
        )

    def end(self, response: LLMResponse) -> StreamEnd:
        return StreamEnd(response=response)


def with_structured_output(request: LLMRequest, response: LLMResponse) -> LLMResponse:
    """Validate the reply against ``request.response_format`` and fill ``parsed``.

    Raises ``StructuredOutputError`` (with the raw text and the validation errors) when the
    reply does not fit, so the caller can show the model what went wrong.
    """
    schema = request.response_format
    if schema is None or response.tool_calls:
        return response
    try:
        parsed = schema.model_validate_json(response.content)
    except ValidationError as exc:
        raise StructuredOutputError(
            f"the reply does not validate against {schema.__name__}: {exc.error_count()} error(s)",
            raw=response.content,
            errors=str(exc),
            provider=response.provider,
            model=response.model,
        ) from exc
    return response.model_copy(update={"parsed": parsed})
