"""Tools that run only with approval: who approves, and what the model reads otherwise.

A tool declared with ``requires_approval=True`` (it sends, buys, deletes...) runs only when
its manager's approver says yes to the call. The approver is any function, sync or async,
of the ``Tool`` and the ``ToolCall`` that returns True to run it; a program asks a person
there (the function chat asks y/n/always), a service applies a policy. A manager without
an approver runs no such tool, so marking a tool is safe before anyone is asked.

The approver is asked after the arguments are validated, so nobody is asked about a call
that could not run, and before the tool's time limit starts: waiting for a person is not
the tool's time. A call not approved is a ``ToolResult`` with ``error_kind="rejected"``:
the model reads that it was not run, and the turn goes on.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TypeAlias

from llmgine.llm import ToolCall
from llmgine.tools._tool import Tool

logger = logging.getLogger("llmgine.tools")

ToolApprover: TypeAlias = Callable[[Tool[..., object], ToolCall], bool | Awaitable[bool]]
"""Decides whether a call of a tool that requires approval runs: True runs it."""

NOT_APPROVED_ADVICE = "Do not call it again unless the user asks you to; go on without it."


async def refusal(
    approver: ToolApprover | None, tool: Tool[..., object], call: ToolCall
) -> str | None:
    """Why the call may not run, or ``None`` when ``approver`` approves it. An approver that
    raises refuses (and is logged): a tool that needs approval never runs by accident."""
    if approver is None:
        return (
            f"tool {tool.name!r} needs approval and nothing here can approve it, so it was not run"
        )
    try:
        answer = approver(tool, call)
        if inspect.isawaitable(answer):
            answer = await answer
    except Exception as exc:
        logger.warning(
            "the approver of tool %r failed; the call was not run", tool.name, exc_info=exc
        )
        return (
            f"asking for approval of {tool.name!r} failed ({type(exc).__name__}), so it was not run"
        )
    if answer is True:
        return None
    return f"this call of {tool.name!r} was not approved, so it was not run"
