"""One chat turn: model call, tool calls, model call again, until the model answers.

Every step goes through the bus: each model call is a ``CallLLMCommand`` and each tool
call an ``ExecuteToolCommand``, so hooks (command middleware) see them and the log holds
them, all pointing back at the ``PromptCommand``. The tool calls of one reply run
concurrently. The turn keeps its new messages to itself until it ends; the engine then
publishes them in ``ResponseCompletedEvent`` and commits them to the history in one step.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from llmgine.bus import MessageBus
from llmgine.engine._messages import (
    CallLLMCommand,
    PromptCommand,
    TurnFinish,
)
from llmgine.llm import (
    AssistantMessage,
    ChatMessage,
    LLMRequest,
    LLMResponse,
    ToolCall,
    ToolDefinition,
    Usage,
    UserMessage,
)
from llmgine.messages import Failure
from llmgine.tools import (
    ExecuteToolCommand,
    ToolCallFailedEvent,
    ToolCallRequestedEvent,
    ToolResult,
)


class TurnFailed(Exception):
    """A model call of the turn failed; ``failure`` says why."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.describe())
        self.failure = failure


@dataclass(slots=True)  # slots: a thousand turns in flight hold a thousand of each
class TurnPlan:
    """What the engine settled for this turn before the first call."""

    model: str
    prefix: tuple[ChatMessage, ...]
    """System prompt and the windowed history: the start of every request of the turn."""
    tools: tuple[ToolDefinition, ...]
    max_tool_rounds: int
    stream: bool


@dataclass(slots=True)
class TurnOutcome:
    content: str
    model: str
    finish_reason: TurnFinish
    rounds: int
    usage: Usage
    messages: list[ChatMessage]
    tool_results: list[ToolResult] = field(default_factory=list)
    unexecuted_calls: tuple[ToolCall, ...] = ()
    parsed: Any = None
    response_id: str | None = None


class Turn:
    """Carries out one ``PromptCommand`` along a ``TurnPlan``."""

    __slots__ = ("bus", "command", "messages", "plan", "rounds", "tool_results", "usage")

    def __init__(self, bus: MessageBus, command: PromptCommand, plan: TurnPlan) -> None:
        self.bus = bus
        self.command = command
        self.plan = plan
        self.rounds = 0
        self.messages: list[ChatMessage] = [UserMessage(content=command.prompt)]
        self.usage = Usage()
        self.tool_results: list[ToolResult] = []

    async def run(self) -> TurnOutcome:
        command, plan = self.command, self.plan
        tool_rounds = 0
        retries_left = command.max_validation_retries
        while True:
            result = await self._call()
            if isinstance(result, Failure):
                retry = result.kind == "invalid_structured_output" and retries_left > 0
                if not retry:
                    raise TurnFailed(result)
                retries_left -= 1
                self._ask_again(result)
                continue
            response = result
            calls = response.tool_calls if command.execute_tools and plan.tools else ()
            if not calls:
                return self._finish(response, response.finish_reason)
            if tool_rounds >= plan.max_tool_rounds:
                return self._finish(response, "max_tool_rounds")
            tool_rounds += 1
            self.messages.append(response.to_message())
            results = await self._run_tools(calls)
            self.tool_results.extend(results)
            self.messages.extend(r.to_message() for r in results)

    async def _call(self) -> LLMResponse | Failure:
        self.rounds += 1
        command, plan = self.command, self.plan
        request = LLMRequest(
            messages=(*plan.prefix, *self.messages),
            tools=plan.tools,
            response_format=command.response_format,
            temperature=command.temperature,
            max_tokens=command.max_tokens,
        )
        result = await self.bus.execute(
            CallLLMCommand(request=request, model=plan.model, round=self.rounds, stream=plan.stream)
        )
        if result.success:
            response = result.unwrap()
            self.usage = self.usage + response.usage
            return response
        return result.failure or Failure(
            kind="handler_error", message=result.error or "the model call failed"
        )

    def _ask_again(self, failure: Failure) -> None:
        """Show the model its reply and what was wrong with it, and ask for a valid one."""
        schema = self.command.response_format
        name = schema.__name__ if schema is not None else "the requested format"
        self.messages.append(AssistantMessage(content=failure.raw or ""))
        self.messages.append(
            UserMessage(
                content=(
                    f"Your reply does not validate against {name}:\n"
                    f"{failure.validation_errors or failure.message}\n"
                    "Reply again with only a JSON object that fits the schema."
                )
            )
        )

    async def _run_tools(self, calls: tuple[ToolCall, ...]) -> list[ToolResult]:
        publish = self.bus.publish
        for call in calls:
            await publish(
                ToolCallRequestedEvent(
                    call_id=call.id, tool_name=call.name, arguments=call.arguments
                )
            )
        if len(calls) == 1:
            return [await self._run_tool(calls[0])]
        return list(await asyncio.gather(*(self._run_tool(call) for call in calls)))

    async def _run_tool(self, call: ToolCall) -> ToolResult:
        result = await self.bus.execute(ExecuteToolCommand(call=call))
        if result.success:
            return result.unwrap()
        # Rejected by a hook, or no tool handler: the model still gets an answer to its call.
        error = result.error or "the tool call was not run"
        await self.bus.publish(
            ToolCallFailedEvent(
                call_id=call.id,
                tool_name=call.name,
                error=error,
                error_kind="rejected",
                duration_ms=0.0,
            )
        )
        return ToolResult(
            call_id=call.id,
            tool_name=call.name,
            arguments=call.arguments,
            content=f"Error: the call of {call.name!r} was not run: {error}",
            error=error,
            error_kind="rejected",
        )

    def _finish(self, response: LLMResponse, finish: TurnFinish) -> TurnOutcome:
        # A reply's unexecuted tool calls stay out of the history: a later request with a
        # call and no result would be refused by the providers.
        self.messages.append(AssistantMessage(content=response.content))
        return TurnOutcome(
            content=response.content,
            model=response.model_name,
            finish_reason=finish,
            rounds=self.rounds,
            usage=self.usage,
            messages=self.messages,
            tool_results=self.tool_results,
            unexecuted_calls=response.tool_calls,
            parsed=response.parsed,
            response_id=response.response_id,
        )
