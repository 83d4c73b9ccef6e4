"""Asking the user before a tool that requires approval runs (the demo's ``send_email``).

The chat is its tool manager's approver. At a terminal it shows the call and asks
``y`` (run it), ``n`` (do not; also Enter alone, Ctrl-C, Ctrl-D) or ``a`` (run this tool
from now on, for the rest of the chat); calls made at once are asked about one at a time.
Reading from a pipe there is nobody to ask, so such calls are refused unless the chat was
started with ``--yes``. A refused call is answered to the model as not run, and the turn
goes on.
"""

from __future__ import annotations

import asyncio

from llmgine.llm import ToolCall
from llmgine.tools import Tool
from programs.function_chat._input import LineReader
from programs.function_chat._render import ChatView

ANSWERS = {"y": True, "yes": True, "n": False, "no": False, "": False, "a": True, "always": True}
PIPE_REFUSAL = (
    "{name} needs your approval, and a chat that reads from a pipe cannot ask for it, so "
    "such calls are not run (--yes runs them)"
)


class ChatApprover:
    """``manager.approver = ChatApprover(view, reader, yes=...)``."""

    def __init__(self, view: ChatView, reader: LineReader, *, yes: bool = False) -> None:
        self.view = view
        self.reader = reader
        self.yes = yes
        self.always: set[str] = set()
        self._asking = asyncio.Lock()
        self._told = False

    async def __call__(self, tool: Tool[..., object], call: ToolCall) -> bool:
        if self.yes or tool.name in self.always:
            return True
        self.view.tool_requested(call.id, call.name, call.arguments)  # before the question
        if not self.reader.interactive:
            if not self._told:  # once a chat: each refused call has its own [tool] line
                self._told = True
                self.view.notice(PIPE_REFUSAL.format(name=tool.name))
            return False
        async with self._asking:  # one question at a time
            if tool.name in self.always:
                return True
            return await self._ask(tool.name)

    async def _ask(self, name: str) -> bool:
        self.view.pause()
        question = f"run {name}? [y]es, [n]o, [a]lways in this chat: "
        while True:
            typed = await self.reader.ask(question)
            answer = "n" if typed is None else typed.strip().lower()
            if answer in ANSWERS:
                if answer in ("a", "always"):
                    self.always.add(name)
                return ANSWERS[answer]
            question = f"please answer y, n or a: run {name}? "
