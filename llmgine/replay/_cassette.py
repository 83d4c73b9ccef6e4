"""The answers of a recording, looked up by exact request and occurrence.

A request is keyed by its whole content (model, messages with their tool calls and
results, tool schemas, options). The same key asked a second time gets the second answer
recorded for it, so a prompt repeated in a session replays both answers in order. A key
that was never recorded, or asked more often than recorded, is a miss: it fails closed,
naming the first field that differs from the nearest recorded request.

Tool calls are keyed by tool name and arguments, with an occurrence count the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from llmgine.llm import LLMProvider, LLMRequest, ToolCall
from llmgine.replay._diff import closeness, first_difference, request_data, request_key
from llmgine.replay._errors import Miss
from llmgine.replay._recording import RecordedCall, RecordedTool, Recording
from llmgine.tools import ToolResult

ForkTarget = Callable[[str], LLMProvider]
"""Given the model a call asks for, the provider that answers once a replay has forked."""


@dataclass
class Cassette:
    """The shared state of one replay: answers, how many of each were used, misses."""

    recording: Recording
    fork_at: int | None = None
    """Model calls replayed before the replay forks (``None``: never)."""
    fork_to: ForkTarget | None = None
    served: int = 0
    """Model calls answered so far, replayed or live."""
    live_calls: int = 0
    misses: list[Miss] = field(default_factory=list)
    _answers: dict[str, list[RecordedCall]] = field(default_factory=dict)
    _data: dict[int, dict[str, Any]] = field(default_factory=dict)
    _used: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _tools: dict[tuple[str, str], list[RecordedTool]] = field(default_factory=dict)
    _tools_used: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    _live: dict[str, LLMProvider] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for call in self.recording.calls:
            if call.outcome is None:
                continue  # sent, never answered (the process stopped): nothing to replay
            data = request_data(call.model, call.request)
            self._data[id(call)] = data
            self._answers.setdefault(request_key(data), []).append(call)
        for tool in self.recording.tools:
            if tool.result is not None:
                key = (tool.command.call.name, tool.command.call.arguments)
                self._tools.setdefault(key, []).append(tool)

    @property
    def forked(self) -> bool:
        """Whether calls now go live (the fork point is behind)."""
        return self.fork_at is not None and self.served >= self.fork_at

    def live_provider(self, model: str) -> LLMProvider | None:
        """The provider for the next call when the replay has forked, else ``None``."""
        if not self.forked:
            return None
        if self.fork_to is None:
            raise ValueError("a replay with fork_at needs fork_to: the provider to go on with")
        provider = self._live.get(model)
        if provider is None:
            provider = self._live[model] = self.fork_to(model)
        return provider

    def answer(self, model: str, request: LLMRequest) -> RecordedCall | Miss:
        """The recorded call that answers this request next, or the miss it is."""
        data = request_data(model, request)
        key = request_key(data)
        answers = self._answers.get(key, [])
        used = self._used[key]
        if used < len(answers):
            self._used[key] = used + 1
            return answers[used]
        if answers:
            miss = Miss(
                "model",
                f"no recorded answer left for this request to {model}: the log answered it "
                f"{len(answers)} time(s) and this is call {used + 1} of it; the code under "
                "replay asks the model more often than the recorded run did",
            )
        else:
            miss = self._nearest_miss(model, data)
        self.misses.append(miss)
        return miss

    def _nearest_miss(self, model: str, data: dict[str, Any]) -> Miss:
        candidates = [call for call in self.recording.calls if id(call) in self._data]
        if not candidates:
            return Miss(
                "model", f"the recording has no model call to answer this request to {model}"
            )
        nearest = max(candidates, key=lambda call: closeness(self._data[id(call)], data))
        difference = first_difference(self._data[id(nearest)], data)
        assert difference is not None  # the key differs, so some field does
        where = f"session {nearest.session_id!r}, model call {nearest.command_id}"
        return Miss(
            "model",
            f"no recorded answer for this request to {model}; it differs from the nearest "
            f"recorded request ({where}) first at {difference.describe()}\n"
            "Record the session again if the change is meant, or undo the change.",
            path=difference.path,
        )

    def tool_result(self, call: ToolCall) -> ToolResult | Miss:
        key = (call.name, call.arguments)
        results = self._tools.get(key, [])
        used = self._tools_used[key]
        if used < len(results):
            self._tools_used[key] = used + 1
            recorded = results[used].result
            assert recorded is not None
            return recorded.model_copy(update={"call_id": call.id})
        same_tool = [k[1] for k in self._tools if k[0] == call.name]
        if results:
            why = f"the log has {len(results)} result(s) for it, all used"
        elif same_tool:
            why = f"the log called {call.name!r} with {', '.join(same_tool[:3])} only"
        else:
            why = f"the log has no call of {call.name!r}"
        miss = Miss(
            "tool",
            f"no recorded result for the tool call {call.name}({call.arguments}): {why}; "
            "run the tools live (live_tools=True, --live-tools) or record again",
            path=None,
        )
        self.misses.append(miss)
        return miss

    async def aclose(self) -> None:
        live, self._live = list(self._live.values()), {}
        for provider in live:
            await provider.aclose()
