"""Running one tool call, and turning every way it can end into a ``ToolResult``.

The steps, each with its own ``error_kind`` when it fails: find the tool
(``unknown_tool``), parse the arguments (``invalid_json``), validate them
(``invalid_arguments``), ask the approver if the tool requires approval (``rejected``), run
the function (``exception``) within its time limit (``timeout``). Nothing but
``asyncio.CancelledError`` and ``KeyboardInterrupt`` escapes (a ``SystemExit`` raised by
a tool fails the call like any exception): a failure becomes a result whose content starts
with ``Error:`` and tells the model what went wrong and what to do about it. Arguments are
parsed with integers exact, however large.

Async tools are awaited in the caller's task. Sync tools run in a worker thread
(``asyncio.to_thread``), so a blocking tool does not stall the event loop; a thread cannot
be interrupted, so when a sync tool times out the model is told at once and the thread
runs to its end in the background, its result discarded. A sync tool declared ``inline``
(cheap: no I/O, no waiting) is called on the loop, saving the two thread hops.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import math
import time
from collections.abc import Sequence

import pydantic_core
from pydantic import BaseModel, ValidationError

from llmgine.llm import ToolCall
from llmgine.tools._approval import NOT_APPROVED_ADVICE, ToolApprover, refusal
from llmgine.tools._messages import ToolErrorKind, ToolResult, parse_arguments
from llmgine.tools._tool import Tool

logger = logging.getLogger("llmgine.tools")

_MAX_PROBLEMS = 8
"""How many invalid fields a result names: enough to fix a call, short enough to read."""


class _Expired(Exception):
    """The tool's own time limit passed (not a ``TimeoutError`` raised by the tool)."""


class _Failure(Exception):
    """One step of a call failed: ``error`` says what, ``content`` is what the model reads."""

    def __init__(self, kind: ToolErrorKind, error: str, advice: str = "") -> None:
        super().__init__(error)
        self.kind: ToolErrorKind = kind
        self.error = error
        self.content = f"Error: {error}. {advice}" if advice else f"Error: {error}"


async def run_tool_call(
    call: ToolCall,
    tool: Tool[..., object] | None,
    *,
    available: Sequence[str],
    timeout: float | None,
    approver: ToolApprover | None = None,
) -> ToolResult:
    """Run ``call`` with ``tool`` (``None``: no such tool) and say how it went; a tool that
    requires approval runs only when ``approver`` approves the call."""
    started = time.perf_counter()
    try:
        content = await _run(call, tool, available, timeout, approver)
    except _Failure as failure:
        return ToolResult(
            call_id=call.id,
            tool_name=call.name,
            arguments=call.arguments,
            content=failure.content,
            error=failure.error,
            error_kind=failure.kind,
            duration_ms=_elapsed_ms(started),
        )
    return ToolResult(
        call_id=call.id,
        tool_name=call.name,
        arguments=call.arguments,
        content=content,
        duration_ms=_elapsed_ms(started),
    )


async def _run(
    call: ToolCall,
    tool: Tool[..., object] | None,
    available: Sequence[str],
    timeout: float | None,
    approver: ToolApprover | None,
) -> str:
    """The content of a successful call; raises ``_Failure`` at the first step that fails."""
    name = call.name
    if tool is None:
        listing = ", ".join(repr(known) for known in available)
        advice = f"Available tools: {listing}." if listing else "No tools are available."
        raise _Failure("unknown_tool", f"there is no tool named {name!r}", advice)
    try:
        arguments = parse_arguments(call)
    except ValueError as exc:
        advice = f"Call {name!r} again with its arguments as one JSON object."
        raise _Failure("invalid_json", str(exc), advice) from None
    try:
        kwargs = tool.validate_arguments(arguments)
    except ValidationError as exc:
        error = f"invalid arguments for tool {name!r}: {describe_validation_error(exc)}"
        advice = "Call the tool again with corrected arguments."
        raise _Failure("invalid_arguments", error, advice) from None
    if tool.requires_approval:
        refused = await refusal(approver, tool, call)
        if refused is not None:
            raise _Failure("rejected", refused, NOT_APPROVED_ADVICE)
    limit = None if timeout is None or math.isinf(timeout) else timeout
    try:
        return to_content(await _invoke(tool, kwargs, limit))
    except _Expired:
        error = f"tool {name!r} was stopped after {limit:g} s, its time limit, before it finished"
        advice = "Try again with a smaller request, or go on without it."
        raise _Failure("timeout", error, advice) from None
    except Exception as exc:
        # The model sees only the exception's type and message; the traceback is for the log,
        # at INFO: a tool raising to tell the model "no such city" is not a fault of the app.
        logger.info("tool %r raised %s", name, type(exc).__name__, exc_info=exc)
        raise _Failure("exception", _describe(exc)) from None
    except SystemExit as exc:
        # argparse inside a tool exits on arguments it does not like: that ends the call,
        # never the app (or a bot serving a hundred channels).
        logger.info("tool %r tried to exit (SystemExit: %r)", name, exc.code)
        advice = "The tool tried to end the program, as argparse does on bad arguments."
        raise _Failure("exception", f"SystemExit: {exc.code}", advice) from None


async def _invoke(
    tool: Tool[..., object], kwargs: dict[str, object], limit: float | None
) -> object:
    if tool.inline and not tool.is_async:  # cheap by declaration: no thread, no timer
        value = tool.function(**kwargs)
        return await value if inspect.isawaitable(value) else value
    bound = functools.partial(tool.function, **kwargs)
    try:
        async with asyncio.timeout(limit) as scope:
            # A sync tool goes to a thread, so that blocking I/O in it cannot stall the loop.
            value = bound() if tool.is_async else await asyncio.to_thread(bound)
            if inspect.isawaitable(value):
                value = await value
            return value
    except TimeoutError:
        if scope.expired():
            raise _Expired from None
        raise


def to_content(value: object) -> str:
    """What the model reads for a return value: strings as they are, the rest as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    return pydantic_core.to_json(value, fallback=str).decode()


def describe_validation_error(exc: ValidationError) -> str:
    """``'days': Input should be a valid integer; 'city': missing (required)``."""
    errors = exc.errors(include_url=False, include_input=False)
    problems = []
    for error in errors[:_MAX_PROBLEMS]:
        where = ".".join(str(part) for part in error["loc"]) or "arguments"
        if error["type"] == "missing":
            reason = "missing (it is required)"
        elif error["type"] == "extra_forbidden":
            reason = "not a parameter of this tool"
        else:
            reason = error["msg"]
        problems.append(f"{where!r}: {reason}")
    if len(errors) > _MAX_PROBLEMS:
        problems.append(f"and {len(errors) - _MAX_PROBLEMS} more")
    return "; ".join(problems)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
