"""The hook points llmgine itself defines, registered when ``llmgine.hooks`` is imported.

    target     command              before payload             after payload
    executor   PromptCommand        ``prompt`` (str)           ``TurnResult.content`` (str)
    llm        CallLLMCommand       ``request`` (LLMRequest)   the ``LLMResponse``
    tool       ExecuteToolCommand   the arguments (dict)       ``ToolResult.content`` (str)

Tool arguments are the model's JSON text. Hooks see them parsed into a dict when they are a
JSON object and as the raw text otherwise (broken JSON, a list...), so a hook can repair
them; a returned dict is written back as JSON, a returned str as it is.
"""

from __future__ import annotations

import orjson

from llmgine.engine import CallLLMCommand, PromptCommand, TurnResult
from llmgine.hooks._points import HookPoint, register_hook_point
from llmgine.llm import LLMRequest, LLMResponse
from llmgine.tools import ExecuteToolCommand, ToolResult, arguments_or_text


def _expect(value: object, kind: type, what: str) -> None:
    if not isinstance(value, kind):
        raise TypeError(f"{what} must be a {kind.__name__}, not {type(value).__name__}")


def _set_prompt(command: PromptCommand, payload: object) -> PromptCommand:
    _expect(payload, str, "the payload of before_executor (the prompt)")
    return command.model_copy(update={"prompt": payload})


def _turn_content(result: TurnResult) -> str:
    _expect(result, TurnResult, "the result of a PromptCommand")
    return result.content


def _set_turn_content(result: TurnResult, payload: object) -> TurnResult:
    _expect(payload, str, "the payload of after_executor (the answer)")
    return result.model_copy(update={"content": payload})


def _set_request(command: CallLLMCommand, payload: object) -> CallLLMCommand:
    _expect(payload, LLMRequest, "the payload of before_llm")
    return command.model_copy(update={"request": payload})


def _response(result: LLMResponse) -> LLMResponse:
    _expect(result, LLMResponse, "the result of a CallLLMCommand")
    return result


def _set_response(result: LLMResponse, payload: object) -> LLMResponse:
    _expect(payload, LLMResponse, "the payload of after_llm")
    assert isinstance(payload, LLMResponse)
    return payload


def tool_arguments(command: ExecuteToolCommand) -> dict[str, object] | str:
    """The call's arguments as a dict when they are a JSON object, else the raw text."""
    return arguments_or_text(command.call.arguments)


def _set_tool_arguments(command: ExecuteToolCommand, payload: object) -> ExecuteToolCommand:
    if isinstance(payload, dict):
        text = orjson.dumps(payload).decode()
    elif isinstance(payload, str):
        text = payload
    else:
        raise TypeError(
            f"the payload of before_tool (the arguments) must be a dict or a str, "
            f"not {type(payload).__name__}"
        )
    call = command.call.model_copy(update={"arguments": text})
    return command.model_copy(update={"call": call})


def _tool_content(result: ToolResult) -> str:
    _expect(result, ToolResult, "the result of an ExecuteToolCommand")
    return result.content


def _set_tool_content(result: ToolResult, payload: object) -> ToolResult:
    _expect(payload, str, "the payload of after_tool (the tool's output)")
    return result.model_copy(update={"content": payload})


EXECUTOR_POINT = HookPoint(
    PromptCommand, "executor", lambda c: c.prompt, _set_prompt, _turn_content, _set_turn_content
)
LLM_POINT = HookPoint(
    CallLLMCommand, "llm", lambda c: c.request, _set_request, _response, _set_response
)
TOOL_POINT = HookPoint(
    ExecuteToolCommand, "tool", tool_arguments, _set_tool_arguments, _tool_content,
    _set_tool_content,
)  # fmt: skip


def register_builtin_points() -> None:
    for point in (EXECUTOR_POINT, LLM_POINT, TOOL_POINT):
        register_hook_point(point)
