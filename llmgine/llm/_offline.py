"""The offline stand-in: the provider used when no API key and no local model server are found.

It is not a language model and says so in every answer. It keeps the programs usable and
their tools exercised without a network: a plain request it recognises (weather, arithmetic,
email; see ``_offline_intents``) becomes a call of an offered tool that fits; once the tools
have answered, it reports their results as they are; anything else gets an honest note on how
to connect a real model. It is deterministic: the same request always gets the same reply.

Structured output gets an instance built from the schema with placeholder values (defaults
where the model gives them, otherwise ``"offline stand-in"``, ``0``, ``false``, empty lists,
the first enum value), so code that asks for a pydantic model runs end to end. The values are
placeholders, not an answer.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import orjson

from llmgine.llm._assemble import StreamAssembler, response_deltas, with_structured_output
from llmgine.llm._offline_intents import find_intents
from llmgine.llm._offline_schema import placeholder_instance
from llmgine.llm._offline_tools import call_for
from llmgine.llm._provider import LLMProvider
from llmgine.llm._tokens import estimate_tokens, request_text
from llmgine.llm._types import (
    AssistantMessage,
    LLMRequest,
    LLMResponse,
    StreamDelta,
    TextDelta,
    ToolCall,
    ToolResultMessage,
    Usage,
    UserMessage,
)

OFFLINE_MODEL = "offline:stand-in"

_LABEL = "[llmgine offline stand-in, not a language model]"
_HOW_TO_CONNECT = (
    "For real answers, set OPENAI_API_KEY or ANTHROPIC_API_KEY, or start Ollama "
    "(https://ollama.com) and pull a model."
)
_FALLBACK = (
    f"{_LABEL} I am llmgine's offline stand-in, not a language model: no API key or "
    "reachable local model server was found, so I cannot really answer. I can only call "
    "tools for plain requests (the weather in a place, arithmetic, sending an email) when "
    f"a matching tool is offered. {_HOW_TO_CONNECT}"
)
_INTENT_NAMES = {"weather": "the weather", "arithmetic": "arithmetic", "email": "an email"}


class OfflineProvider(LLMProvider):
    """A deterministic stand-in for a model: no network, no randomness, no key."""

    def __init__(self, model: str = "stand-in") -> None:
        self.provider = "offline"
        self.model = model

    async def complete(self, request: LLMRequest) -> LLMResponse:
        return self.reply(request)

    async def stream(self, request: LLMRequest) -> AsyncGenerator[StreamDelta, None]:
        # The same reply as ``complete``, cut into word-sized pieces and put back together by
        # the assembler every adapter uses, so both paths end with an equal response.
        response = self.reply(request)
        assembler = StreamAssembler(self.provider, self.model)
        for delta in response_deltas(response):
            if isinstance(delta, TextDelta):
                yield assembler.text(delta.text)
            else:
                yield assembler.tool_call(
                    delta.index, id=delta.id, name=delta.name, arguments=delta.arguments
                )
        assembled = assembler.response(finish_reason=response.finish_reason, usage=response.usage)
        yield assembler.end(with_structured_output(request, assembled))

    def reply(self, request: LLMRequest) -> LLMResponse:
        """The whole reply to ``request``: pure, so it can be called without an event loop."""
        calls, unserved = _tool_calls(request)
        content = "" if calls else _answer(request, unserved)
        response = LLMResponse(
            content=content,
            tool_calls=tuple(calls),
            finish_reason="tool_calls" if calls else "stop",
            usage=Usage(
                input_tokens=estimate_tokens(request_text(request)),
                output_tokens=estimate_tokens(
                    content + "".join(c.name + c.arguments for c in calls)
                ),
            ),
            provider=self.provider,
            model=self.model,
        )
        return with_structured_output(request, response)


async def offline_models(**options: Any) -> list[str]:
    """The catalog's lister for ``offline:``: the stand-in is all there is."""
    return [OFFLINE_MODEL.partition(":")[2]]


def offline_provider(model: str, **options: Any) -> OfflineProvider:
    """The registry's factory for ``offline:...``; ``api_key``, ``base_url``... are ignored."""
    return OfflineProvider(model)


def _tool_calls(request: LLMRequest) -> tuple[list[ToolCall], list[str]]:
    """The calls for the requests in the last user message, and the requests no tool fits.

    Once tools have answered that message there is nothing more to call: asking again
    would loop for ever.
    """
    if request.tool_choice == "none" or _results_since_last_user_message(request):
        return [], []
    # Ids carry the turn, so they stay unique over a whole conversation.
    turn = sum(isinstance(m, AssistantMessage) for m in request.messages)
    calls: list[ToolCall] = []
    unserved: list[str] = []
    for intent in find_intents(_last_user_text(request)):
        planned = call_for(intent, request.tools)
        if planned is None:
            unserved.append(_INTENT_NAMES[intent.kind])
            continue
        arguments = orjson.dumps(planned.arguments).decode()
        call_id = f"offline_call_{turn}_{len(calls)}"
        calls.append(ToolCall(id=call_id, name=planned.name, arguments=arguments))
    return calls, unserved


def _answer(request: LLMRequest, unserved: list[str]) -> str:
    if request.response_format is not None:
        schema = request.response_format.model_json_schema()
        return orjson.dumps(placeholder_instance(schema)).decode()
    results = _results_since_last_user_message(request)
    if results:
        return _summary(results)
    return _FALLBACK + _unserved_note(unserved)


def _last_user_text(request: LLMRequest) -> str:
    return next((m.content for m in reversed(request.messages) if isinstance(m, UserMessage)), "")


def _results_since_last_user_message(request: LLMRequest) -> list[ToolResultMessage]:
    results: list[ToolResultMessage] = []
    for message in reversed(request.messages):
        if isinstance(message, UserMessage):
            break
        if isinstance(message, ToolResultMessage):
            results.append(message)
    return results[::-1]


def _summary(results: list[ToolResultMessage]) -> str:
    lines = [f"{_LABEL} Here is what the tools returned, as they returned it:"]
    for result in results:
        verb = "failed" if result.is_error else "returned"
        lines.append(f"- {result.name} {verb}: {result.content}")
    return "\n".join(lines)


def _unserved_note(kinds: list[str]) -> str:
    if not kinds:
        return ""
    asked = ", ".join(dict.fromkeys(kinds))
    return f" (You asked about {asked}, but no tool for it was offered.)"
