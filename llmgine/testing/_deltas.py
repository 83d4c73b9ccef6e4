"""Cutting a whole reply into the deltas a streaming provider would send.

The in-process fakes stream like a real model: the text in word-sized pieces (each with the
spaces that follow it), then each tool call as a first fragment carrying its id and name and
further fragments carrying its arguments. Joined back together (``StreamAssembler``), the
pieces give the same reply, so a test of streaming code sees realistic chunk boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from llmgine.llm import LLMResponse, TextDelta, ToolCallDelta

ARGUMENT_FRAGMENT = 16
"""Characters of tool-call arguments per fragment: small, so JSON is split mid-token."""

_WORD = re.compile(r"\s*\S+\s*")


def response_deltas(response: LLMResponse) -> Iterator[TextDelta | ToolCallDelta]:
    """The deltas of ``response``, in the order a provider streams them (no ``StreamEnd``)."""
    pieces = _WORD.findall(response.content) or ([response.content] if response.content else [])
    for piece in pieces:
        yield TextDelta(text=piece)
    for index, call in enumerate(response.tool_calls):
        yield ToolCallDelta(index=index, id=call.id, name=call.name)
        for start in range(0, len(call.arguments), ARGUMENT_FRAGMENT):
            fragment = call.arguments[start : start + ARGUMENT_FRAGMENT]
            yield ToolCallDelta(index=index, arguments=fragment)
