"""``ReplayedTools``: a tool manager whose calls are answered from the recording.

It offers the model the tools it is given (the current code's definitions, so a changed
schema shows as a miss of the next model call) or, given none, the tools the recording
offered. A call gets the result recorded for the same tool and arguments, the n-th time
by the n-th such call; with ``live=True`` the given tools run instead. After a fork, a
call the recording has no result for runs live when its tool was given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from llmgine.llm import ToolCall
from llmgine.replay._cassette import Cassette
from llmgine.replay._errors import Miss, ToolReplayMissError
from llmgine.tools import Tool, ToolManager, ToolResult


class ReplayedTools(ToolManager):
    """Tools answered from a recording (see the module's docstring)."""

    def __init__(
        self,
        cassette: Cassette,
        tools: ToolManager | Iterable[Callable[..., Any]] | None = None,
        *,
        live: bool = False,
    ) -> None:
        given = tools if isinstance(tools, ToolManager) else ToolManager(tools or ())
        super().__init__(default_timeout=given.default_timeout)
        self.cassette = cassette
        self.live = live
        self._runnable = set(given.names)
        for tool in given:
            self.add(tool)
        if tools is None:
            for definition in _recorded_definitions(cassette):
                self.add(
                    Tool(
                        name=definition.name,
                        description=definition.description,
                        parameters=dict(definition.parameters),
                        function=_not_live,
                        is_async=False,
                        inline=True,
                    )
                )

    async def execute(self, call: ToolCall) -> ToolResult:
        if self.live and call.name in self._runnable:
            return await super().execute(call)
        found = self.cassette.tool_result(call)
        if isinstance(found, Miss):
            if self.cassette.forked and call.name in self._runnable:
                self.cassette.misses.remove(found)  # past the fork, new calls are expected
                return await super().execute(call)
            raise ToolReplayMissError(found)
        return found


def _recorded_definitions(cassette: Cassette) -> list[Any]:
    seen: dict[str, Any] = {}
    for call in cassette.recording.calls:
        for definition in call.request.tools:
            seen.setdefault(definition.name, definition)
    return list(seen.values())


def _not_live(**arguments: object) -> str:
    raise ToolReplayMissError(
        Miss("tool", "this tool was only recorded; give its function to run it live")
    )
